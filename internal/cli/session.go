package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/progress"
	"github.com/ipps/ipps/internal/psrp"
	"github.com/ipps/ipps/internal/remoting"
	"github.com/ipps/ipps/internal/runspace"
	"github.com/ipps/ipps/internal/shell"
)

// ReconnectWarning is printed when a command found its shell gone and
// the session was reopened; the failed command is not run again, since
// it may have had effects before the shell was lost.
const ReconnectWarning = "WARNING: The remote session was lost (the shell was not found on the server); reconnected. Run the command again."

// closeTimeout bounds how long closing one shell may take at exit.
const closeTimeout = 5 * time.Second

// Session is one open remote PowerShell connection (a WS-Man shell with
// its RunspacePool) and the commands imported from it. It implements
// shell.Remote; its methods are safe for concurrent use.
type Session struct {
	// Name is "ExchangeOnlineProtection_<n>" or "ExchangeOnline_<n>", as
	// Get-ConnectionInformation shows it.
	Name         string
	ConnectionID string
	Endpoint     Endpoint
	Opened       time.Time

	cred   *credential
	cfg    remoting.ClientConfig
	errOut io.Writer
	log    *slog.Logger

	mu sync.Mutex
	// client is the current shell; replaced by a reconnect. Guarded by mu.
	client *remoting.Client
	// commands are the imported commands (remote names). Guarded by mu.
	commands []runspace.CommandInfo
}

var _ shell.Remote = (*Session)(nil)

// sessionConfig is what openSession needs besides the endpoint.
type sessionConfig struct {
	name   string
	cred   *credential
	hc     *http.Client
	errOut io.Writer
	log    *slog.Logger
}

// openSession opens a shell on ep, authenticating every request as
// cred.username with the password "Bearer <token>".
func openSession(ctx context.Context, ep Endpoint, sc sessionConfig) (*Session, error) {
	s := &Session{
		Name: sc.name, ConnectionID: uuid.NewString(), Endpoint: ep, cred: sc.cred, errOut: sc.errOut, log: sc.log,
		cfg: remoting.ClientConfig{URL: ep.URI, Username: sc.cred.username, TokenSource: sc.cred.token,
			HTTPClient: sc.hc, Logger: sc.log},
	}
	c, err := remoting.Dial(ctx, s.cfg)
	if err != nil {
		return nil, err
	}
	s.client, s.Opened = c, time.Now()
	sc.log.Debug("session opened", "name", s.Name, "shell", c.ShellID(), "uri", ep.URI)
	return s, nil
}

// validPrefix matches the prefixes Connect-IPPSSession accepts: letters
// and digits only.
var validPrefix = regexp.MustCompile(`^[A-Za-z0-9]*$`)

// Import fetches the metadata of the commands matching names (all when
// empty), as Import-PSSession does, drawing bar while it works.
func (s *Session) Import(ctx context.Context, names []string, bar *progress.Bar) error {
	bar.SetTotal(0)
	defer bar.Done()
	cmds, err := s.current().Commands(ctx, names...)
	if err != nil {
		return err
	}
	if len(cmds) == 0 && len(names) > 0 {
		return fmt.Errorf("no command on %s matched --command-name %s", s.Endpoint.URI, strings.Join(names, ","))
	}
	bar.SetTotal(len(cmds))
	s.keep(cmds, bar)
	return nil
}

// importOnly imports the metadata of exactly names (already remote
// names, wildcards escaped); none is imported when names is empty, and
// names the server lacks are skipped.
func (s *Session) importOnly(ctx context.Context, names []string) error {
	if len(names) == 0 {
		return nil
	}
	cmds, err := s.current().Commands(ctx, names...)
	if err != nil {
		return err
	}
	s.keep(cmds, nil)
	return nil
}

// keep stores cmds as the session's commands, minus the implicit-remoting
// skip list (these stay local), advancing bar (if any) per command.
func (s *Session) keep(cmds []runspace.CommandInfo, bar *progress.Bar) {
	kept := cmds[:0]
	for _, ci := range cmds {
		switch strings.ToLower(ci.Name) {
		case "get-command", "get-formatdata", "get-help", "select-object", "measure-object", "exit-pssession", "out-default":
		default:
			kept = append(kept, ci)
		}
		if bar != nil {
			bar.Add(1)
		}
	}
	s.mu.Lock()
	s.commands = kept
	s.mu.Unlock()
}

// Commands implements shell.Remote: the imported commands, by remote name.
func (s *Session) Commands() []runspace.CommandInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.commands
}

func (s *Session) current() *remoting.Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.client
}

// ShellID returns the current shell's id.
func (s *Session) ShellID() string { return s.current().ShellID() }

// Invoke implements shell.Remote. Output objects and non-terminating
// error records go to out; warnings are printed to the error stream. A
// refusal by RBAC comes back as the server's record with a hint. When the
// shell is gone from the server, Invoke reopens the session once, prints
// ReconnectWarning and returns the server's error without re-running cmd.
func (s *Session) Invoke(ctx context.Context, cmd runspace.Command, input []clixml.Value, out func(clixml.Value) error) error {
	c := s.current()
	ictx, cancel := context.WithCancel(ctx)
	defer cancel()
	var outErr error
	emit := func(v clixml.Value) {
		if outErr != nil {
			return
		}
		if err := out(v); err != nil {
			outErr = err
			cancel() // downstream stopped (e.g. Select-Object -First)
		}
	}
	h := remoting.Handlers{
		Output: emit,
		Error:  func(rec *psrp.ErrorRecord) { emit(RBACHint(rec)) },
		Informational: func(r psrp.InformationalRecord) {
			if r.Kind == psrp.Warning {
				fmt.Fprintf(s.errOut, "WARNING: %s\n", r.Message)
			}
		},
		Information: func(r psrp.InformationRecord) {
			fmt.Fprintln(s.errOut, clixml.DisplayString(r.MessageData))
		},
	}
	err := c.Invoke(ictx, []runspace.Command{cmd}, input, h)
	var pe *remoting.PipelineError
	switch {
	case outErr != nil:
		return outErr
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.As(err, &pe):
		return RBACHint(pe.Record)
	case errors.Is(err, remoting.ErrShellNotFound):
		return s.reconnect(ctx, c, err)
	}
	return Explain(err, ExplainInput{URI: s.Endpoint.URI})
}

// reconnect replaces the lost shell old with a new one (once: a
// concurrent caller that already replaced it wins) and returns lost, the
// error that revealed the loss, with ReconnectWarning printed.
func (s *Session) reconnect(ctx context.Context, old *remoting.Client, lost error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.client != old {
		return lost
	}
	c, err := remoting.Dial(ctx, s.cfg)
	if err != nil {
		return Explain(fmt.Errorf("reconnecting after the shell was lost: %w", err), ExplainInput{URI: s.Endpoint.URI})
	}
	old.Close(ctx) // releases connections; the server no longer has it
	s.client = c
	s.log.Debug("session reconnected", "name", s.Name, "shell", c.ShellID())
	fmt.Fprintln(s.errOut, ReconnectWarning)
	var remote *remoting.RemoteError
	if errors.As(lost, &remote) {
		return &UserError{Msg: remote.Message(), Err: lost}
	}
	return lost
}

// Close deletes the shell on the server so it no longer counts against
// the connection limit. It waits at most closeTimeout.
func (s *Session) Close(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), closeTimeout)
	defer cancel()
	return s.current().Close(ctx)
}

// TokenExpiry returns when the session's current token expires (zero if
// unknown).
func (s *Session) TokenExpiry() time.Time { return s.cred.expires() }
