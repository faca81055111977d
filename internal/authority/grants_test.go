package authority

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"

	"github.com/ipps/ipps/internal/authority/validate"
)

func aadsts(m map[string]any) string {
	d, _ := m["error_description"].(string)
	if i := strings.IndexByte(d, ':'); i > 0 {
		return d[:i]
	}
	return d
}

func (e *env) codeFor(t *testing.T, upn string) string {
	b := e.browser()
	b.start(t)
	b.password(t, upn, testPassword)
	return b.codeFromRedirect(t)
}

func (e *env) refresh(rt string, client string) (int, map[string]any) {
	return e.tokenPost("/contoso.test/oauth2/v2.0/token", url.Values{"grant_type": {"refresh_token"},
		"client_id": {client}, "refresh_token": {rt}, "scope": {ResourceCompliance + "/.default openid offline_access profile"}})
}

func TestAuthCodeGrantProtections(t *testing.T) {
	e := newEnv(t, nil)
	v, _ := pkcePair()
	// PKCE mismatch.
	if st, m := e.redeem(t, e.codeFor(t, "alice@contoso.test"), v+"x"); st != 400 || aadsts(m) != "AADSTS501481" {
		t.Fatalf("pkce mismatch: %d %v", st, m)
	}
	// Single use: a replay fails and revokes what the first redemption issued.
	code := e.codeFor(t, "alice@contoso.test")
	st, first := e.redeem(t, code, v)
	if st != 200 {
		t.Fatalf("%d %v", st, first)
	}
	if st, m := e.redeem(t, code, v); st != 400 || aadsts(m) != "AADSTS54005" {
		t.Fatalf("replayed code: %d %v", st, m)
	}
	if st, m := e.refresh(first["refresh_token"].(string), ClientEXOModule); st != 400 || aadsts(m) != "AADSTS70008" {
		t.Fatalf("refresh token of a replayed code still works: %d %v", st, m)
	}
	// Another client or redirect URI cannot redeem a code.
	code = e.codeFor(t, "alice@contoso.test")
	st, m := e.tokenPost("/contoso.test/oauth2/v2.0/token", url.Values{"grant_type": {"authorization_code"},
		"client_id": {ClientEXORemotePowerShell}, "code": {code}, "redirect_uri": {loopback}, "code_verifier": {v}})
	if st != 400 || m["error"] != "invalid_grant" {
		t.Fatalf("code redeemed by another client: %d %v", st, m)
	}
	// Expired code.
	code = e.codeFor(t, "alice@contoso.test")
	e.clock.Advance(6 * time.Minute)
	if st, m := e.redeem(t, code, v); st != 400 || m["error"] != "invalid_grant" {
		t.Fatalf("expired code: %d %v", st, m)
	}
}

func TestRefreshRotationAndReuseDetection(t *testing.T) {
	e := newEnv(t, nil)
	v, _ := pkcePair()
	_, m := e.redeem(t, e.codeFor(t, "alice@contoso.test"), v)
	rt1 := m["refresh_token"].(string)
	st, m := e.refresh(rt1, ClientEXOModule)
	if st != 200 {
		t.Fatalf("%d %v", st, m)
	}
	rt2 := m["refresh_token"].(string)
	if rt2 == rt1 {
		t.Fatal("refresh token not rotated")
	}
	if st, m := e.refresh(rt2, ClientEXORemotePowerShell); st != 400 || m["error"] != "invalid_grant" {
		t.Fatalf("refresh token used by another client: %d %v", st, m)
	}
	// Reuse of rt1 revokes the family, rt2 included.
	if st, m := e.refresh(rt1, ClientEXOModule); st != 400 || aadsts(m) != "AADSTS70008" || m["suberror"] != "bad_token" {
		t.Fatalf("reused refresh token: %d %v", st, m)
	}
	if st, _ := e.refresh(rt2, ClientEXOModule); st != 400 {
		t.Fatal("family not revoked after reuse")
	}
	// Disabled user.
	_, m = e.redeem(t, e.codeFor(t, "alice@contoso.test"), v)
	if err := e.a.SetUserEnabled(t.Context(), e.alice.ID, false); err != nil {
		t.Fatal(err)
	}
	if st, m := e.refresh(m["refresh_token"].(string), ClientEXOModule); st != 400 || m["error"] != "invalid_grant" {
		t.Fatalf("disabled user refreshed: %d %v", st, m)
	}
}

