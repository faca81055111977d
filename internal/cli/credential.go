package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/ipps/ipps/internal/signin"
)

// TestTokenEnv names the test-only environment variable that makes ipps
// skip sign-in and present its value as the access token. It exists so
// the CLI can be tested against a local remoting server that runs no
// authority. It is honoured only when the connection URI's host is a
// loopback address (127.0.0.1, ::1, localhost) and the connection is
// either plain http (allowed by Resolve only for loopback) or trusts a
// private CA given with --ca-file; against any other endpoint ipps refuses
// to start, so a forgotten variable can never send a fake token to a real
// service, nor skip a real sign-in.
const TestTokenEnv = "IPPS_TEST_TOKEN"

// credential is how a session authenticates: the Basic user name and a
// token function called before every request, so renewed tokens are used.
type credential struct {
	username string
	token    func(ctx context.Context) (string, error)
	// expires reports the current token's expiry (zero when unknown).
	expires func() time.Time
	// source is the sign-in source, nil for fixed tokens.
	source *signin.Source
	appID  string
}

// testTokenAllowed reports whether TestTokenEnv may be used for uri.
func testTokenAllowed(uri, caFile string) bool {
	u, err := url.Parse(uri)
	if err != nil || !isLoopbackHost(u.Hostname()) {
		return false
	}
	return u.Scheme == "http" || (u.Scheme == "https" && caFile != "")
}

// newCredential prepares authentication for ep: the test token, a token
// given with --access-token, or a signin.Source (MSAL) that signs in now,
// so sign-in errors surface before any shell is opened.
func (f *Factory) newCredential(ctx context.Context, o *ConnectOptions, ep Endpoint, hc *http.Client) (*credential, error) {
	if tok := f.Getenv(TestTokenEnv); tok != "" {
		if !testTokenAllowed(ep.URI, o.CAFile) {
			return nil, fmt.Errorf("%s is set, but it is honoured only for a loopback test server (http://127.0.0.1 or https with --ca-file); "+
				"refusing to connect to %s. Unset it", TestTokenEnv, ep.URI)
		}
		user := o.UserPrincipalName
		if user == "" {
			user = "OAuthUser@test"
		}
		return fixedCredential(user, tok, time.Time{}), nil
	}
	if o.AccessToken != "" {
		c := claimsOf(o.AccessToken)
		user := firstNonEmpty(o.UserPrincipalName, c.UPN, c.PreferredUsername)
		if user == "" {
			user = "OAuthUser@" + firstNonEmpty(o.Organization, c.TenantID)
		}
		var exp time.Time
		if c.Exp > 0 {
			exp = time.Unix(c.Exp, 0)
		}
		return fixedCredential(user, o.AccessToken, exp), nil
	}
	cacheDir, err := f.CacheDir()
	if err != nil {
		f.Logger.Warn("no token cache directory; sign-ins will not be remembered", "err", err)
	}
	src, err := signin.New(signin.Config{
		Authority: ep.Authority, Resource: ep.Resource, UserPrincipalName: o.UserPrincipalName,
		Device: o.Device, NoPrompt: o.NoPrompt, AppID: o.AppID, CertificateFile: o.CertificateFile,
		Organization: o.Organization, CacheDir: cacheDir, HTTPClient: hc, Logger: f.Logger,
		DeviceCodePrompt: func(m string) { fmt.Fprintln(f.IOStreams.ErrOut, m) },
	})
	if err != nil {
		return nil, err
	}
	tok, err := src.Token(ctx)
	if err != nil {
		return nil, err
	}
	user := firstNonEmpty(tok.Account, o.UserPrincipalName)
	if tok.AppOnly || user == "" {
		user = "OAuthUser@" + firstNonEmpty(tok.TenantID, o.Organization)
	}
	return &credential{
		username: user, source: src, appID: o.AppID,
		token: func(ctx context.Context) (string, error) {
			t, err := src.Token(ctx)
			return t.AccessToken, err
		},
		expires: func() time.Time {
			t, err := src.Token(context.Background())
			if err != nil {
				return time.Time{}
			}
			return t.ExpiresOn
		},
	}, nil
}

func fixedCredential(user, tok string, exp time.Time) *credential {
	return &credential{username: user,
		token:   func(context.Context) (string, error) { return tok, nil },
		expires: func() time.Time { return exp }}
}

// claims are the few JWT claims ipps reads, unverified, from a token
// given with --access-token (the server verifies it).
type claims struct {
	UPN               string `json:"upn"`
	PreferredUsername string `json:"preferred_username"`
	TenantID          string `json:"tid"`
	Exp               int64  `json:"exp"`
}

func claimsOf(jwt string) claims {
	var c claims
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return c
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err == nil {
		json.Unmarshal(b, &c)
	}
	return c
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// HTTPClient returns the client used for both sign-in and remoting. With
// caFile, the certificates in that PEM file are trusted in addition to
// the system roots (a private CA such as ippsd's development CA). Loading
// the system roots takes 40–100 ms on Linux, most of a one-shot `ipps
// run`, so a server certificate is verified against caFile first and
// the system roots are loaded only when that fails (see dialTLS); through
// an HTTPS proxy both are loaded up front. Without caFile the system roots
// start loading at once, in the background, while sign-in runs.
func HTTPClient(caFile string) (*http.Client, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	tr := &http.Transport{
		Proxy: http.ProxyFromEnvironment, TLSClientConfig: tc, ForceAttemptHTTP2: true,
		MaxIdleConnsPerHost: 8, IdleConnTimeout: 90 * time.Second, TLSHandshakeTimeout: 15 * time.Second,
	}
	if caFile == "" {
		go x509.SystemCertPool() // warms the roots cache the handshake uses
		return &http.Client{Transport: tr}, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("reading --ca-file: %w", err)
	}
	private := x509.NewCertPool()
	if !private.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("--ca-file %s holds no PEM certificate", caFile)
	}
	if httpsProxySet(os.Getenv) {
		// The transport's CONNECT path does its own TLS handshake with
		// TLSClientConfig, so it needs the merged pool.
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		pool.AppendCertsFromPEM(pem)
		tc.RootCAs = pool
		return &http.Client{Transport: tr}, nil
	}
	tc.RootCAs = private
	tr.DialTLSContext = dialTLS(tc, private)
	return &http.Client{Transport: tr}, nil
}
