package authority

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// TestSignInAcrossReplicas: two Authority instances on one store; the
// browser's form posts alternate between them (username on A, password
// on B, MFA on A) and the resulting code is redeemed. The replicas share
// Config.SecretKey, which seals the transactions' secrets.
func TestSignInAcrossReplicas(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.SecretKey = []byte("shared by the replicas") })
	b2, err := New(context.Background(), e.a.cfg, e.store, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	srv2 := httptest.NewUnstartedServer(b2.Handler())
	srv2.TLS = &tls.Config{Certificates: []tls.Certificate{e.ca.server}}
	srv2.StartTLS()
	t.Cleanup(srv2.Close)
	other := srv2.URL

	b := e.browser()
	b.c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	b.get(authorizeQuery(nil)) // authorize on A
	b.get("/login")
	b.post(other+"/login/username", url.Values{"username": {"bob@contoso.test"}})
	if b.resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("username on B: %d %s", b.resp.StatusCode, b.last)
	}
	b.get("/login") // A renders the page B moved to
	if !strings.Contains(b.last, `name="password"`) {
		t.Fatalf("password page on A: %d %s", b.resp.StatusCode, b.last)
	}
	stale := b.csrf()
	b.post(other+"/login/password", url.Values{"password": {testPassword}})

	// A replica with another SecretKey can't open the transaction.
	cfg3 := e.a.cfg
	cfg3.SecretKey = []byte("not shared")
	b3, err := New(context.Background(), cfg3, e.store, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	srv3 := httptest.NewUnstartedServer(b3.Handler())
	srv3.TLS = &tls.Config{Certificates: []tls.Certificate{e.ca.server}}
	srv3.StartTLS()
	t.Cleanup(srv3.Close)
	b.get(srv3.URL + "/login")
	if b.resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("replica without the shared key: %d %s", b.resp.StatusCode, b.last)
	}

	b.get(other + "/login")
	if b.csrf() == "" || b.csrf() == stale {
		t.Fatalf("csrf not rotated across replicas: %s", b.last)
	}
	b.post("/login/mfa", url.Values{"method": {"totp"}, "code": {e.totpNow(t, 0)}})
	loc := b.resp.Header.Get("Location")
	if !strings.HasPrefix(loc, loopback) {
		t.Fatalf("mfa on A: %d %q %s", b.resp.StatusCode, loc, b.last)
	}
	u, _ := url.Parse(loc)
	v, _ := pkcePair()
	st, m := e.redeem(t, u.Query().Get("code"), v)
	if st != 200 || m["access_token"] == nil {
		t.Fatalf("redeem: %d %v", st, m)
	}
	// A stale CSRF token posted to either replica is refused.
	b.post(other+"/login/mfa", url.Values{"code": {"000000"}, "csrf": {stale}})
	if b.resp.StatusCode != http.StatusForbidden {
		t.Fatalf("stale csrf: %d", b.resp.StatusCode)
	}
}
