package cli

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/ipps/ipps/internal/environment"
)

// Service is which remote PowerShell endpoint a session talks to.
type Service uint8

// Services.
const (
	Compliance Service = iota // Security & Compliance (Connect-IPPSSession)
	Exchange                  // Exchange Online (Connect-ExchangeOnline)
)

func (s Service) String() string {
	if s == Exchange {
		return "ExchangeOnline"
	}
	return "ExchangeOnlineProtection"
}

// ConnectOptions are the flags shared by `ipps connect`, `ipps run` and
// `ipps token`, carrying over Connect-IPPSSession's parameters.
type ConnectOptions struct {
	UserPrincipalName     string
	ConnectionURI         string
	AuthorityURI          string
	Environment           string
	Prefix                string
	CommandNames          []string
	Device                bool
	AccessToken           string
	AppID                 string
	CertificateFile       string
	Organization          string
	DelegatedOrganization string
	CAFile                string
	Resource              string
	// WithExchange also opens an Exchange Online session beside the
	// compliance one, with ExchangePrefix (the page's -Prefix EXO).
	WithExchange   bool
	ExchangePrefix string
	// ExchangeURI, when set, is the Exchange Online connection URI used
	// as given (ipps connect-exchange --connection-uri); otherwise a custom
	// ConnectionURI is mapped to the Exchange path beside it.
	ExchangeURI string
	// NoPrompt forbids interactive sign-in (only cached tokens are used).
	NoPrompt bool
	// ScriptCommands, when non-nil, are the command names a script uses
	// (set by `ipps run`): only their metadata is imported, mapped
	// through each session's prefix, and names the server lacks are not
	// an error. CommandNames, when given, take precedence.
	ScriptCommands []string
}

// Endpoint is a resolved connection target.
type Endpoint struct {
	Service   Service
	URI       string // connection URI with the query the server expects
	Authority string
	Resource  string
	Prefix    string
}

// errDAP is the page's warning, as an actionable error.
var errDAP = errors.New("Delegated Access Permission (DAP) partners can't connect to a customer's Security & Compliance PowerShell with MFA sign-in. " +
	"Sign in with an account of the customer's tenant, pass --azure-ad-authorization-endpoint-uri https://<authority>/<customer-tenant>, or use --access-token")

// Resolve turns the options into the endpoints to open, validating flag
// combinations with messages that say what to do.
func (o *ConnectOptions) Resolve(service Service) (Endpoint, error) {
	env, err := environment.Lookup(o.Environment)
	if err != nil {
		return Endpoint{}, err
	}
	ep := Endpoint{Service: service, Prefix: o.Prefix}
	custom := o.ConnectionURI != ""
	if service == Compliance {
		ep.URI, ep.Authority, ep.Resource = env.ComplianceURI, env.ComplianceAuthority, env.ComplianceResource
		if custom {
			ep.URI = o.ConnectionURI
		}
	} else {
		ep.URI, ep.Authority, ep.Resource = env.ExchangeURI, env.ExchangeAuthority, env.ExchangeResource
		ep.Prefix = o.ExchangePrefix
		if o.ExchangeURI != "" {
			ep.URI = o.ExchangeURI
		} else if custom {
			ep.URI = exchangeBeside(o.ConnectionURI)
		}
	}
	if o.AuthorityURI != "" {
		ep.Authority = strings.TrimRight(o.AuthorityURI, "/")
	}
	if o.Resource != "" {
		ep.Resource = o.Resource
	}
	u, err := url.Parse(ep.URI)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return Endpoint{}, fmt.Errorf("the connection URI %q is not an absolute http(s) URL; it looks like https://ps.compliance.protection.outlook.com/powershell-liveid/", ep.URI)
	}
	if u.Scheme == "http" && !isLoopbackHost(u.Hostname()) {
		return Endpoint{}, fmt.Errorf("the connection URI %q uses plain http to a remote host; the access token would travel in clear text. Use https", ep.URI)
	}
	if a, err := url.Parse(ep.Authority); err != nil || a.Scheme != "https" || a.Host == "" || strings.Trim(a.Path, "/") == "" {
		return Endpoint{}, fmt.Errorf("the authorization endpoint %q must be an https URL ending in a tenant, such as https://login.microsoftonline.com/organizations", ep.Authority)
	}
	if o.AppID != "" && (o.CertificateFile == "" || o.Organization == "") {
		return Endpoint{}, errors.New("app-only sign-in needs --app-id, --certificate-file and --organization together")
	}
	if o.DelegatedOrganization != "" && service == Compliance && o.AccessToken == "" && o.AuthorityURI == "" {
		return Endpoint{}, errDAP
	}
	q := u.Query()
	if q.Get("BasicAuthToOAuthConversion") == "" {
		q.Set("BasicAuthToOAuthConversion", "true")
	}
	if o.DelegatedOrganization != "" {
		q.Set("DelegatedOrg", o.DelegatedOrganization)
	}
	u.RawQuery = q.Encode()
	ep.URI = u.String()
	return ep, nil
}

// exchangeBeside maps a custom compliance connection URI to the Exchange
// Online endpoint on the same server (ippsd serves both; the path is
// /exchange/powershell-liveid beside /powershell-liveid).
func exchangeBeside(uri string) string {
	u, err := url.Parse(uri)
	if err != nil {
		return uri
	}
	u.Path = "/exchange/powershell-liveid"
	return u.String()
}

func isLoopbackHost(h string) bool {
	return h == "localhost" || h == "127.0.0.1" || h == "::1"
}
