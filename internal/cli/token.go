package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
)

// TokenOptions are `ipps token`'s inputs.
type TokenOptions struct {
	Factory *Factory
	Connect ConnectOptions
}

// NewCmdToken returns `ipps token`. runF replaces tokenRun in tests.
func NewCmdToken(f *Factory, runF func(context.Context, *TokenOptions) error) *cobra.Command {
	opts := &TokenOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "token [--resource R] [flags]",
		Short: "Print an access token from the cache, signing in if needed",
		Long: `Token prints an access token for --resource (default: the Security &
Compliance endpoint of --environment) on stdout. It comes from the token cache
when a valid or refreshable one is there; otherwise ipps signs in, unless
--no-prompt is given. Use it to sign in ahead of scripted "ipps run" calls or
to call other APIs with the same account.`,
		Example: `  $ ipps token -u admin@contoso.com
  $ ipps token -u admin@contoso.com --resource https://outlook.office365.com
  $ curl -H "Authorization: Bearer $(ipps token --no-prompt)" https://...`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Connect.applyEnv(f.Getenv)
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return tokenRun(cmd.Context(), opts)
		},
	}
	addConnectFlags(cmd.Flags(), &opts.Connect)
	cmd.Flags().StringVar(&opts.Connect.Resource, "resource", "", "token audience (default: the Security & Compliance endpoint)")
	return cmd
}

func tokenRun(ctx context.Context, o *TokenOptions) error {
	ep, err := o.Connect.Resolve(Compliance)
	if err != nil {
		return err
	}
	hc, err := HTTPClient(o.Connect.CAFile)
	if err != nil {
		return err
	}
	cred, err := o.Factory.newCredential(ctx, &o.Connect, ep, hc)
	if err != nil {
		return Explain(err, ExplainInput{URI: ep.URI})
	}
	tok, err := cred.token(ctx)
	if err != nil {
		return Explain(err, ExplainInput{URI: ep.URI})
	}
	_, err = fmt.Fprintln(o.Factory.IOStreams.Out, tok)
	return err
}