func TestTokenEndpointBadInput(t *testing.T) {
	e := newEnv(t, nil)
	path := "/contoso.test/oauth2/v2.0/token"
	cases := []struct {
		name string
		body url.Values
		want string
	}{
		{"no grant", url.Values{"client_id": {ClientEXOModule}}, "AADSTS900144"},
		{"bad grant", url.Values{"grant_type": {"implicit"}, "client_id": {ClientEXOModule}}, "AADSTS70003"},
		{"unknown client", url.Values{"grant_type": {"refresh_token"}, "client_id": {"nope"}, "refresh_token": {"x"}}, "AADSTS700016"},
		{"duplicate", url.Values{"grant_type": {"password", "password"}}, "AADSTS90014"},
		{"garbage refresh", url.Values{"grant_type": {"refresh_token"}, "client_id": {ClientEXOModule}, "refresh_token": {"rt.garbage"}}, "AADSTS70000"},
		{"bad device code", url.Values{"grant_type": {"device_code"}, "client_id": {ClientEXOModule}, "device_code": {"dc.nope"}}, "AADSTS70018"},
		{"foreign resource", url.Values{"grant_type": {"password"}, "client_id": {ClientEXOModule}, "scope": {"https://graph.microsoft.com/.default"}}, "AADSTS500011"},
	}
	for _, tc := range cases {
		st, m := e.tokenPost(path, tc.body)
		if st < 400 || aadsts(m) != tc.want {
			t.Errorf("%s: %d %v", tc.name, st, m)
		}
	}
	// ROPC on /common is refused (no tenant).
	_, m := e.tokenPost("/common/oauth2/v2.0/token", url.Values{"grant_type": {"password"}, "client_id": {ClientEXOModule},
		"username": {"alice@contoso.test"}, "password": {testPassword}, "scope": {ResourceCompliance + "/.default"}})
	if aadsts(m) != "AADSTS50059" {
		t.Fatalf("ropc on common: %v", m)
	}
	// Oversized body.
	big := strings.NewReader("grant_type=password&x=" + strings.Repeat("a", 70<<10))
	resp, err := e.httpClient().Post(e.base+path, "application/x-www-form-urlencoded", big)
	if err != nil || resp.StatusCode != 400 {
		t.Fatalf("oversized form: %v %v", err, resp.StatusCode)
	}
	// JSON body.
	resp, _ = e.httpClient().Post(e.base+path, "application/json", strings.NewReader(`{"grant_type":"password"}`))
	if resp.StatusCode != 400 {
		t.Fatalf("json body: %d", resp.StatusCode)
	}
	// v1 endpoint with resource=.
	_, m = e.tokenPost("/contoso.test/oauth2/token", url.Values{"grant_type": {"password"}, "client_id": {ClientEXORemotePowerShell},
		"username": {"alice@contoso.test"}, "password": {testPassword}, "resource": {ResourceExchange}})
	if m["resource"] != ResourceExchange || m["access_token"] == nil {
		t.Fatalf("v1 token: %v", m)
	}
}

