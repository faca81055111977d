package authority

import (
	"context"
	"net/url"
	"testing"

	"github.com/ipps/ipps/internal/authority/validate"
)

// BenchmarkRefreshGrant measures refresh-token redemptions over TLS
// loopback against SQLite, each rotating the token (a sequential chain).
func BenchmarkRefreshGrant(b *testing.B) {
	e := newEnv(b, nil)
	_, m := e.tokenPost("/contoso.test/oauth2/v2.0/token", url.Values{"grant_type": {"password"}, "client_id": {ClientEXOModule},
		"username": {"alice@contoso.test"}, "password": {testPassword}, "scope": {ResourceCompliance + "/.default openid offline_access"}})
	rt, _ := m["refresh_token"].(string)
	if rt == "" {
		b.Fatalf("no refresh token: %v", m)
	}
	c := e.httpClient()
	b.ResetTimer()
	for b.Loop() {
		resp, err := c.PostForm(e.base+"/contoso.test/oauth2/v2.0/token", url.Values{"grant_type": {"refresh_token"},
			"client_id": {ClientEXOModule}, "refresh_token": {rt}, "scope": {ResourceCompliance + "/.default openid offline_access"}})
		if err != nil {
			b.Fatal(err)
		}
		var out struct {
			RefreshToken string `json:"refresh_token"`
		}
		decodeJSON(resp, &out)
		if out.RefreshToken == "" {
			b.Fatalf("status %d", resp.StatusCode)
		}
		rt = out.RefreshToken
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkValidateWithUserLookup is the remoting endpoint's per-request
// cost: signature, claims and a SQLite user lookup.
func BenchmarkValidateWithUserLookup(b *testing.B) {
	e := newEnv(b, nil)
	_, m := e.tokenPost("/contoso.test/oauth2/v2.0/token", url.Values{"grant_type": {"password"}, "client_id": {ClientEXOModule},
		"username": {"alice@contoso.test"}, "password": {testPassword}, "scope": {ResourceCompliance + "/.default"}})
	at := m["access_token"].(string)
	v := e.a.Validator()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Validate(ctx, at, validate.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
