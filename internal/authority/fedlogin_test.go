package authority

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/crewjam/saml"

	"github.com/ipps/ipps/internal/authority/federation"
	"github.com/ipps/ipps/internal/authority/mfa"
	"github.com/ipps/ipps/internal/authority/validate"
	"github.com/ipps/ipps/internal/storage"
)

// testIdP is crewjam/saml's IdentityProvider on its own TLS server. It
// signs in whoever the test names in next, without a login page.
type testIdP struct {
	idp  *saml.IdentityProvider
	srv  *httptest.Server
	next string // NameID to assert
	mfa  bool   // claim multipleauthn
	sp   *saml.EntityDescriptor
}

func (p *testIdP) GetServiceProvider(_ *http.Request, id string) (*saml.EntityDescriptor, error) {
	if id != federation.EntityID {
		return nil, os.ErrNotExist
	}
	return p.sp, nil
}

func (p *testIdP) GetSession(_ http.ResponseWriter, _ *http.Request, _ *saml.IdpAuthnRequest) *saml.Session {
	now := saml.TimeNow()
	return &saml.Session{ID: "s-" + p.next, CreateTime: now, ExpireTime: now.Add(time.Hour), Index: "1",
		NameID: p.next, NameIDFormat: string(saml.EmailAddressNameIDFormat), UserEmail: p.next}
}

func (p *testIdP) MakeAssertion(req *saml.IdpAuthnRequest, s *saml.Session) error {
	if err := (saml.DefaultAssertionMaker{}).MakeAssertion(req, s); err != nil {
		return err
	}
	if p.mfa {
		req.Assertion.AuthnStatements[0].AuthnContext.AuthnContextClassRef.Value = "http://schemas.microsoft.com/claims/multipleauthn"
	}
	return nil
}

func newTestIdP(t *testing.T, e *env) *testIdP {
	cert, key := selfSignedCert(t)
	p := &testIdP{}
	p.sp = e.a.fed.SPMetadata()
	p.srv = httptest.NewUnstartedServer(nil)
	base := "https://" + p.srv.Listener.Addr().String()
	mu, _ := url.Parse(base + "/metadata")
	su, _ := url.Parse(base + "/sso")
	p.idp = &saml.IdentityProvider{Key: key, Certificate: cert, MetadataURL: *mu, SSOURL: *su,
		ServiceProviderProvider: p, SessionProvider: p, AssertionMaker: p}
	mux := http.NewServeMux()
	mux.HandleFunc("/metadata", p.idp.ServeMetadata)
	mux.HandleFunc("/sso", p.idp.ServeSSO)
	p.srv.Config.Handler = mux
	p.srv.TLS = &tls.Config{Certificates: []tls.Certificate{e.ca.server}}
	p.srv.StartTLS()
	t.Cleanup(p.srv.Close)
	return p
}

var (
	samlRespRE   = regexp.MustCompile(`name="SAMLResponse" value="([^"]+)"`)
	relayStateRE = regexp.MustCompile(`name="RelayState" value="([^"]+)"`)
)

// federatedSignIn walks username → IdP → /login.srf and returns the
// SAMLResponse and RelayState that were posted.
func (b *browser) federatedSignIn(t *testing.T, upn string) (samlResp, relay string) {
	t.Helper()
	b.start(t)
	b.post("/login/username", url.Values{"username": {upn}})
	loc := b.resp.Header.Get("Location")
	if b.resp.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "/sso?SAMLRequest=") {
		t.Fatalf("no IdP hand-off: %d %q %s", b.resp.StatusCode, loc, b.last)
	}
	b.get(loc)
	m1, m2 := samlRespRE.FindStringSubmatch(b.last), relayStateRE.FindStringSubmatch(b.last)
	if m1 == nil || m2 == nil {
		t.Fatalf("IdP page: %d %s", b.resp.StatusCode, b.last)
	}
	samlResp, relay = html.UnescapeString(m1[1]), html.UnescapeString(m2[1])
	b.post("/login.srf", url.Values{"SAMLResponse": {samlResp}, "RelayState": {relay}})
	return samlResp, relay
}

