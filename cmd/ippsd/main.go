// Command ippsd is the ipps server: an Entra-compatible sign-in authority
// and the Security & Compliance / Exchange Online remote PowerShell
// endpoints. See `ippsd --help`.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := newRootCmd().ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "ippsd:", err)
		os.Exit(1)
	}
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "ippsd",
		Short: "Security & Compliance remote PowerShell server with an MFA sign-in authority",
		Long: `ippsd serves an Azure-AD-compatible sign-in authority (OpenID discovery,
authorize, token, device code; password + TOTP or text-message MFA) and the
Security & Compliance remote PowerShell endpoint (WS-Management + PSRP at
/powershell-liveid, Basic auth whose password is "Bearer <token>"), with an
Exchange Online endpoint at /exchange/powershell-liveid.

Start here:
  ippsd dev              a ready demo tenant on https://localhost:8443
  ippsd serve --config ippsd.json
                         production mode (see "ippsd serve --help")`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newDevCmd(), newServeCmd(), newTenantCmd(), newUserCmd(), newRoleGroupCmd(), newAppCmd())
	return root
}
