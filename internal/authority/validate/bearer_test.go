package validate

import (
	"encoding/base64"
	"net/http"
	"testing"
)

func TestBearerFromRequest(t *testing.T) {
	basic := func(s string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(s)) }
	cases := []struct {
		header, token, user string
		ok                  bool
	}{
		{"Bearer a.b.c", "a.b.c", "", true},
		{"bearer  a.b.c ", "a.b.c", "", true},
		{basic("admin@contoso.test:Bearer a.b.c"), "a.b.c", "admin@contoso.test", true},
		{basic("OAuthUser@t:bearer a.b.c"), "a.b.c", "OAuthUser@t", true},
		{basic("admin@contoso.test:P@ssw0rd"), "", "", false},
		{"Bearer abc", "", "", false},
		{"Negotiate a.b.c", "", "", false},
		{"", "", "", false},
		{"Basic !!!", "", "", false},
	}
	for _, c := range cases {
		r, _ := http.NewRequest(http.MethodPost, "https://ps.example/PowerShell-LiveId?BasicAuthToOAuthConversion=true", nil)
		if c.header != "" {
			r.Header.Set("Authorization", c.header)
		}
		tok, user, err := BearerFromRequest(r)
		if (err == nil) != c.ok || tok != c.token || user != c.user {
			t.Errorf("%q: %q %q %v", c.header, tok, user, err)
		}
	}
}
