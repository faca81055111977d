package authority

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzTokenRequest posts arbitrary bodies to the token endpoint: it must
// never panic, always answer JSON, and never issue tokens for garbage.
func FuzzTokenRequest(f *testing.F) {
	e := newEnv(f, nil)
	h := e.a.Handler()
	for _, s := range []string{
		"grant_type=password&client_id=" + ClientEXOModule + "&username=alice@contoso.test&password=x&scope=openid",
		"grant_type=refresh_token&client_id=" + ClientEXOModule + "&refresh_token=rt.AAAA",
		"grant_type=device_code&client_id=" + ClientEXOModule + "&device_code=dc.x",
		"grant_type=client_credentials&client_id=x&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=a.b.c",
		"grant_type=authorization_code&code=%ZZ&client_id=",
		"a=1&a=2&%00=%ff",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest(http.MethodPost, e.base+"/contoso.test/oauth2/v2.0/token", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		var m map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
			t.Fatalf("non-JSON answer %d: %q", w.Code, w.Body.String())
		}
		if w.Code == 200 && !strings.Contains(body, testPassword) {
			t.Fatalf("tokens issued for %q", body)
		}
		if w.Code != 200 && (m["error"] == nil || len(m["error_codes"].([]any)) != 1) {
			t.Fatalf("error shape: %v", m)
		}
	})
}

// FuzzAuthorizeQuery sends arbitrary authorize queries: the authority may
// only ever redirect to /login or to a registered (loopback) redirect URI.
func FuzzAuthorizeQuery(f *testing.F) {
	e := newEnv(f, nil)
	h := e.a.Handler()
	f.Add(strings.TrimPrefix(authorizeQuery(nil), "/contoso.test/oauth2/v2.0/authorize?"))
	f.Add("client_id=" + ClientEXOModule + "&redirect_uri=https://evil.example&response_type=code")
	f.Add("client_id=" + ClientEXOModule + "&redirect_uri=http://localhost:1@evil.example&prompt=none")
	f.Add("client_id=" + ClientEXOModule + "&redirect_uri=http%3A%2F%2Flocalhost%2F..%2F%2Fevil&prompt=none&response_mode=form_post")
	f.Fuzz(func(t *testing.T, query string) {
		r := httptest.NewRequest(http.MethodGet, e.base+"/contoso.test/oauth2/v2.0/authorize", nil)
		r.URL.RawQuery = query
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		loc := w.Header().Get("Location")
		if loc == "" || loc == "/login" {
			return
		}
		u, err := url.Parse(loc)
		if err != nil || u.Scheme != "http" || (u.Hostname() != "localhost" && u.Hostname() != "127.0.0.1") || u.User != nil {
			t.Fatalf("redirect to %q for query %q", loc, query)
		}
	})
}
