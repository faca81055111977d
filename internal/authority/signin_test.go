package authority

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/authority/mfa"
	"github.com/ipps/ipps/internal/authority/validate"
	"github.com/ipps/ipps/internal/storage"
)

const loopback = "http://localhost:5555"

func pkcePair() (verifier, challenge string) {
	verifier = strings.Repeat("v", 20) + "-verifier-0123456789abcdefghijk"
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

func authorizeQuery(extra url.Values) string {
	_, ch := pkcePair()
	q := url.Values{"client_id": {ClientEXOModule}, "response_type": {"code"}, "redirect_uri": {loopback},
		"scope": {ResourceCompliance + "/.default openid offline_access profile"}, "state": {"st-1"},
		"code_challenge": {ch}, "code_challenge_method": {"S256"}, "prompt": {"select_account"}}
	for k, v := range extra {
		q[k] = v
	}
	return "/contoso.test/oauth2/v2.0/authorize?" + q.Encode()
}

// start opens an authorization request and lands on the username page.
func (b *browser) start(t *testing.T) {
	t.Helper()
	b.get(authorizeQuery(nil))
	if b.resp.StatusCode != 200 || !strings.Contains(b.last, `id="username"`) {
		t.Fatalf("authorize: %d %s", b.resp.StatusCode, b.last)
	}
}

// signInTo walks username and password and returns the page after.
func (b *browser) password(t *testing.T, upn, pw string) {
	t.Helper()
	b.post("/login/username", url.Values{"username": {upn}})
	b.post("/login/password", url.Values{"password": {pw}})
}

var codeRE = regexp.MustCompile(`[?&]code=([^&]+)`)

// codeFromRedirect returns the code of a 303 to the loopback redirect URI.
func (b *browser) codeFromRedirect(t *testing.T) string {
	t.Helper()
	loc := b.resp.Header.Get("Location")
	if b.resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, loopback) || !strings.Contains(loc, "state=st-1") {
		t.Fatalf("want redirect to client, got %d %q %s", b.resp.StatusCode, loc, b.last)
	}
	m := codeRE.FindStringSubmatch(loc)
	c, _ := url.QueryUnescape(m[1])
	return c
}

func (e *env) redeem(t *testing.T, code, verifier string) (int, map[string]any) {
	return e.tokenPost("/contoso.test/oauth2/v2.0/token", url.Values{"grant_type": {"authorization_code"},
		"client_id": {ClientEXOModule}, "code": {code}, "redirect_uri": {loopback}, "code_verifier": {verifier},
		"scope": {ResourceCompliance + "/.default openid offline_access profile"}, "client_info": {"1"}})
}

func TestSignInPasswordOnlyIssuesCode(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser()
	b.start(t)
	if csp := b.resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Fatalf("csp %q", csp)
	}
	for _, c := range b.resp.Cookies() {
		t.Fatalf("cookie %v leaked on a non-authorize response", c)
	}
	b.password(t, "alice@contoso.test", testPassword)
	code := b.codeFromRedirect(t)
	v, _ := pkcePair()
	st, m := e.redeem(t, code, v)
	if st != 200 || m["refresh_token"] == nil || m["id_token"] == nil || m["client_info"] == nil {
		t.Fatalf("%d %v", st, m)
	}
	c, err := e.a.Validator().Validate(context.Background(), m["access_token"].(string), validate.Options{})
	if err != nil || c.HasMFA() {
		t.Fatalf("%v %+v", err, c)
	}
}