func TestDeviceCodePolling(t *testing.T) {
	e := newEnv(t, nil)
	st, dc := e.tokenPost("/organizations/oauth2/v2.0/devicecode", url.Values{"client_id": {ClientEXOModule}, "scope": {ResourceCompliance + "/.default"}})
	if st != 200 {
		t.Fatalf("%d %v", st, dc)
	}
	poll := url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}, "client_id": {ClientEXOModule}, "device_code": {dc["device_code"].(string)}}
	resp, err := e.httpClient().PostForm(e.base+"/organizations/oauth2/v2.0/token", poll)
	if err != nil || resp.StatusCode != 400 || resp.Header.Get("Retry-After") != "" {
		t.Fatalf("pending poll: %v %d %q", err, resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	resp.Body.Close()
	if m["error"] != "authorization_pending" || aadsts(m) != "AADSTS70016" {
		t.Fatalf("pending: %v", m)
	}
	// Wrong user codes are limited per browser transaction.
	b := e.browser()
	b.get("/devicelogin")
	for range maxUserCodeAttempts {
		b.post("/devicelogin", url.Values{"otc": {"WRONGCODE"}})
	}
	b.post("/devicelogin", url.Values{"otc": {dc["user_code"].(string)}})
	if b.resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("user code guessing not limited: %d", b.resp.StatusCode)
	}
	e.clock.Advance(16 * time.Minute)
	if st, m := e.tokenPost("/organizations/oauth2/v2.0/token", poll); st != 400 || m["error"] != "expired_token" {
		t.Fatalf("expired: %d %v", st, m)
	}
}

// assertion builds a client assertion like MSAL's, with knobs for tests.
func assertion(t *testing.T, e *env, clientID string, alg jose.SignatureAlgorithm, hdr map[string]string, aud, jti string) string {
	cert, key := e.appCert, e.appKey
	opts := (&jose.SignerOptions{}).WithType("JWT")
	for k, v := range hdr {
		opts = opts.WithHeader(jose.HeaderKey(k), v)
	}
	_ = cert
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	payload, _ := json.Marshal(map[string]any{"aud": aud, "iss": clientID, "sub": clientID, "jti": jti,
		"nbf": now.Unix(), "exp": now.Add(10 * time.Minute).Unix()})
	jws, err := s.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := jws.CompactSerialize()
	return raw
}

func TestClientAssertionRules(t *testing.T) {
	e := newEnv(t, nil)
	cert, key := selfSignedCert(t)
	e.appCert, e.appKey = cert, key
	id, _, err := e.a.CreateApplication(t.Context(), NewApp{TenantID: e.tenant.ID, DisplayName: "a", Certificates: [][]byte{cert.Raw}})
	if err != nil {
		t.Fatal(err)
	}
	s256 := sha256.Sum256(cert.Raw)
	x5tS256Std := base64.StdEncoding.EncodeToString(s256[:])
	x5tS256URL := base64.RawURLEncoding.EncodeToString(s256[:])
	x5t := sha1Thumb(cert)
	path := "/" + e.tenant.ID + "/oauth2/v2.0/token"
	aud := e.base + path
	post := func(a string) (int, map[string]any) {
		return e.tokenPost(path, url.Values{"grant_type": {"client_credentials"}, "client_id": {id},
			"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {a},
			"scope": {ResourceCompliance + "/.default openid offline_access profile"}, "client_info": {"1"}})
	}
	jti := uuid.NewString()
	ok := []string{
		assertion(t, e, id, jose.PS256, map[string]string{"x5t#S256": x5tS256Std}, aud, jti),
		assertion(t, e, id, jose.PS256, map[string]string{"x5t#S256": x5tS256URL}, aud, uuid.NewString()),
		assertion(t, e, id, jose.RS256, map[string]string{"x5t": x5t}, aud, uuid.NewString()),
	}
	for i, a := range ok {
		if st, m := post(a); st != 200 || m["refresh_token"] != nil || m["id_token"] != nil {
			t.Fatalf("valid assertion %d: %d %v", i, st, m)
		}
	}
	bad := map[string]string{
		"replayed jti":  ok[0],
		"wrong aud":     assertion(t, e, id, jose.PS256, map[string]string{"x5t#S256": x5tS256Std}, e.base+"/common/oauth2/v2.0/token", uuid.NewString()),
		"HS256":         hsAssertion(id, aud),
		"unknown thumb": assertion(t, e, id, jose.PS256, map[string]string{"x5t#S256": base64.StdEncoding.EncodeToString(make([]byte, 32))}, aud, uuid.NewString()),
		"no jti":        assertion(t, e, id, jose.PS256, map[string]string{"x5t#S256": x5tS256Std}, aud, ""),
	}
	for name, a := range bad {
		if st, m := post(a); st != 401 || aadsts(m) != "AADSTS700027" {
			t.Errorf("%s: %d %v", name, st, m)
		}
	}
}

