package load

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"

	"github.com/ipps/ipps/internal/authority"
	"github.com/ipps/ipps/internal/remoting"
)

// Target is one ippsd replica the tool drives.
type Target struct {
	// Name labels the replica in reports ("ippsd", "replica-a", ...).
	Name string
	// BaseURL is the replica's own https base (its /metrics lives here).
	BaseURL string
	// AuthorityURL is <issuer>/<tenant domain>; sign-ins go there.
	AuthorityURL string
	// ComplianceURI is the replica's /powershell-liveid endpoint.
	ComplianceURI string
	// HTTP is shared by every shell on the target.
	HTTP *http.Client
}

// NewHTTPClient returns a client trusting only the PEM CA in caFile (the
// system roots when caFile is empty) that keeps up to conns idle
// connections per host, so a thousand shells do not redial per request.
// A shell has up to three requests in flight (the Command or Receive of
// one pipeline and the background Signal terminating the previous one),
// so size conns at three per shell: a smaller pool closes connections
// that the next cmdlet must redial, costing a TLS handshake each.
func NewHTTPClient(caFile string, conns int) (*http.Client, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("load: CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("load: CA file %s holds no PEM certificate", caFile)
		}
		tc.RootCAs = pool
	}
	tr := &http.Transport{
		TLSClientConfig: tc, ForceAttemptHTTP2: false,
		MaxIdleConns: conns, MaxIdleConnsPerHost: conns, IdleConnTimeout: 90 * time.Second,
		TLSHandshakeTimeout: 30 * time.Second, WriteBufferSize: remoting.WriteBufferSize,
	}
	return &http.Client{Transport: tr}, nil
}

// scrapeClient is a separate one-connection client for /metrics, so the
// measurement does not keep load connections (and their server
// goroutines) alive.
func scrapeClient(c *http.Client) *http.Client {
	tr := c.Transport.(*http.Transport).Clone()
	tr.DisableKeepAlives = true
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// SignIn acquires a compliance access token for acct with the OAuth
// password grant through MSAL for Go, as a script would with
// Connect-IPPSSession -Credential. The account must not require MFA.
func SignIn(ctx context.Context, t Target, acct Account) (string, error) {
	app, err := public.New(authority.ClientEXOModule, public.WithAuthority(t.AuthorityURL),
		public.WithHTTPClient(t.HTTP), public.WithInstanceDiscovery(false))
	if err != nil {
		return "", fmt.Errorf("load: MSAL client for %s: %w", t.AuthorityURL, err)
	}
	res, err := app.AcquireTokenByUsernamePassword(ctx, []string{authority.ResourceCompliance + "/.default"}, acct.UPN, acct.Password)
	if err != nil {
		return "", fmt.Errorf("load: sign-in of %s: %w", acct.UPN, err)
	}
	return res.AccessToken, nil
}

// OpenShell opens one remote PowerShell shell on t as upn.
func OpenShell(ctx context.Context, t Target, upn, token string) (*remoting.Client, error) {
	u := t.ComplianceURI
	if !strings.Contains(u, "?") {
		u += "?BasicAuthToOAuthConversion=true"
	}
	c, err := remoting.Dial(ctx, remoting.ClientConfig{URL: u, Username: upn, Password: "Bearer " + token, HTTPClient: t.HTTP})
	if err != nil {
		return nil, fmt.Errorf("load: open shell for %s on %s: %w", upn, t.Name, err)
	}
	return c, nil
}

// closeIdle drops the target's idle keep-alive connections.
func (t Target) closeIdle() {
	if tr, ok := t.HTTP.Transport.(*http.Transport); ok {
		tr.CloseIdleConnections()
	}
}