func TestSignInCSRFAndSessionRotation(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser()
	b.start(t)
	if b.post("/login/username", url.Values{"csrf": {""}, "username": {"alice@contoso.test"}}).StatusCode != http.StatusForbidden {
		t.Fatal("post without CSRF token accepted")
	}
	b.get("/login")
	if b.post("/login/username", url.Values{"csrf": {"forged"}, "username": {"alice@contoso.test"}}).StatusCode != http.StatusForbidden {
		t.Fatal("post with a wrong CSRF token accepted")
	}
	b.get("/login")
	oldCSRF := b.csrf()
	u, _ := url.Parse(e.base)
	oldCookies := b.c.Jar.Cookies(u)
	b.post("/login/username", url.Values{"username": {"alice@contoso.test"}})
	if !strings.Contains(b.last, `id="password"`) {
		t.Fatalf("password page: %s", b.last)
	}
	newCookies := b.c.Jar.Cookies(u)
	if len(oldCookies) != 1 || len(newCookies) != 1 || oldCookies[0].Value == newCookies[0].Value || b.csrf() == oldCSRF {
		t.Fatal("session cookie and CSRF token not rotated after the step")
	}
	// The previous session (fixation attempt) is dead.
	other := e.browser()
	other.c.Jar.SetCookies(u, oldCookies)
	if other.post("/login/password", url.Values{"csrf": {oldCSRF}, "password": {testPassword}}).StatusCode != http.StatusForbidden {
		t.Fatal("old session still usable after rotation")
	}
	// Cross-origin form post without the cookie.
	anon := e.browser()
	if anon.post("/login/password", url.Values{"csrf": {b.csrf()}, "password": {testPassword}}).StatusCode != http.StatusForbidden {
		t.Fatal("post without session cookie accepted")
	}
	// Out-of-order step.
	if b.post("/login/mfa", url.Values{"method": {"totp"}, "code": {"000000"}}).StatusCode != http.StatusBadRequest {
		t.Fatal("step out of order accepted")
	}
}

func TestSmartLockoutConcurrent(t *testing.T) {
	e := newEnv(t, nil)
	const n = 10
	var wg sync.WaitGroup
	codes := make([]float64, n)
	for i := range n {
		wg.Go(func() {
			_, m := e.tokenPost("/contoso.test/oauth2/v2.0/token", url.Values{"grant_type": {"password"},
				"client_id": {ClientEXOModule}, "username": {"alice@contoso.test"}, "password": {"wrong"},
				"scope": {ResourceCompliance + "/.default"}})
			if c, ok := m["error_codes"].([]any); ok {
				codes[i] = c[0].(float64)
			}
		})
	}
	wg.Wait()
	lk, err := e.store.GetLockout(context.Background(), "user:"+e.alice.ID)
	if err != nil || lk.Failures != n {
		t.Fatalf("failures %d (lost updates?) err %v; codes %v", lk.Failures, err, codes)
	}
	// Locked now: even the right password is refused, on the token
	// endpoint and on the sign-in page.
	_, m := e.tokenPost("/contoso.test/oauth2/v2.0/token", url.Values{"grant_type": {"password"},
		"client_id": {ClientEXOModule}, "username": {"alice@contoso.test"}, "password": {testPassword},
		"scope": {ResourceCompliance + "/.default"}})
	if !strings.HasPrefix(m["error_description"].(string), "AADSTS50053:") {
		t.Fatalf("locked account: %v", m)
	}
	b := e.browser()
	b.start(t)
	b.password(t, "alice@contoso.test", testPassword)
	if !strings.Contains(b.last, "temporarily locked") {
		t.Fatalf("page: %s", b.last)
	}
	e.clock.Advance(61 * time.Second)
	b.post("/login/password", url.Values{"password": {testPassword}})
	b.codeFromRedirect(t)
	if lk, _ := e.store.GetLockout(context.Background(), "user:"+e.alice.ID); lk.Failures != 0 {
		t.Fatal("successful sign-in did not reset the counter")
	}
}

func TestTOTPReplayRefused(t *testing.T) {
	e := newEnv(t, nil)
	code := e.totpNow(t, 0)
	b := e.browser()
	b.start(t)
	b.password(t, "bob@contoso.test", testPassword)
	if !strings.Contains(b.last, `id="otc"`) || !strings.Contains(b.last, `id="sendsms"`) {
		t.Fatalf("mfa page: %s", b.last)
	}
	b.post("/login/mfa", url.Values{"method": {"totp"}, "code": {code}})
	b.codeFromRedirect(t)

	b2 := e.browser()
	b2.start(t)
	b2.password(t, "bob@contoso.test", testPassword)
	b2.post("/login/mfa", url.Values{"method": {"totp"}, "code": {code}})
	if !strings.Contains(b2.last, "already used") {
		t.Fatalf("replayed TOTP accepted: %d %s", b2.resp.StatusCode, b2.last)
	}
	// An older step (before the accepted one) is refused too.
	b2.post("/login/mfa", url.Values{"method": {"totp"}, "code": {e.totpNow(t, -30*time.Second)}})
	if b2.resp.StatusCode == http.StatusSeeOther {
		t.Fatal("older TOTP step accepted")
	}
	// Two steps away is outside the window.
	b2.post("/login/mfa", url.Values{"method": {"totp"}, "code": {e.totpNow(t, 75*time.Second)}})
	if !strings.Contains(b2.last, "expected verification code") {
		t.Fatalf("out-of-window code: %s", b2.last)
	}
	// The next step works.
	e.clock.Advance(30 * time.Second)
	b2.post("/login/mfa", url.Values{"method": {"totp"}, "code": {e.totpNow(t, 0)}})
	b2.codeFromRedirect(t)
}