func hsAssertion(id, aud string) string {
	s, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: []byte("0123456789abcdef0123456789abcdef")}, nil)
	p, _ := json.Marshal(map[string]any{"aud": aud, "iss": id, "sub": id, "jti": uuid.NewString(), "exp": time.Now().Add(time.Minute).Unix()})
	j, _ := s.Sign(p)
	r, _ := j.CompactSerialize()
	return r
}

func sha1Thumb(c *x509.Certificate) string {
	cc, _ := CertificateCredential(c.Raw)
	b := make([]byte, 20)
	for i := range b {
		var v byte
		for j := 0; j < 2; j++ {
			ch := cc.Thumbprint[2*i+j]
			switch {
			case ch >= '0' && ch <= '9':
				v = v*16 + ch - '0'
			default:
				v = v*16 + ch - 'A' + 10
			}
		}
		b[i] = v
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func TestV1DeviceCodeAndAuthorize(t *testing.T) {
	e := newEnv(t, nil)
	st, dc := e.tokenPost("/contoso.test/oauth2/devicecode", url.Values{"client_id": {ClientEXORemotePowerShell}, "resource": {ResourceExchange}})
	if st != 200 || dc["verification_url"] == nil || dc["device_code"] == nil {
		t.Fatalf("v1 devicecode: %d %v", st, dc)
	}
	b := e.browser()
	b.get("/devicelogin")
	b.post("/devicelogin", url.Values{"otc": {dc["user_code"].(string)}})
	b.password(t, "alice@contoso.test", testPassword)
	if !strings.Contains(b.last, "You have signed in") {
		t.Fatalf("device approval: %s", b.last)
	}
	st, m := e.tokenPost("/contoso.test/oauth2/token", url.Values{"grant_type": {"device_code"}, "client_id": {ClientEXORemotePowerShell},
		"code": {dc["device_code"].(string)}, "resource": {ResourceExchange}})
	if st != 200 || m["resource"] != ResourceExchange {
		t.Fatalf("v1 device token: %d %v", st, m)
	}
	// Redeemed codes can't be redeemed again.
	if st, m := e.tokenPost("/contoso.test/oauth2/token", url.Values{"grant_type": {"device_code"}, "client_id": {ClientEXORemotePowerShell},
		"code": {dc["device_code"].(string)}}); st != 400 || m["error"] != "bad_verification_code" {
		t.Fatalf("second redemption: %d %v", st, m)
	}
	// v1 authorize with resource=.
	b = e.browser()
	v, ch := pkcePair()
	b.get("/contoso.test/oauth2/authorize?" + url.Values{"client_id": {ClientEXORemotePowerShell}, "response_type": {"code"},
		"redirect_uri": {loopback}, "resource": {ResourceCompliance}, "state": {"st-1"}, "code_challenge": {ch},
		"code_challenge_method": {"S256"}}.Encode())
	b.password(t, "alice@contoso.test", testPassword)
	code := b.codeFromRedirect(t)
	st, m = e.tokenPost("/contoso.test/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "client_id": {ClientEXORemotePowerShell},
		"code": {code}, "redirect_uri": {loopback}, "code_verifier": {v}, "resource": {ResourceCompliance}})
	if st != 200 || m["resource"] != ResourceCompliance {
		t.Fatalf("v1 code token: %d %v", st, m)
	}
	c, err := e.a.Validator().Validate(t.Context(), m["access_token"].(string), validate.Options{})
	if err != nil || c.Scp != "user_impersonation" || c.Aud != ResourceCompliance {
		t.Fatalf("v1 access token: %v %+v", err, c)
	}
}
