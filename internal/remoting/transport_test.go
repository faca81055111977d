package remoting

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func TestClientRedirectCookiesAndTokenSource(t *testing.T) {
	e := newEnv(t, false, nil)
	var frontHits, cookieSeen, badEncoding atomic.Int32
	back := e.hs.URL
	e.hs.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie("affinity"); err == nil && c.Value == "be1" {
			cookieSeen.Add(1)
		}
		if r.Header.Get("Accept-Encoding") != "identity" {
			badEncoding.Add(1)
		}
		e.srv.ServeHTTP(w, r)
	})
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		frontHits.Add(1)
		http.SetCookie(w, &http.Cookie{Name: "affinity", Value: "be1", Path: "/"})
		http.Redirect(w, r, back+r.URL.RequestURI(), http.StatusFound)
	}))
	defer front.Close()
	var tokens atomic.Int32
	c, err := Dial(context.Background(), ClientConfig{
		URL:      front.URL + "/powershell-liveid?BasicAuthToOAuthConversion=true",
		Username: "bob@contoso.com",
		TokenSource: func(context.Context) (string, error) {
			tokens.Add(1)
			return "tok-bob", nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	if _, err := collect(t, c, cmd("Get-Number", intArg("Count", 2)), nil); err != nil {
		t.Fatal(err)
	}
	if frontHits.Load() != 1 {
		t.Fatalf("front door hit %d times; later requests must go to the redirect target", frontHits.Load())
	}
	if cookieSeen.Load() < 3 || tokens.Load() < 3 {
		t.Fatalf("cookie seen %d times, token fetched %d times", cookieSeen.Load(), tokens.Load())
	}
	if badEncoding.Load() != 0 {
		t.Fatal("client did not send Accept-Encoding: identity")
	}
	if !strings.HasPrefix(c.ws.t.currentURL().String(), back) {
		t.Fatalf("client URL %s", c.ws.t.currentURL())
	}
}

// TestAuthorizationFollowsToken checks the cached Basic header is rebuilt
// when the token source hands out a new token (a refreshed sign-in).
func TestAuthorizationFollowsToken(t *testing.T) {
	tok := "first"
	tr := &transport{username: "bob@contoso.com", token: func(context.Context) (string, error) { return tok, nil }}
	want := func(tok string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte("bob@contoso.com:Bearer "+tok))
	}
	for _, next := range []string{"first", "first", "second", "first"} {
		tok = next
		got, err := tr.authorization(context.Background())
		if err != nil || len(got) != 1 || got[0] != want(next) {
			t.Fatalf("token %q: header %q, %v; want %q", next, got, err, want(next))
		}
	}
	pw := &transport{username: "u", password: "p"}
	if got, _ := pw.authorization(context.Background()); len(got) != 1 || got[0] != "Basic "+base64.StdEncoding.EncodeToString([]byte("u:p")) {
		t.Fatalf("password header %q", got)
	}
}

// TestReadResponse checks readResponse with and without a known length,
// its limit, and that a released buffer is reused without the next body
// seeing stale bytes.
func TestReadResponse(t *testing.T) {
	resp := func(body string, length int64) *http.Response {
		return &http.Response{Body: io.NopCloser(strings.NewReader(body)), ContentLength: length}
	}
	for _, tc := range []struct {
		body   string
		length int64
		limit  int64
		want   string
	}{
		{"hello world", 11, 100, "hello world"},
		{"hello world", -1, 100, "hello world"},
		{"hello world", -1, 5, "hello"},
		{"hello world", 11, 5, "hello"}, // longer than the limit: read as unknown
		{"", 0, 100, ""},
		{"", -1, 100, ""},
		{strings.Repeat("x", 3000), -1, 1 << 20, strings.Repeat("x", 3000)},
	} {
		bp, err := readResponse(resp(tc.body, tc.length), tc.limit)
		if err != nil || string(*bp) != tc.want {
			t.Fatalf("%q (length %d, limit %d): got %q, %v", tc.body, tc.length, tc.limit, *bp, err)
		}
		releaseBuffer(bp)
	}
	if _, err := readResponse(resp("short", 10), 100); err == nil {
		t.Fatal("a body shorter than its Content-Length read without error")
	}
}