var smsRE = regexp.MustCompile(`code (\d{6})`)

func (e *env) lastSMS(t *testing.T) string {
	m, ok := e.outbox.Last("+15550100")
	if !ok {
		t.Fatal("no text message sent")
	}
	return smsRE.FindStringSubmatch(m.Body)[1]
}

func TestSMSCodeSingleUseExpiryAndResendLimit(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser()
	b.start(t)
	b.password(t, "bob@contoso.test", testPassword)
	b.post("/login/sms", url.Values{})
	if !strings.Contains(b.last, `id="smscode"`) {
		t.Fatalf("sms page: %s", b.last)
	}
	first := e.lastSMS(t)
	b.post("/login/sms", url.Values{})
	if b.resp.StatusCode != http.StatusTooManyRequests || len(e.outbox.Messages()) != 1 {
		t.Fatalf("resend not rate limited: %d", b.resp.StatusCode)
	}
	wrong := "000000"
	if first == wrong {
		wrong = "111111"
	}
	b.post("/login/mfa", url.Values{"method": {"sms"}, "code": {wrong}})
	if !strings.Contains(b.last, "expected verification code") {
		t.Fatalf("wrong code: %s", b.last)
	}
	b.post("/login/mfa", url.Values{"method": {"sms"}, "code": {first}})
	b.codeFromRedirect(t)

	// Reuse of the consumed code in a new sign-in.
	b2 := e.browser()
	b2.start(t)
	b2.password(t, "bob@contoso.test", testPassword)
	b2.post("/login/mfa", url.Values{"method": {"sms"}, "code": {first}})
	if !strings.Contains(b2.last, "expired or too many attempts") {
		t.Fatalf("reused SMS code: %s", b2.last)
	}
	// Expiry.
	e.clock.Advance(time.Minute)
	b2.post("/login/sms", url.Values{})
	second := e.lastSMS(t)
	e.clock.Advance(6 * time.Minute)
	b2.post("/login/mfa", url.Values{"method": {"sms"}, "code": {second}})
	if !strings.Contains(b2.last, "expired or too many attempts") {
		t.Fatalf("expired SMS code: %s", b2.last)
	}
}

var secretRE = regexp.MustCompile(`<code id="secret">([A-Z2-7]+)</code>`)
var recoveryRE = regexp.MustCompile(`<li>([a-z2-9]{5}-[a-z2-9]{5})</li>`)

func TestEnrolmentAndRecoveryCodes(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser()
	b.start(t)
	b.password(t, "carol@contoso.test", testPassword)
	if !strings.Contains(b.last, `src="data:image/png;base64,`) {
		t.Fatalf("enrol page: %s", b.last)
	}
	secret := secretRE.FindStringSubmatch(b.last)[1]
	if r := b.signInRow(t); bytes.Contains(r.Params, []byte(secret)) {
		t.Fatalf("pending secret stored in clear: %s", r.Params)
	}
	b.post("/login/enrol", url.Values{"code": {"000000"}})
	if !strings.Contains(b.last, "expected verification code") {
		t.Fatal("bad enrolment code accepted")
	}
	code, _ := mfa.TOTPCode(secret, e.clock.Now())
	b.post("/login/enrol", url.Values{"code": {code}})
	codes := recoveryRE.FindAllStringSubmatch(b.last, -1)
	if len(codes) != mfa.RecoveryCodeCount {
		t.Fatalf("recovery page: %s", b.last)
	}
	r := b.signInRow(t)
	for _, c := range codes {
		if bytes.Contains(r.Params, []byte(c[1])) {
			t.Fatalf("recovery code stored in clear in the sign-in row: %s", r.Params)
		}
	}
	b.post("/login/recovery", url.Values{})
	b.codeFromRedirect(t)
	u, _ := e.store.GetUser(context.Background(), e.carol.ID)
	if u.TOTPSecret != secret || len(u.RecoveryCodeHashes) != mfa.RecoveryCodeCount {
		t.Fatal("enrolment not stored")
	}
	for _, h := range u.RecoveryCodeHashes {
		if strings.Contains(h, codes[0][1]) {
			t.Fatal("recovery code stored in clear")
		}
	}
	// A recovery code works once.
	for i, want := range []bool{true, false} {
		b := e.browser()
		b.start(t)
		b.password(t, "carol@contoso.test", testPassword)
		b.post("/login/mfa", url.Values{"method": {"recovery"}, "code": {codes[0][1]}})
		if got := b.resp.StatusCode == http.StatusSeeOther; got != want {
			t.Fatalf("recovery use %d: redirected=%v", i, got)
		}
	}
}

