package interop

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/authority"
)

// msalEvent is one JSON line of interop/msaljs/signin.js.
type msalEvent struct {
	Event           string   `json:"event"`
	Stage           string   `json:"stage"`
	ErrorCode       string   `json:"errorCode"`
	Message         string   `json:"message"`
	UserCode        string   `json:"userCode"`
	VerificationURI string   `json:"verificationUri"`
	AccessToken     string   `json:"accessToken"`
	Username        string   `json:"username"`
	TenantID        string   `json:"tenantId"`
	Scopes          []string `json:"scopes"`
	HasIDToken      bool     `json:"hasIdToken"`
	FromCache       bool     `json:"fromCache"`
	Same            bool     `json:"same"`
}

// TestMSALNodeDeviceCode signs in with MSAL for JavaScript (@azure/msal-node)
// using the device-code flow, completes the device page the way a browser
// does (form posts with the CSRF token and session cookie), refreshes with
// acquireTokenSilent({forceRefresh:true}), and uses both access tokens on
// ippsd's remoting endpoint.
func TestMSALNodeDeviceCode(t *testing.T) {
	node, err := exec.LookPath("node")
	requireTool(t, err == nil, "node is not installed (Node.js >= 20 runs interop/msaljs)")
	dir, err := filepath.Abs("msaljs")
	if err != nil {
		t.Fatal(err)
	}
	_, err = os.Stat(filepath.Join(dir, "node_modules", "@azure", "msal-node", "package.json"))
	requireTool(t, err == nil, "@azure/msal-node is not installed: run `npm ci --prefix interop/msaljs`")

	s := startServer(t)
	upn, password := tenantAdmin(t, s)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "signin.js")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"IPPS_AUTHORITY="+s.URL+"/contoso.test",
		"IPPS_CLIENT_ID="+authority.ClientEXOModule,
		"IPPS_SCOPES="+authority.ResourceCompliance+"/.default",
		"NODE_EXTRA_CA_CERTS="+s.CAFile,
	)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Wait()
		if t.Failed() || stderr.Len() > 0 {
			t.Logf("msal-node stderr (warnings and errors):\n%s", stderr.String())
		}
	}()

	events := map[string]msalEvent{}
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	for sc.Scan() {
		var ev msalEvent
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("msal-node wrote a non-JSON line: %q", sc.Text())
		}
		events[ev.Event] = ev
		switch ev.Event {
		case "device_code":
			t.Logf("msal-node device code: %s", ev.Message)
			completeDeviceLogin(t, s, ev.VerificationURI, ev.UserCode, upn, password)
		case "error":
			t.Fatalf("msal-node failed at %s: %s: %s", ev.Stage, ev.ErrorCode, ev.Message)
		}
	}
	if err := sc.Err(); err != nil && err != io.EOF {
		t.Fatal(err)
	}

	tok, ok := events["token"]
	if !ok || tok.AccessToken == "" {
		t.Fatalf("no token from msal-node: %+v", events)
	}
	if !strings.EqualFold(tok.Username, upn) || !tok.HasIDToken {
		t.Errorf("msal-node account %q (want %s), id token %v", tok.Username, upn, tok.HasIDToken)
	}
	checkAudience(t, tok.AccessToken, authority.ResourceCompliance)
	remotingCheck(t, s, upn, tok.AccessToken)

	ref, ok := events["refreshed"]
	if !ok || ref.AccessToken == "" {
		t.Fatalf("no refreshed token from msal-node: %+v", events)
	}
	if ref.FromCache || ref.AccessToken == tok.AccessToken {
		t.Errorf("forceRefresh did not redeem the refresh token (fromCache=%v, same token=%v)", ref.FromCache, ref.AccessToken == tok.AccessToken)
	}
	remotingCheck(t, s, upn, ref.AccessToken)
	if c := events["cached"]; !c.FromCache || !c.Same {
		t.Errorf("silent call after refresh: fromCache=%v same=%v", c.FromCache, c.Same)
	}
}

var (
	formRE   = regexp.MustCompile(`<form method="post" action="([^"]+)">`)
	hiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
	errorRE  = regexp.MustCompile(`<p class="error"[^>]*>([^<]*)</p>`)
)

// completeDeviceLogin is the user's browser: open the verification page,
// enter the code, the user name and the password, posting each form with its
// hidden CSRF field and the session cookie.
func completeDeviceLogin(t *testing.T, s *server, verify, userCode, upn, password string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	tr := s.Client.Transport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: tr.TLSClientConfig.RootCAs}
	browser := &http.Client{Jar: jar, Transport: tr, Timeout: 30 * time.Second}
	base, err := url.Parse(verify)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := browser.Get(verify)
	if err != nil {
		t.Fatal(err)
	}
	for range 8 {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		page := string(body)
		if m := errorRE.FindStringSubmatch(page); m != nil {
			t.Fatalf("sign-in page error at %s (HTTP %d): %s", resp.Request.URL.Path, resp.StatusCode, html.UnescapeString(m[1]))
		}
		m := formRE.FindStringSubmatch(page)
		if m == nil {
			t.Logf("device sign-in finished on %s: %s", resp.Request.URL.Path, title(page))
			return
		}
		action := html.UnescapeString(m[1])
		form := url.Values{}
		for _, h := range hiddenRE.FindAllStringSubmatch(page[strings.Index(page, m[0]):], -1) {
			form.Set(h[1], html.UnescapeString(h[2]))
		}
		switch action {
		case "/devicelogin":
			form.Set("otc", userCode)
		case "/login/username":
			form.Set("username", upn)
		case "/login/password":
			form.Set("password", password)
		default:
			t.Fatalf("unexpected sign-in step %s:\n%s", action, page)
		}
		target := base.ResolveReference(&url.URL{Path: action})
		if resp, err = browser.PostForm(target.String(), form); err != nil {
			t.Fatal(err)
		}
	}
	t.Fatal("device sign-in did not finish within 8 pages")
}

func title(page string) string {
	if i := strings.Index(page, `<h1 id="title">`); i >= 0 {
		rest := page[i+len(`<h1 id="title">`):]
		if j := strings.Index(rest, "</h1>"); j >= 0 {
			return html.UnescapeString(rest[:j])
		}
	}
	return ""
}

// checkAudience looks at the access token's aud claim (no verification:
// ippsd verifies it in remotingCheck).
func checkAudience(t *testing.T, jwt, want string) {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("access token is not a JWS: %d parts", len(parts))
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims struct {
		Aud any    `json:"aud"`
		UPN string `json:"upn"`
	}
	if err := json.Unmarshal(raw, &claims); err != nil {
		t.Fatal(err)
	}
	if aud, _ := claims.Aud.(string); aud != want && aud != strings.TrimSuffix(want, "/") {
		t.Errorf("access token aud %v, want %s", claims.Aud, want)
	}
}
