package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"

	"github.com/spf13/cobra"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/shell"
	"github.com/ipps/ipps/internal/shell/format"
)

// RunOptions are `ipps run`'s inputs.
type RunOptions struct {
	Factory *Factory
	Connect ConnectOptions
	// Script is the pipeline text; "-" reads stdin.
	Script string
	// File is a script file to run; "-" reads stdin.
	File string
	// Output is "", "table", "list", "json" or "csv".
	Output string
}

// NewCmdRun returns `ipps run`. runF replaces runRun in tests.
func NewCmdRun(f *Factory, runF func(context.Context, *RunOptions) error) *cobra.Command {
	opts := &RunOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "run [flags] <pipeline> | -f <script.ps1> | -",
		Short: "Connect, run a pipeline or script, print the results and disconnect",
		Long: `Run signs in (from the token cache when it can), opens the session, runs the
pipeline or script, prints its results and closes the session again.

Without --output, results print as the PowerShell console shows them (tables
for objects with few properties, lists otherwise). --output json prints one
JSON array with typed values (enums as names, dates in RFC 3339); csv prints a
header row and one line per object.

The exit code is 0 when everything succeeded, 1 when any command wrote an
error, 2 for a usage mistake and 130 when interrupted.`,
		Example: `  $ ipps run -u admin@contoso.com 'Get-RetentionCompliancePolicy | Select-Object Name,Enabled'
  $ ipps run --output json 'Get-ComplianceTag' > tags.json
  $ ipps run -f cleanup.ps1
  $ echo 'Get-RetentionCompliancePolicy' | ipps run -
  $ export IPPS_UPN=admin@contoso.com IPPS_CONNECTION_URI=https://ippsd.contoso.test/powershell-liveid
  $ ipps run --with-exchange 'Get-EXOMailbox -ResultSize 10'`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Script = args[0]
			}
			if (opts.Script == "") == (opts.File == "") {
				return &FlagError{Err: fmt.Errorf("give a pipeline, -f <file> or - (stdin)")}
			}
			if _, err := format.ParseKind(opts.Output); err != nil {
				return &FlagError{Err: err}
			}
			opts.Connect.applyEnv(f.Getenv)
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runRun(cmd.Context(), opts)
		},
	}
	addConnectFlags(cmd.Flags(), &opts.Connect)
	addExchangeFlags(cmd.Flags(), &opts.Connect)
	cmd.Flags().StringVarP(&opts.File, "file", "f", "", "run the script in this file (- for stdin)")
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "", "output format: table, list, json or csv (default: as the console)")
	return cmd
}

// source reads the script text.
func (o *RunOptions) source() (string, error) {
	name := o.File
	if name == "" {
		if o.Script != "-" {
			return o.Script, nil
		}
		name = "-"
	}
	var (
		b   []byte
		err error
	)
	if name == "-" {
		b, err = io.ReadAll(o.Factory.IOStreams.In)
	} else {
		b, err = os.ReadFile(name)
	}
	if err != nil {
		return "", fmt.Errorf("reading the script: %w", err)
	}
	return string(b), nil
}

func runRun(ctx context.Context, o *RunOptions) error {
	f, ios := o.Factory, o.Factory.IOStreams
	src, err := o.source()
	if err != nil {
		return err
	}
	kind, _ := format.ParseKind(o.Output)
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	conns := NewConnections(f)
	defer func() {
		if err := conns.CloseAll(context.WithoutCancel(ctx)); err != nil {
			f.Logger.Warn("closing sessions", "err", err)
		}
	}()
	// A one-shot script needs the metadata of the commands it names
	// only, not the whole list (hundreds of commands on Exchange Online).
	if names, ok := scriptCommands(src); ok {
		o.Connect.ScriptCommands = names
	}
	if err := connectServices(ctx, conns, &o.Connect, Compliance); err != nil {
		return err
	}
	errs := &errorTracker{w: ios.ErrOut}
	sh := shell.New(shell.Config{Out: ios.Out, Err: errs, Color: ios.StderrTTY, Width: ios.Width, Sessions: conns.ShellSessions()})
	for _, c := range conns.LocalCommands(sh) {
		sh.Register(c)
	}
	if o.Output == "" {
		err = sh.Run(ctx, src)
	} else {
		var objs []clixml.Value
		objs, err = sh.Eval(ctx, src)
		if err != nil && ctx.Err() == nil {
			io.WriteString(errs, shell.FormatError(err, ios.StderrTTY))
		}
		if werr := format.Write(ios.Out, objs, kind, format.Options{Width: ios.Width}); werr != nil && err == nil {
			err = werr
		}
	}
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case err != nil || errs.failed.Load():
		return SilentError
	}
	return nil
}

// connectServices opens first, plus Exchange Online when o.WithExchange.
func connectServices(ctx context.Context, conns *Connections, o *ConnectOptions, first Service) error {
	if _, err := conns.Connect(ctx, o, first); err != nil {
		return err
	}
	if o.WithExchange && first == Compliance {
		if _, err := conns.Connect(ctx, o, Exchange); err != nil {
			return err
		}
	}
	return nil
}

// errorTracker passes the shell's error stream through and remembers
// whether anything other than a warning was written, so `ipps run` can
// exit non-zero when any statement failed, not only the last one.
type errorTracker struct {
	w      io.Writer
	failed atomic.Bool
}

func (t *errorTracker) Write(p []byte) (int, error) {
	s := strings.TrimPrefix(string(p), "\x1b[93m")
	if !strings.HasPrefix(s, "WARNING:") && !strings.HasPrefix(s, "VERBOSE:") && strings.TrimSpace(s) != "" {
		t.failed.Store(true)
	}
	return t.w.Write(p)
}
