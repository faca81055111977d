package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/progress"
	"github.com/ipps/ipps/internal/shell"
)

// Connections are the sessions one ipps process holds, side by side with
// their prefixes. Every session is closed (its shell deleted) by CloseAll
// on exit, so the per-account connection budget is not burnt by sessions
// nobody uses. Methods are safe for concurrent use.
type Connections struct {
	f *Factory

	mu sync.Mutex
	// list holds the open sessions in connect order. Guarded by mu.
	list []*Session
	// seq numbers sessions per service for their names. Guarded by mu.
	seq map[Service]int
}

// NewConnections returns an empty set.
func NewConnections(f *Factory) *Connections {
	return &Connections{f: f, seq: map[Service]int{}}
}

// Len returns how many sessions are open.
func (c *Connections) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.list)
}

// All returns the open sessions in connect order.
func (c *Connections) All() []*Session {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*Session(nil), c.list...)
}

// ShellSessions returns the sessions as the shell searches them.
func (c *Connections) ShellSessions() []shell.Session {
	var out []shell.Session
	for _, s := range c.All() {
		out = append(out, shell.Session{Prefix: s.Endpoint.Prefix, Remote: s})
	}
	return out
}

// Connect signs in for service, opens a session and imports its commands
// (o.CommandNames, or all) with a progress bar on a terminal stderr; with
// o.ScriptCommands it imports just those, without a bar.
// Errors are explained (see Explain).
func (c *Connections) Connect(ctx context.Context, o *ConnectOptions, service Service) (*Session, error) {
	ep, err := o.Resolve(service)
	if err != nil {
		return nil, err
	}
	if !validPrefix.MatchString(ep.Prefix) {
		return nil, fmt.Errorf("the prefix %q may contain only letters and digits", ep.Prefix)
	}
	for _, s := range c.All() {
		if strings.EqualFold(s.Endpoint.Prefix, ep.Prefix) && s.Endpoint.Service == service {
			return nil, fmt.Errorf("a %s session with prefix %q is already open (%s); use another --prefix", service, ep.Prefix, s.Name)
		}
	}
	hc, err := HTTPClient(o.CAFile)
	if err != nil {
		return nil, err
	}
	cred, err := c.f.newCredential(ctx, o, ep, hc)
	if err != nil {
		return nil, Explain(err, ExplainInput{URI: ep.URI, Held: c.Len()})
	}
	c.mu.Lock()
	c.seq[service]++
	name := fmt.Sprintf("%s_%d", service, c.seq[service])
	c.mu.Unlock()
	s, err := openSession(ctx, ep, sessionConfig{name: name, cred: cred, hc: hc, errOut: c.f.IOStreams.ErrOut, log: c.f.Logger})
	if err != nil {
		return nil, Explain(err, ExplainInput{URI: ep.URI, Held: c.Len()})
	}
	c.add(s)
	ios := c.f.IOStreams
	var ierr error
	if len(o.CommandNames) == 0 && o.ScriptCommands != nil {
		ierr = s.importOnly(ctx, remoteNames(o.ScriptCommands, ep.Prefix))
	} else {
		bar := progress.New(ios.ErrOut, ios.StderrTTY, ios.Width, "Creating implicit remoting module")
		ierr = s.Import(ctx, o.CommandNames, bar)
	}
	if err := ierr; err != nil {
		c.Close(ctx, s)
		return nil, Explain(err, ExplainInput{URI: ep.URI, Held: c.Len()})
	}
	return s, nil
}

func (c *Connections) add(s *Session) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.list = append(c.list, s)
}

// Close closes one session and forgets it.
func (c *Connections) Close(ctx context.Context, s *Session) error {
	c.mu.Lock()
	for i, x := range c.list {
		if x == s {
			c.list = append(c.list[:i], c.list[i+1:]...)
			break
		}
	}
	c.mu.Unlock()
	return s.Close(ctx)
}

// CloseAll closes every session concurrently and returns the errors joined.
func (c *Connections) CloseAll(ctx context.Context) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, s := range c.All() {
		wg.Go(func() {
			if err := c.Close(ctx, s); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("closing %s: %w", s.Name, err))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// LocalCommands returns Get-ConnectionInformation and
// Disconnect-ExchangeOnline, bound to c and to sh (whose sessions are
// updated on disconnect).
func (c *Connections) LocalCommands(sh *shell.Shell) []*shell.LocalCommand {
	return []*shell.LocalCommand{
		{Name: "Get-ConnectionInformation", Params: []shell.Param{{Name: "ConnectionId", Position: -1}, {Name: "ModulePrefix", Position: -1}},
			Run: func(ctx context.Context, call *shell.Call) error {
				for _, s := range c.selected(call) {
					if err := call.Out(s.info()); err != nil {
						return err
					}
				}
				return nil
			}},
		{Name: "Disconnect-ExchangeOnline", Params: []shell.Param{{Name: "ConnectionId", Position: -1}, {Name: "ModulePrefix", Position: -1},
			{Name: "Confirm", Switch: true, Position: -1}},
			Run: func(ctx context.Context, call *shell.Call) error {
				var errs []error
				for _, s := range c.selected(call) {
					if err := c.Close(ctx, s); err != nil {
						errs = append(errs, fmt.Errorf("closing %s: %w", s.Name, err))
					}
					if s.cred.source != nil {
						if err := s.cred.source.SignOut(ctx); err != nil {
							errs = append(errs, err)
						}
					}
				}
				sh.SetSessions(c.ShellSessions())
				return errors.Join(errs...)
			}},
	}
}

// selected returns the sessions a -ConnectionId/-ModulePrefix filter picks
// (all without one).
func (c *Connections) selected(call *shell.Call) []*Session {
	ids, prefixes := call.Strings("ConnectionId"), call.Strings("ModulePrefix")
	var out []*Session
	for _, s := range c.All() {
		if len(ids) > 0 && !containsFold(ids, s.ConnectionID) {
			continue
		}
		if len(prefixes) > 0 && !containsFold(prefixes, s.Endpoint.Prefix) {
			continue
		}
		out = append(out, s)
	}
	return out
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// info is the session as Get-ConnectionInformation shows it (the V3
// module's fields that apply to a remote PowerShell session).
func (s *Session) info() clixml.Value {
	p := func(n string, v clixml.Value) clixml.Property { return clixml.Property{Name: n, Value: v} }
	exp := s.TokenExpiry()
	var expV clixml.Value
	if !exp.IsZero() {
		expV = exp.UTC().Format("2006-01-02 15:04:05Z")
	}
	return clixml.NewTypedObject([]string{"Microsoft.Exchange.Management.ExoPowershellSnapin.ConnectionInformation", "System.Object"},
		p("ConnectionId", s.ConnectionID),
		p("State", "Connected"),
		p("Name", s.Name),
		p("UserPrincipalName", s.cred.username),
		p("ConnectionUri", s.Endpoint.URI),
		p("AzureAdAuthorizationEndpointUri", s.Endpoint.Authority),
		p("TokenExpiryTimeUTC", expV),
		p("CertificateAuthentication", s.cred.appID != ""),
		p("ModulePrefix", s.Endpoint.Prefix),
		p("AppId", s.cred.appID),
		p("ShellId", s.ShellID()),
		p("IsEopSession", s.Endpoint.Service == Compliance),
	)
}
