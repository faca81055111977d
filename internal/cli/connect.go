package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/ipps/ipps/internal/shell"
)

// ConnectCmdOptions are the inputs of `ipps connect` and
// `ipps connect-exchange`.
type ConnectCmdOptions struct {
	Factory *Factory
	Connect ConnectOptions
	// Service is the first session's service.
	Service Service
	// NoHistory disables the history file.
	NoHistory bool
}

// NewCmdConnect returns `ipps connect` (Connect-IPPSSession). runF
// replaces connectRun in tests.
func NewCmdConnect(f *Factory, runF func(context.Context, *ConnectCmdOptions) error) *cobra.Command {
	opts := &ConnectCmdOptions{Factory: f, Service: Compliance}
	cmd := &cobra.Command{
		Use:   "connect [flags]",
		Short: "Sign in and open an interactive Security & Compliance PowerShell session",
		Long: `Connect is Connect-IPPSSession: it signs in (browser with MFA, --device code,
--access-token, or app-only with --app-id/--certificate-file/--organization),
opens a remote PowerShell session, imports the cmdlets your role groups grant
(with a progress bar) and starts a shell. Local commands: Where-Object,
Select-Object, Sort-Object, Measure-Object, Format-Table, Format-List,
ConvertTo-Json, Export-Csv, Get-Help, Get-ConnectionInformation and
Disconnect-ExchangeOnline.

Ctrl+C stops the running command; Ctrl+C twice at the prompt, Ctrl+D or
"exit" leaves the shell. Leaving closes every session on the server, so
they don't count against the limit of five open connections.

--with-exchange also opens Exchange Online beside it, with its commands
under --exchange-prefix (EXO: Get-EXOMailbox), as the page does with
New-ExoPSSession and Import-PSSession -Prefix EXO.`,
		Example: `  $ ipps connect -u chris@contoso.com
  $ ipps connect -u lukas@fabrikam.com \
      --connection-uri https://ps.compliance.protection.outlook.de/PowerShell-LiveID \
      --azure-ad-authorization-endpoint-uri https://login.microsoftonline.de/common
  $ ipps connect --environment O365USGovGCCHigh -u admin@contoso.us --device
  $ ipps connect -u admin@contoso.com --with-exchange --exchange-prefix EXO
  $ ipps connect --app-id 00000000-1111-2222-3333-444444444444 \
      --certificate-file app.pem --organization contoso.onmicrosoft.com
  $ ipps connect -u admin@contoso.com --prefix Cc --command-name 'Get-Retention*'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Connect.applyEnv(f.Getenv)
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return connectRun(cmd.Context(), opts)
		},
	}
	addConnectFlags(cmd.Flags(), &opts.Connect)
	addExchangeFlags(cmd.Flags(), &opts.Connect)
	cmd.Flags().BoolVar(&opts.NoHistory, "no-history", false, "don't read or write the command history file")
	return cmd
}

// NewCmdConnectExchange returns `ipps connect-exchange`
// (Connect-ExchangeOnline): the same shell on Exchange Online.
func NewCmdConnectExchange(f *Factory, runF func(context.Context, *ConnectCmdOptions) error) *cobra.Command {
	opts := &ConnectCmdOptions{Factory: f, Service: Exchange}
	cmd := &cobra.Command{
		Use:   "connect-exchange [flags]",
		Short: "Sign in and open an interactive Exchange Online PowerShell session",
		Long: `Connect-exchange is Connect-ExchangeOnline: like "ipps connect", but the session
is Exchange Online PowerShell. --prefix applies to its commands.`,
		Example: `  $ ipps connect-exchange -u admin@contoso.com
  $ ipps connect-exchange -u admin@contoso.com --prefix EXO --command-name Get-Mailbox,Get-User
  $ ipps connect-exchange --connection-uri https://outlook.office365.us/powershell-liveID \
      --azure-ad-authorization-endpoint-uri https://login.microsoftonline.us/organizations`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Connect.applyEnv(f.Getenv)
			// Here --connection-uri and --prefix name the Exchange endpoint.
			opts.Connect.ExchangeURI, opts.Connect.ExchangePrefix = opts.Connect.ConnectionURI, opts.Connect.Prefix
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return connectRun(cmd.Context(), opts)
		},
	}
	addConnectFlags(cmd.Flags(), &opts.Connect)
	cmd.Flags().BoolVar(&opts.NoHistory, "no-history", false, "don't read or write the command history file")
	return cmd
}

// connectRun signs in, opens the sessions and runs the shell until the
// user leaves or SIGTERM/SIGHUP cancels ctx; every session is closed on
// the way out. Ctrl+C while connecting cancels the connect.
func connectRun(ctx context.Context, o *ConnectCmdOptions) error {
	f, ios := o.Factory, o.Factory.IOStreams
	conns := NewConnections(f)
	defer func() {
		if err := conns.CloseAll(context.WithoutCancel(ctx)); err != nil {
			f.Logger.Warn("closing sessions", "err", err)
		}
	}()
	cctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	err := connectServices(cctx, conns, &o.Connect, o.Service)
	stop()
	if err != nil {
		if cctx.Err() != nil && ctx.Err() == nil {
			return context.Canceled
		}
		return err
	}
	for _, s := range conns.All() {
		fmt.Fprintf(ios.ErrOut, "Connected to %s (%s): %d commands imported%s.\n", s.Endpoint.URI, s.Name,
			len(s.Commands()), prefixNote(s.Endpoint.Prefix))
	}
	sh := shell.New(shell.Config{Out: ios.Out, Err: ios.ErrOut, Color: ios.StderrTTY, Width: ios.Width, Sessions: conns.ShellSessions()})
	for _, c := range conns.LocalCommands(sh) {
		sh.Register(c)
	}
	// Between statements a stray SIGINT must not kill the process with
	// shells left open; the REPL catches it per statement.
	ignore := make(chan os.Signal, 1)
	signal.Notify(ignore, os.Interrupt)
	defer signal.Stop(ignore)
	go func() {
		for range ignore {
		}
	}()

	if !ios.StdinTTY {
		src, err := io.ReadAll(ios.In)
		if err != nil {
			return err
		}
		return replErr(sh.REPL(ctx, shell.NewScriptIO(string(src))))
	}
	history := ""
	if dir, err := f.CacheDir(); err == nil && !o.NoHistory {
		if os.MkdirAll(dir, 0o700) == nil {
			history = filepath.Join(dir, "history")
		}
	}
	rl, err := shell.NewReadline(sh, history)
	if err != nil {
		return fmt.Errorf("starting the line editor: %w", err)
	}
	lio := &promptIO{LineIO: rl, errOut: ios.ErrOut}
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done(): // SIGTERM or SIGHUP: unblock the prompt
			rl.Close()
		case <-done:
		}
	}()
	err = sh.REPL(ctx, lio)
	rl.Close()
	return replErr(err)
}

// replErr maps the REPL's end to the command's result: a cancellation by
// SIGTERM or SIGHUP is a clean exit once the sessions are closed.
func replErr(err error) error {
	if err == context.Canceled {
		return nil
	}
	return err
}

func prefixNote(p string) string {
	if p == "" {
		return ""
	}
	return fmt.Sprintf(" with prefix %s (Get-%sX runs Get-X)", p, p)
}