func TestFederatedSignInSAML(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	idp := newTestIdP(t, e)
	err := e.a.AddFederatedDomain(ctx, e.tenant.ID, "fabrikam.test", storage.Federation{
		MetadataURL: idp.srv.URL + "/metadata", IdPEntityID: idp.srv.URL + "/metadata", HonourIdPMFA: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, upn := range []string{"dave@fabrikam.test", "erin@fabrikam.test"} {
		nu := NewUser{TenantID: e.tenant.ID, UPN: upn}
		if strings.HasPrefix(upn, "erin") {
			nu.MFA, nu.TOTPSecret = storage.MFAEnabled, e.bobTOTP
		}
		if _, err := e.a.CreateUser(ctx, nu); err != nil {
			t.Fatal(err)
		}
	}
	v, _ := pkcePair()
	amrOf := func(b *browser) string {
		t.Helper()
		_, m := e.redeem(t, b.codeFromRedirect(t), v)
		c, err := e.a.Validator().Validate(ctx, m["access_token"].(string), validate.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(c.Amr, ",")
	}

	// Managed password is refused for a federated user.
	if st, m := e.tokenPost("/contoso.test/oauth2/v2.0/token", url.Values{"grant_type": {"password"}, "client_id": {ClientEXOModule},
		"username": {"dave@fabrikam.test"}, "password": {"x"}, "scope": {ResourceCompliance + "/.default"}}); st != 400 || aadsts(m) != "AADSTS50126" {
		t.Fatalf("ropc for federated user: %d %v", st, m)
	}

	idp.next = "dave@fabrikam.test"
	b := e.browser()
	samlResp, relay := b.federatedSignIn(t, "dave@fabrikam.test")
	if got := amrOf(b); got != "fed" {
		t.Fatalf("amr %q", got)
	}
	// Posting the same response again finds no waiting transaction.
	b.post("/login.srf", url.Values{"SAMLResponse": {samlResp}, "RelayState": {relay}})
	if b.resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("replayed response: %d", b.resp.StatusCode)
	}

	// domain_hint goes straight to the IdP.
	b = e.browser()
	b.get(authorizeQuery(url.Values{"domain_hint": {"fabrikam.test"}}))
	if loc := b.resp.Header.Get("Location"); b.resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, idp.srv.URL+"/sso?SAMLRequest=") {
		t.Fatalf("domain_hint: %d %q", b.resp.StatusCode, loc)
	}
	b.get(b.resp.Header.Get("Location"))
	b.post("/login.srf", url.Values{"SAMLResponse": {html.UnescapeString(samlRespRE.FindStringSubmatch(b.last)[1])},
		"RelayState": {html.UnescapeString(relayStateRE.FindStringSubmatch(b.last)[1])}})
	if got := amrOf(b); got != "fed" {
		t.Fatalf("amr %q", got)
	}

	// Without MFA from the IdP, an MFA user gets our second factor.
	idp.next = "erin@fabrikam.test"
	b = e.browser()
	b.federatedSignIn(t, "erin@fabrikam.test")
	b.get("/login")
	if !strings.Contains(b.last, `id="otc"`) {
		t.Fatalf("expected our MFA step: %s", b.last)
	}
	b.post("/login/mfa", url.Values{"method": {"totp"}, "code": {e.totpNow(t, 0)}})
	if got := amrOf(b); got != "fed,otp,mfa" {
		t.Fatalf("amr %q", got)
	}
	// With MFA from the IdP (honoured by the domain), no second prompt.
	idp.mfa = true
	b = e.browser()
	b.federatedSignIn(t, "erin@fabrikam.test")
	if got := amrOf(b); got != "fed,mfa" {
		t.Fatalf("amr %q", got)
	}
	idp.mfa = false

	// The IdP asserting a user of another domain is refused.
	idp.next = "alice@contoso.test"
	b = e.browser()
	b.federatedSignIn(t, "dave@fabrikam.test")
	if b.resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-domain assertion: %d %s", b.resp.StatusCode, b.last)
	}

	// Tampered responses are refused: a changed Destination, and a
	// corrupted (encrypted) assertion.
	for name, tamper := range map[string]func(string) string{
		"destination": func(x string) string {
			return strings.Replace(x, `Destination="`+e.base+`/login.srf"`, `Destination="https://evil.example/login.srf"`, 1)
		},
		"ciphertext": func(x string) string {
			i := strings.LastIndex(x, "CipherValue>") + len("CipherValue>") + 40
			c := byte('A')
			if x[i] == 'A' {
				c = 'B'
			}
			return x[:i] + string(c) + x[i+1:]
		},
	} {
		idp.next = "dave@fabrikam.test"
		b = e.browser()
		b.start(t)
		b.post("/login/username", url.Values{"username": {"dave@fabrikam.test"}})
		b.get(b.resp.Header.Get("Location"))
		raw, _ := base64.StdEncoding.DecodeString(html.UnescapeString(samlRespRE.FindStringSubmatch(b.last)[1]))
		forgedXML := tamper(string(raw))
		if forgedXML == string(raw) {
			t.Fatalf("%s: tamper changed nothing", name)
		}
		forged := base64.StdEncoding.EncodeToString([]byte(forgedXML))
		b.post("/login.srf", url.Values{"SAMLResponse": {forged}, "RelayState": {html.UnescapeString(relayStateRE.FindStringSubmatch(b.last)[1])}})
		if b.resp.StatusCode != http.StatusForbidden {
			t.Fatalf("%s: tampered response accepted: %d", name, b.resp.StatusCode)
		}
	}
}

