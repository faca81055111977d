package cli

import (
	"strings"

	"github.com/spf13/pflag"

	"github.com/ipps/ipps/internal/environment"
)

// Environment variables that supply connection settings when the flag is
// not given, so scripts need not repeat them.
const (
	EnvConnectionURI = "IPPS_CONNECTION_URI"
	EnvAuthority     = "IPPS_AUTHORITY"
	EnvUPN           = "IPPS_UPN"
	EnvCAFile        = "IPPS_CA_FILE"
)

// addConnectFlags registers Connect-IPPSSession's parameters as flags on
// fs, bound to o.
func addConnectFlags(fs *pflag.FlagSet, o *ConnectOptions) {
	fs.StringVarP(&o.UserPrincipalName, "user-principal-name", "u", "", "account to sign in as, e.g. admin@contoso.com (env "+EnvUPN+")")
	fs.StringVar(&o.ConnectionURI, "connection-uri", "", "remote PowerShell endpoint (env "+EnvConnectionURI+"); default from --environment")
	fs.StringVar(&o.AuthorityURI, "azure-ad-authorization-endpoint-uri", "", "sign-in authority, e.g. https://login.microsoftonline.de/common (env "+EnvAuthority+")")
	fs.StringVar(&o.Environment, "environment", environment.Default, "cloud: "+strings.Join(environment.Names(), ", "))
	fs.StringVar(&o.Prefix, "prefix", "", "noun prefix for imported commands: Get-RetentionCompliancePolicy becomes Get-<Prefix>RetentionCompliancePolicy")
	fs.StringSliceVar(&o.CommandNames, "command-name", nil, "import only these commands (comma-separated, wildcards allowed)")
	fs.BoolVar(&o.Device, "device", false, "sign in with a device code on another device")
	fs.BoolVar(&o.NoPrompt, "no-prompt", false, "never sign in interactively; use the token cache only")
	fs.StringVar(&o.AccessToken, "access-token", "", "use this OAuth access token instead of signing in")
	fs.StringVar(&o.AppID, "app-id", "", "application (client) id for app-only sign-in with --certificate-file and --organization")
	fs.StringVar(&o.CertificateFile, "certificate-file", "", "PEM file with the app's certificate and private key")
	fs.StringVar(&o.Organization, "organization", "", "tenant for app-only sign-in, e.g. contoso.onmicrosoft.com")
	fs.StringVar(&o.DelegatedOrganization, "delegated-organization", "", "customer tenant a partner manages")
	fs.StringVar(&o.CAFile, "ca-file", "", "PEM file of a private CA to trust for sign-in and remoting (env "+EnvCAFile+")")
}

// addExchangeFlags registers the flags that open Exchange Online beside
// Security & Compliance.
func addExchangeFlags(fs *pflag.FlagSet, o *ConnectOptions) {
	fs.BoolVar(&o.WithExchange, "with-exchange", false, "also open Exchange Online (New-ExoPSSession + Import-PSSession -Prefix)")
	fs.StringVar(&o.ExchangePrefix, "exchange-prefix", "EXO", "noun prefix for the Exchange Online commands")
	fs.StringVar(&o.ExchangeURI, "exchange-connection-uri", "", "Exchange Online endpoint; default beside --connection-uri or from --environment")
}

// applyEnv fills settings not given as flags from the environment.
func (o *ConnectOptions) applyEnv(getenv func(string) string) {
	set := func(p *string, env string) {
		if *p == "" {
			*p = getenv(env)
		}
	}
	set(&o.ConnectionURI, EnvConnectionURI)
	set(&o.AuthorityURI, EnvAuthority)
	set(&o.UserPrincipalName, EnvUPN)
	set(&o.CAFile, EnvCAFile)
}
