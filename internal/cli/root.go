package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// Exit codes of the ipps binary.
const (
	ExitOK        = 0
	ExitError     = 1 // a command failed or printed an error
	ExitUsage     = 2 // bad flags or arguments
	ExitCancelled = 130
)

// FlagError is a usage mistake; Main prints the usage hint with it.
type FlagError struct{ Err error }

func (e *FlagError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error.
func (e *FlagError) Unwrap() error { return e.Err }

// NewCmdRoot returns the ipps command tree.
func NewCmdRoot(f *Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "ipps <command> [flags]",
		Short: "Security & Compliance PowerShell (Connect-IPPSSession) for Linux, macOS and Windows",
		Long: `ipps connects to Security & Compliance PowerShell the way the Exchange Online
Remote PowerShell Module's Connect-IPPSSession does: it signs you in (with MFA
when your account needs it), opens a remote PowerShell session with the OAuth
token in the Basic header ("Bearer <token>"), imports the cmdlets your role
groups grant, and gives you a shell to run them.`,
		Example: `  # Sign in and open a shell (the page's Connect-IPPSSession -UserPrincipalName)
  $ ipps connect -u chris@contoso.com

  # Office 365 Germany, with explicit URIs
  $ ipps connect -u lukas@fabrikam.com \
      --connection-uri https://ps.compliance.protection.outlook.de/PowerShell-LiveID \
      --azure-ad-authorization-endpoint-uri https://login.microsoftonline.de/common

  # One command, as JSON, for a script
  $ ipps run -u chris@contoso.com --output json 'Get-RetentionCompliancePolicy'`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &FlagError{Err: err} })
	root.AddCommand(NewCmdConnect(f, nil), NewCmdConnectExchange(f, nil), NewCmdRun(f, nil), NewCmdToken(f, nil))
	return root
}

// Main runs ipps with args and returns the process exit code. SIGTERM
// and SIGHUP cancel ctx (so sessions are closed before exit); commands
// handle Ctrl+C themselves.
func Main(ctx context.Context, f *Factory, args []string) int {
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	root := NewCmdRoot(f)
	root.SetArgs(args)
	root.SetIn(f.IOStreams.In)
	root.SetOut(f.IOStreams.Out)
	root.SetErr(f.IOStreams.ErrOut)
	err := root.ExecuteContext(ctx)
	return exitCode(f, err)
}

func exitCode(f *Factory, err error) int {
	var fe *FlagError
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, SilentError):
		return ExitError
	case errors.Is(err, context.Canceled):
		return ExitCancelled
	case errors.As(err, &fe):
		fmt.Fprintf(f.IOStreams.ErrOut, "%s\nRun 'ipps --help' for usage.\n", fe.Err)
		return ExitUsage
	}
	fmt.Fprintln(f.IOStreams.ErrOut, err)
	return ExitError
}

// osExit is os.Exit; it is here so cmd/ipps stays a one-liner.
var osExit = os.Exit

// Execute runs ipps with the process's arguments and exits.
func Execute() {
	osExit(Main(context.Background(), NewFactory(), os.Args[1:]))
}
