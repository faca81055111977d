package authority

import (
	"context"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/authority/mfa"
	"github.com/ipps/ipps/internal/devpki"
	"github.com/ipps/ipps/internal/storage"
	_ "github.com/ipps/ipps/internal/storage/sql"
)

// testCA is a throwaway certificate authority and a server certificate
// for 127.0.0.1 and localhost.
type testCA struct {
	pool   *x509.CertPool
	server tls.Certificate
}

func newTestCA(t testing.TB) *testCA {
	t.Helper()
	pki, err := devpki.Ensure(t.TempDir(), []string{"127.0.0.1", "localhost"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return &testCA{pool: pki.CertPool(), server: pki.Server}
}

// clock is a settable test clock that starts at the real time.
type clock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

const testPassword = "P@ssw0rd-for-tests"

// env is a whole authority behind a TLS server with a test CA and a real
// SQLite store, plus a seeded tenant.
type env struct {
	t       testing.TB
	a       *Authority
	store   storage.Storage
	srv     *httptest.Server
	ca      *testCA
	base    string
	clock   *clock
	outbox  *mfa.DevOutbox
	tenant  storage.Tenant
	alice   storage.User // password only
	bob     storage.User // MFA with TOTP and phone
	carol   storage.User // MFA enforced, not enrolled
	bobTOTP string
	appCert *x509.Certificate
	appKey  *rsa.PrivateKey
}

func testLogger(t testing.TB) *slog.Logger {
	if tt, ok := t.(*testing.T); ok {
		return slog.New(slog.NewTextHandler(tt.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func newEnv(t testing.TB, mod func(*Config)) *env {
	t.Helper()
	ctx := context.Background()
	st, err := storage.Open(ctx, "sqlite://"+t.TempDir()+"/ipps.db", testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &env{t: t, store: st, ca: newTestCA(t), clock: &clock{}}
	e.outbox = &mfa.DevOutbox{Logger: testLogger(t)}
	e.srv = httptest.NewUnstartedServer(nil)
	e.base = "https://" + e.srv.Listener.Addr().String()
	cfg := Config{BaseURL: e.base, Now: e.clock.Now, SMS: e.outbox,
		FederationHTTPClient: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: e.ca.pool}}},
		Password:             PasswordParams{MemoryKiB: 1024, Time: 1, Threads: 1}}
	if mod != nil {
		mod(&cfg)
	}
	e.a, err = New(ctx, cfg, st, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	e.srv.Config.Handler = e.a.Handler()
	e.srv.TLS = &tls.Config{Certificates: []tls.Certificate{e.ca.server}}
	e.srv.StartTLS()
	t.Cleanup(e.srv.Close)

	e.tenant, err = e.a.CreateTenant(ctx, "contoso", "Contoso", "contoso.test")
	if err != nil {
		t.Fatal(err)
	}
	enrol, _ := mfa.NewEnrolment("test", "bob")
	e.bobTOTP = enrol.Secret
	mk := func(nu NewUser) storage.User {
		nu.TenantID, nu.Password = e.tenant.ID, testPassword
		u, err := e.a.CreateUser(ctx, nu)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	e.alice = mk(NewUser{UPN: "alice@contoso.test", DisplayName: "Alice"})
	e.bob = mk(NewUser{UPN: "bob@contoso.test", DisplayName: "Bob", MFA: storage.MFAEnabled, TOTPSecret: e.bobTOTP, Phone: "+15550100"})
	e.carol = mk(NewUser{UPN: "carol@contoso.test", DisplayName: "Carol", MFA: storage.MFAEnforced})
	return e
}

// httpClient trusts the test CA and does not follow redirects away from
// the authority (loopback redirect URIs have no listener in these tests).
func (e *env) httpClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	host := strings.TrimPrefix(e.base, "https://")
	return &http.Client{
		Jar:       jar,
		Timeout:   30 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: e.ca.pool}},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if req.URL.Host != host {
				return http.ErrUseLastResponse
			}
			return nil
		},
	}
}

// browser is a cookie-keeping HTTP client that walks the sign-in pages.
type browser struct {
	e    *env
	c    *http.Client
	last string // body of the last page
	resp *http.Response
}

func (e *env) browser() *browser { return &browser{e: e, c: e.httpClient()} }

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *browser) csrf() string {
	m := csrfRE.FindStringSubmatch(b.last)
	if m == nil {
		return ""
	}
	return m[1]
}

func (b *browser) do(req *http.Request) *http.Response {
	b.e.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	b.last, b.resp = string(body), resp
	return resp
}

func (b *browser) get(path string) *http.Response {
	req, _ := http.NewRequest(http.MethodGet, b.url(path), nil)
	return b.do(req)
}

func (b *browser) url(path string) string {
	if strings.HasPrefix(path, "https://") {
		return path
	}
	return b.e.base + path
}

// post submits a form; csrf "" means use the token of the last page.
func (b *browser) post(path string, vals url.Values) *http.Response {
	if _, set := vals["csrf"]; !set {
		vals.Set("csrf", b.csrf())
	}
	req, _ := http.NewRequest(http.MethodPost, b.url(path), strings.NewReader(vals.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// tokenPost posts a token-endpoint style form without cookies.
func (e *env) tokenPost(path string, vals url.Values) (int, map[string]any) {
	e.t.Helper()
	resp, err := e.httpClient().PostForm(e.base+path, vals)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

func (e *env) totpNow(t testing.TB, offset time.Duration) string {
	code, err := mfa.TOTPCode(e.bobTOTP, e.clock.Now().Add(offset))
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func decodeJSON(resp *http.Response, v any) {
	defer resp.Body.Close()
	_ = json.NewDecoder(resp.Body).Decode(v)
}