func TestPasswordSprayLocksAddress(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.IPLockout.Threshold = 5 })
	spray := func(user, pw string) map[string]any {
		_, m := e.tokenPost("/contoso.test/oauth2/v2.0/token", url.Values{"grant_type": {"password"}, "client_id": {ClientEXOModule},
			"username": {user}, "password": {pw}, "scope": {ResourceCompliance + "/.default"}})
		return m
	}
	// One wrong guess each across several (also unknown) accounts.
	for _, u := range []string{"alice@contoso.test", "bob@contoso.test", "carol@contoso.test", "x@contoso.test", "y@contoso.test"} {
		if got := aadsts(spray(u, "Winter2026!")); got != "AADSTS50126" {
			t.Fatalf("%s: %s", u, got)
		}
	}
	if got := aadsts(spray("alice@contoso.test", testPassword)); got != "AADSTS50053" {
		t.Fatalf("address not locked after spraying: %s", got)
	}
	if lk, _ := e.store.GetLockout(context.Background(), "user:"+e.alice.ID); lk.Failures != 1 {
		t.Fatalf("per-user counter %d", lk.Failures)
	}
	e.clock.Advance(6 * time.Minute)
	if m := spray("alice@contoso.test", testPassword); m["access_token"] == nil {
		t.Fatalf("after the address lock: %v", m)
	}
}

// signInRow returns the stored row of the browser's sign-in transaction.
func (b *browser) signInRow(t *testing.T) storage.SignInSession {
	t.Helper()
	u, _ := url.Parse(b.e.base)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == cookieName {
			r, err := b.e.store.GetSignInSession(context.Background(), hashOpaque(c.Value))
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
	}
	t.Fatal("no sign-in cookie")
	return storage.SignInSession{}
}

func TestEnrolmentTamperedRowRefused(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser()
	b.start(t)
	b.password(t, "carol@contoso.test", testPassword)
	secret := secretRE.FindStringSubmatch(b.last)[1]
	r := b.signInRow(t)
	_, err := e.store.UpdateSignInSession(context.Background(), r.ID, func(old storage.SignInSession) (storage.SignInSession, error) {
		var m map[string]any
		if err := json.Unmarshal(old.Params, &m); err != nil {
			return old, err
		}
		sealed, _ := base64.StdEncoding.DecodeString(m["Sealed"].(string))
		sealed[len(sealed)-1] ^= 0x80
		m["Sealed"] = sealed
		old.Params, _ = json.Marshal(m)
		return old, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	code, _ := mfa.TOTPCode(secret, e.clock.Now())
	b.post("/login/enrol", url.Values{"code": {code}, "csrf": {csrfRE.FindStringSubmatch(b.last)[1]}})
	if b.resp.StatusCode != http.StatusForbidden || !strings.Contains(b.last, "session has expired") {
		t.Fatalf("tampered transaction continued: %d %s", b.resp.StatusCode, b.last)
	}
	if u, _ := e.store.GetUser(context.Background(), e.carol.ID); u.TOTPSecret != "" {
		t.Fatal("enrolment stored from a tampered transaction")
	}
	b.get("/login")
	if b.resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("tampered transaction page: %d", b.resp.StatusCode)
	}
}
