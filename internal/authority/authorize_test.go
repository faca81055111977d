package authority

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestMatchRedirectURI(t *testing.T) {
	reg := []string{"http://localhost", "http://127.0.0.1/cb", "https://app.example/signin", "urn:ietf:wg:oauth:2.0:oob"}
	cases := map[string]bool{
		"http://localhost":                true,
		"http://localhost:54321":          true,
		"http://localhost:54321/":         true,
		"http://127.0.0.1:1234/cb":        true,
		"https://app.example/signin":      true,
		"urn:ietf:wg:oauth:2.0:oob":       true,
		"http://127.0.0.1:1234/other":     false,
		"http://localhost.evil.com:5555":  false,
		"http://localhost@evil.com":       false,
		"http://evil.com#@localhost":      false,
		"https://localhost:5555":          false,
		"https://app.example/signin/../x": false,
		"https://app.example/signin?x=1":  false,
		"http://localhost:1/#frag":        false,
		"http://user:pw@localhost:1":      false,
		"":                                false,
		"//evil.com":                      false,
	}
	for in, want := range cases {
		if got := matchRedirectURI(reg, in); got != want {
			t.Errorf("%q: got %v, want %v", in, got, want)
		}
	}
}

func TestAuthorizeErrorsNeverRedirectToUntrustedURIs(t *testing.T) {
	e := newEnv(t, nil)
	for name, extra := range map[string]url.Values{
		"unknown client":    {"client_id": {"00000000-0000-0000-0000-000000000bad"}},
		"unregistered uri":  {"redirect_uri": {"https://evil.example/cb"}},
		"lookalike host":    {"redirect_uri": {"http://localhost.evil.example:5555"}},
		"duplicate params":  {"redirect_uri": {loopback, "https://evil.example"}},
		"javascript scheme": {"redirect_uri": {"javascript:alert(1)"}},
	} {
		b := e.browser()
		b.get(authorizeQuery(extra))
		if b.resp.StatusCode != http.StatusBadRequest || b.resp.Header.Get("Location") != "" || !strings.Contains(b.last, "AADSTS") {
			t.Errorf("%s: %d %q", name, b.resp.StatusCode, b.resp.Header.Get("Location"))
		}
	}
	// Errors after the redirect URI is trusted go back to the client.
	for name, tc := range map[string]struct {
		extra url.Values
		want  string
	}{
		"no pkce":       {url.Values{"code_challenge": {""}}, "error=invalid_request"},
		"plain pkce":    {url.Values{"code_challenge_method": {"plain"}}, "error=invalid_request"},
		"token flow":    {url.Values{"response_type": {"token"}}, "error=unsupported_response_type"},
		"prompt none":   {url.Values{"prompt": {"none"}}, "error=login_required"},
		"unknown scope": {url.Values{"scope": {"https://graph.microsoft.com/.default"}}, "error=invalid_resource"},
	} {
		b := e.browser()
		b.get(authorizeQuery(tc.extra))
		loc := b.resp.Header.Get("Location")
		if b.resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, loopback) || !strings.Contains(loc, tc.want) || !strings.Contains(loc, "state=st-1") {
			t.Errorf("%s: %d %q", name, b.resp.StatusCode, loc)
		}
	}
	// form_post errors are delivered by an auto-submitting form.
	b := e.browser()
	b.get(authorizeQuery(url.Values{"response_mode": {"form_post"}, "prompt": {"none"}}))
	if !strings.Contains(b.last, `action="http://localhost:5555"`) || !strings.Contains(b.last, `name="error" value="login_required"`) {
		t.Fatalf("form_post error: %s", b.last)
	}
}

func TestAuthorizeLoopbackAnyPortAndFormPost(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser()
	b.get(authorizeQuery(url.Values{"redirect_uri": {"http://localhost:61234"}, "response_mode": {"form_post"}, "login_hint": {"alice@contoso.test"}}))
	if !strings.Contains(b.last, `value="alice@contoso.test"`) {
		t.Fatalf("login_hint not prefilled: %s", b.last)
	}
	b.password(t, "alice@contoso.test", testPassword)
	if !strings.Contains(b.last, `action="http://localhost:61234"`) || !strings.Contains(b.last, `name="code"`) {
		t.Fatalf("form_post page: %s", b.last)
	}
	csp := b.resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'nonce-") {
		t.Fatalf("csp %q", csp)
	}
}