// A federated user whose domain wants our own second factor but who has
// none enrols on the browser path (QR + code, recovery codes) like a
// managed user, and the sign-in completes.
func TestFederatedSignInEnrols(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	idp := newTestIdP(t, e)
	err := e.a.AddFederatedDomain(ctx, e.tenant.ID, "fabrikam.test", storage.Federation{
		MetadataURL: idp.srv.URL + "/metadata", IdPEntityID: idp.srv.URL + "/metadata", HonourIdPMFA: false})
	if err != nil {
		t.Fatal(err)
	}
	frank, err := e.a.CreateUser(ctx, NewUser{TenantID: e.tenant.ID, UPN: "frank@fabrikam.test", MFA: storage.MFAEnforced})
	if err != nil {
		t.Fatal(err)
	}
	idp.next, idp.mfa = "frank@fabrikam.test", true // not honoured by the domain

	b := e.browser()
	b.federatedSignIn(t, "frank@fabrikam.test")
	b.get("/login")
	m := secretRE.FindStringSubmatch(b.last)
	if b.resp.StatusCode != http.StatusOK || m == nil || !strings.Contains(b.last, `src="data:image/png;base64,`) {
		t.Fatalf("expected the enrolment page: %d %s", b.resp.StatusCode, b.last)
	}
	if r := b.signInRow(t); bytes.Contains(r.Params, []byte(m[1])) {
		t.Fatal("pending secret stored in clear")
	}
	code, _ := mfa.TOTPCode(m[1], e.clock.Now())
	b.post("/login/enrol", url.Values{"code": {code}})
	if codes := recoveryRE.FindAllStringSubmatch(b.last, -1); len(codes) != mfa.RecoveryCodeCount {
		t.Fatalf("recovery page: %d %s", b.resp.StatusCode, b.last)
	}
	b.post("/login/recovery", url.Values{})
	v, _ := pkcePair()
	_, tok := e.redeem(t, b.codeFromRedirect(t), v)
	c, err := e.a.Validator().Validate(ctx, tok["access_token"].(string), validate.Options{RequireMFA: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.Amr, ","); got != "fed,otp,mfa" {
		t.Fatalf("amr %q", got)
	}
	u, _ := e.store.GetUser(ctx, frank.ID)
	if u.TOTPSecret != m[1] || len(u.RecoveryCodeHashes) != mfa.RecoveryCodeCount {
		t.Fatal("enrolment not stored")
	}

	// The next federated sign-in asks for the enrolled factor.
	e.clock.Advance(time.Minute)
	b = e.browser()
	b.federatedSignIn(t, "frank@fabrikam.test")
	b.get("/login")
	if !strings.Contains(b.last, `id="otc"`) {
		t.Fatalf("expected our MFA step: %s", b.last)
	}
	code, _ = mfa.TOTPCode(m[1], e.clock.Now())
	b.post("/login/mfa", url.Values{"method": {"totp"}, "code": {code}})
	b.codeFromRedirect(t)
}
