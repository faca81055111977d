package authority

import (
	"context"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"
	"github.com/google/uuid"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/ipps/ipps/internal/authority/federation"
	"github.com/ipps/ipps/internal/authority/validate"
	"github.com/ipps/ipps/internal/storage"
)

// wsTrustIdP is an AD FS stand-in for MSAL's federated username/password
// flow: SAML metadata (the signing certificate), a WS-MetadataExchange
// document, and a WS-Trust 1.3 usernamemixed endpoint that checks a
// username/password and answers with a signed SAML 1.1 (or 2.0) bearer
// assertion for the requested AppliesTo.
type wsTrustIdP struct {
	srv    *httptest.Server
	base   string
	issuer string
	key    *rsa.PrivateKey
	cert   *x509.Certificate

	mu        sync.Mutex
	passwords map[string]string // upn → password
	saml2     bool              // issue SAML 2.0 instead of 1.1
	mfa       bool              // claim multipleauthn
	nameID    func(upn string) string
	issued    []string // assertions issued, in order
}

func newWSTrustIdP(t *testing.T, e *env) *wsTrustIdP {
	t.Helper()
	p := &wsTrustIdP{passwords: map[string]string{}, nameID: func(upn string) string { return upn }}
	p.cert, p.key = selfSignedCert(t)
	p.srv = httptest.NewUnstartedServer(nil)
	p.base = "https://" + p.srv.Listener.Addr().String()
	p.issuer = p.base + "/adfs/services/trust"
	mu, _ := url.Parse(p.issuer)
	su, _ := url.Parse(p.base + "/adfs/ls/")
	idp := &saml.IdentityProvider{Key: p.key, Certificate: p.cert, MetadataURL: *mu, SSOURL: *su}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /adfs/services/trust", idp.ServeMetadata)
	mux.HandleFunc("GET /adfs/services/trust/mex", p.serveMEX)
	mux.HandleFunc("POST /adfs/services/trust/13/usernamemixed", p.serveIssue)
	p.srv.Config.Handler = mux
	p.srv.TLS = &tls.Config{Certificates: []tls.Certificate{e.ca.server}}
	p.srv.StartTLS()
	t.Cleanup(p.srv.Close)
	return p
}

func (p *wsTrustIdP) federation() storage.Federation {
	return storage.Federation{MetadataURL: p.issuer, IdPEntityID: p.issuer, MetadataExchangeURL: p.issuer + "/mex"}
}

// serveMEX is the WSDL AD FS publishes at /adfs/services/trust/mex,
// reduced to the usernamemixed WS-Trust 1.3 port MSAL looks for.
func (p *wsTrustIdP) serveMEX(w http.ResponseWriter, _ *http.Request) {
	ep := p.base + "/adfs/services/trust/13/usernamemixed"
	w.Header().Set("Content-Type", "application/soap+xml; charset=utf-8")
	fmt.Fprintf(w, `<?xml version="1.0" encoding="utf-8"?>
<wsdl:definitions name="SecurityTokenService" targetNamespace="http://tempuri.org/"
  xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap12="http://schemas.xmlsoap.org/wsdl/soap12/"
  xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
  xmlns:wsp="http://schemas.xmlsoap.org/ws/2004/09/policy" xmlns:wsa10="http://www.w3.org/2005/08/addressing"
  xmlns:tns="http://tempuri.org/">
 <wsp:Policy wsu:Id="UserNameWSTrustBinding_IWSTrust13Async_policy">
  <wsp:ExactlyOne><wsp:All>
   <sp:TransportBinding xmlns:sp="http://docs.oasis-open.org/ws-sx/ws-securitypolicy/200702">
    <wsp:Policy><sp:TransportToken><wsp:Policy><sp:HttpsToken/></wsp:Policy></sp:TransportToken><sp:IncludeTimestamp/></wsp:Policy>
   </sp:TransportBinding>
   <sp:SignedEncryptedSupportingTokens xmlns:sp="http://docs.oasis-open.org/ws-sx/ws-securitypolicy/200702">
    <wsp:Policy><sp:UsernameToken sp:IncludeToken="http://docs.oasis-open.org/ws-sx/ws-securitypolicy/200702/IncludeToken/AlwaysToRecipient">
     <wsp:Policy><sp:WssUsernameToken10/></wsp:Policy></sp:UsernameToken></wsp:Policy>
   </sp:SignedEncryptedSupportingTokens>
  </wsp:All></wsp:ExactlyOne>
 </wsp:Policy>
 <wsdl:binding name="UserNameWSTrustBinding_IWSTrust13Async" type="tns:IWSTrust13Async">
  <wsp:PolicyReference URI="#UserNameWSTrustBinding_IWSTrust13Async_policy"/>
  <soap12:binding transport="http://schemas.xmlsoap.org/soap/http"/>
  <wsdl:operation name="Trust13IssueAsync">
   <soap12:operation soapAction="http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue" style="document"/>
  </wsdl:operation>
 </wsdl:binding>
 <wsdl:service name="SecurityTokenService">
  <wsdl:port name="UserNameWSTrustBinding_IWSTrust13Async" binding="tns:UserNameWSTrustBinding_IWSTrust13Async">
   <soap12:address location="%[1]s"/>
   <wsa10:EndpointReference><wsa10:Address>%[1]s</wsa10:Address></wsa10:EndpointReference>
  </wsdl:port>
 </wsdl:service>
</wsdl:definitions>`, ep)
}

// rst is the part of MSAL's RequestSecurityToken the responder reads.
type rst struct {
	Action   string `xml:"Header>Action"`
	Username string `xml:"Header>Security>UsernameToken>Username"`
	Password string `xml:"Header>Security>UsernameToken>Password"`
	Applies  string `xml:"Body>RequestSecurityToken>AppliesTo>EndpointReference>Address"`
	KeyType  string `xml:"Body>RequestSecurityToken>KeyType"`
}

func (p *wsTrustIdP) serveIssue(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	var req rst
	if err := xml.Unmarshal(body, &req); err != nil || req.Action != "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue" ||
		req.KeyType != "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Bearer" {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	p.mu.Lock()
	want, ok := p.passwords[strings.ToLower(req.Username)]
	p.mu.Unlock()
	if !ok || want != req.Password {
		w.Header().Set("Content-Type", "application/soap+xml; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprint(w, `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><s:Fault><s:Code><s:Value>s:Sender</s:Value></s:Code><s:Reason><s:Text xml:lang="en-US">ID3242: The security token could not be authenticated or authorized.</s:Text></s:Reason></s:Fault></s:Body></s:Envelope>`)
		return
	}
	now := time.Now().UTC()
	assertion := p.assertion(nil, samlClaims{upn: req.Username, audience: req.Applies, notBefore: now, notOnOrAfter: now.Add(time.Hour)})
	tokenType := federation.NamespaceSAML1
	if p.saml2Mode() {
		tokenType = "urn:oasis:names:tc:SAML:2.0:assertion"
	}
	w.Header().Set("Content-Type", "application/soap+xml; charset=utf-8")
	fmt.Fprintf(w, `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing" xmlns:u="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"><s:Header><a:Action s:mustUnderstand="1">http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTRC/IssueFinal</a:Action></s:Header><s:Body><trust:RequestSecurityTokenResponseCollection xmlns:trust="http://docs.oasis-open.org/ws-sx/ws-trust/200512"><trust:RequestSecurityTokenResponse><trust:Lifetime><wsu:Created xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">%s</wsu:Created><wsu:Expires xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">%s</wsu:Expires></trust:Lifetime><wsp:AppliesTo xmlns:wsp="http://schemas.xmlsoap.org/ws/2004/09/policy"><wsa:EndpointReference xmlns:wsa="http://www.w3.org/2005/08/addressing"><wsa:Address>%s</wsa:Address></wsa:EndpointReference></wsp:AppliesTo><trust:RequestedSecurityToken>%s</trust:RequestedSecurityToken><trust:TokenType>%s</trust:TokenType><trust:RequestType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue</trust:RequestType><trust:KeyType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Bearer</trust:KeyType></trust:RequestSecurityTokenResponse></trust:RequestSecurityTokenResponseCollection></s:Body></s:Envelope>`,
		now.Format(time.RFC3339), now.Add(time.Hour).Format(time.RFC3339), xmlEscape(req.Applies), assertion, tokenType)
}

func xmlEscape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

func (p *wsTrustIdP) saml2Mode() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.saml2
}

// samlClaims is what an assertion says; zero fields get defaults.
type samlClaims struct {
	upn, audience, issuer   string
	notBefore, notOnOrAfter time.Time
	saml2                   *bool
	mfa                     *bool
	signer                  *rsa.PrivateKey // nil: the IdP key
	signerCert              *x509.Certificate
	tamper                  func(*etree.Element) // applied after signing
}

// assertion builds and signs an assertion (goxmldsig, exclusive c14n,
// enveloped). The result is self-contained XML, as AD FS returns it.
func (p *wsTrustIdP) assertion(t testing.TB, c samlClaims) string {
	p.mu.Lock()
	v2, mfa, nameID := p.saml2, p.mfa, p.nameID(c.upn)
	p.mu.Unlock()
	if c.saml2 != nil {
		v2 = *c.saml2
	}
	if c.mfa != nil {
		mfa = *c.mfa
	}
	if c.issuer == "" {
		c.issuer = p.issuer
	}
	if c.audience == "" {
		c.audience = federation.EntityID
	}
	ts := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
	id := "_" + uuid.NewString()
	var el *etree.Element
	idAttr := "ID"
	if !v2 {
		idAttr = "AssertionID"
		el = etree.NewElement("saml:Assertion")
		el.CreateAttr("xmlns:saml", federation.NamespaceSAML1)
		el.CreateAttr("MajorVersion", "1")
		el.CreateAttr("MinorVersion", "1")
		el.CreateAttr("AssertionID", id)
		el.CreateAttr("Issuer", c.issuer)
		el.CreateAttr("IssueInstant", ts(c.notBefore))
		cond := el.CreateElement("saml:Conditions")
		cond.CreateAttr("NotBefore", ts(c.notBefore))
		cond.CreateAttr("NotOnOrAfter", ts(c.notOnOrAfter))
		cond.CreateElement("saml:AudienceRestrictionCondition").CreateElement("saml:Audience").SetText(c.audience)
		subject := func(parent *etree.Element) {
			s := parent.CreateElement("saml:Subject")
			n := s.CreateElement("saml:NameIdentifier")
			n.CreateAttr("Format", "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified")
			n.SetText(nameID)
			s.CreateElement("saml:SubjectConfirmation").CreateElement("saml:ConfirmationMethod").SetText("urn:oasis:names:tc:SAML:1.0:cm:bearer")
		}
		as := el.CreateElement("saml:AttributeStatement")
		subject(as)
		at := as.CreateElement("saml:Attribute")
		at.CreateAttr("AttributeName", "UPN")
		at.CreateAttr("AttributeNamespace", "http://schemas.xmlsoap.org/claims")
		at.CreateElement("saml:AttributeValue").SetText(c.upn)
		if mfa {
			at := as.CreateElement("saml:Attribute")
			at.CreateAttr("AttributeName", "authnmethodsreferences")
			at.CreateAttr("AttributeNamespace", "http://schemas.microsoft.com/claims")
			at.CreateElement("saml:AttributeValue").SetText("http://schemas.microsoft.com/claims/multipleauthn")
		}
		st := el.CreateElement("saml:AuthenticationStatement")
		st.CreateAttr("AuthenticationMethod", "urn:oasis:names:tc:SAML:1.0:am:password")
		st.CreateAttr("AuthenticationInstant", ts(c.notBefore))
		subject(st)
	} else {
		el = etree.NewElement("saml:Assertion")
		el.CreateAttr("xmlns:saml", federation.NamespaceSAML2)
		el.CreateAttr("ID", id)
		el.CreateAttr("IssueInstant", ts(c.notBefore))
		el.CreateAttr("Version", "2.0")
		el.CreateElement("saml:Issuer").SetText(c.issuer)
		s := el.CreateElement("saml:Subject")
		n := s.CreateElement("saml:NameID")
		n.CreateAttr("Format", "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent")
		n.SetText(nameID)
		sc := s.CreateElement("saml:SubjectConfirmation")
		sc.CreateAttr("Method", "urn:oasis:names:tc:SAML:2.0:cm:bearer")
		sc.CreateElement("saml:SubjectConfirmationData").CreateAttr("NotOnOrAfter", ts(c.notOnOrAfter))
		cond := el.CreateElement("saml:Conditions")
		cond.CreateAttr("NotBefore", ts(c.notBefore))
		cond.CreateAttr("NotOnOrAfter", ts(c.notOnOrAfter))
		cond.CreateElement("saml:AudienceRestriction").CreateElement("saml:Audience").SetText(c.audience)
		at := el.CreateElement("saml:AttributeStatement").CreateElement("saml:Attribute")
		at.CreateAttr("Name", "IDPEmail")
		at.CreateElement("saml:AttributeValue").SetText(c.upn)
		an := el.CreateElement("saml:AuthnStatement")
		an.CreateAttr("AuthnInstant", ts(c.notBefore))
		ref := "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
		if mfa {
			ref = "http://schemas.microsoft.com/claims/multipleauthn"
		}
		an.CreateElement("saml:AuthnContext").CreateElement("saml:AuthnContextClassRef").SetText(ref)
	}
	key, cert := p.key, p.cert
	if c.signer != nil {
		key, cert = c.signer, c.signerCert
	}
	sc, err := dsig.NewSigningContext(key, [][]byte{cert.Raw})
	if err != nil {
		panic(err)
	}
	sc.IdAttribute = idAttr
	sc.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	signed, err := sc.SignEnveloped(el)
	if err != nil {
		panic(err)
	}
	if c.tamper != nil {
		c.tamper(signed)
	}
	doc := etree.NewDocument()
	doc.SetRoot(signed)
	out, err := doc.WriteToString()
	if err != nil {
		panic(err)
	}
	p.mu.Lock()
	p.issued = append(p.issued, out)
	p.mu.Unlock()
	return out
}

// fedEnv is an env with the federated domain fabrikam.test served by a
// wsTrustIdP, and its users: frank (password only), gina (MFA enrolled),
// hank (MFA enforced, not enrolled).
type fedEnv struct {
	*env
	idp *wsTrustIdP
}

const fedPassword = "Fed-P@ss-1"

func newFedEnv(t *testing.T, honourMFA bool) *fedEnv {
	e := newEnv(t, nil)
	ctx := context.Background()
	idp := newWSTrustIdP(t, e)
	f := idp.federation()
	f.HonourIdPMFA = honourMFA
	if err := e.a.AddFederatedDomain(ctx, e.tenant.ID, "fabrikam.test", f); err != nil {
		t.Fatal(err)
	}
	for _, nu := range []NewUser{
		{UPN: "frank@fabrikam.test"},
		{UPN: "gina@fabrikam.test", MFA: storage.MFAEnabled, TOTPSecret: e.bobTOTP},
		{UPN: "hank@fabrikam.test", MFA: storage.MFAEnforced},
	} {
		nu.TenantID = e.tenant.ID
		if _, err := e.a.CreateUser(ctx, nu); err != nil {
			t.Fatal(err)
		}
		idp.passwords[nu.UPN] = fedPassword
	}
	idp.passwords["ghost@fabrikam.test"] = fedPassword // known to the IdP only
	return &fedEnv{env: e, idp: idp}
}

func TestUserRealmFederatedPointsAtMEX(t *testing.T) {
	f := newFedEnv(t, false)
	resp, err := f.httpClient().Get(f.base + "/common/UserRealm/" + url.PathEscape("frank@fabrikam.test") + "?api-version=1.0")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	decodeJSON(resp, &m)
	if m["account_type"] != "Federated" || m["federation_protocol"] != "WSTrust" ||
		m["federation_metadata_url"] != f.idp.issuer+"/mex" || m["cloud_audience_urn"] != federation.EntityID {
		t.Fatalf("userrealm %v", m)
	}
}

// TestMSALFederatedUsernamePassword runs MSAL for Go's
// AcquireTokenByUsernamePassword for federated users end to end: user
// realm → MEX → WS-Trust 1.3 usernamemixed at the IdP → SAML bearer grant.
func TestMSALFederatedUsernamePassword(t *testing.T) {
	for _, v2 := range []bool{false, true} {
		t.Run(fmt.Sprintf("saml2=%v", v2), func(t *testing.T) {
			f := newFedEnv(t, false)
			f.idp.saml2 = v2
			ctx := context.Background()
			pc := f.publicClient(t, "contoso.test")
			res, err := pc.AcquireTokenByUsernamePassword(ctx, sccScopes, "frank@fabrikam.test", fedPassword)
			if err != nil {
				t.Fatal(err)
			}
			c, err := f.a.Validator().Validate(ctx, res.AccessToken, validate.Options{Tenant: f.tenant.ID})
			if err != nil {
				t.Fatal(err)
			}
			if c.Upn != "frank@fabrikam.test" || strings.Join(c.Amr, ",") != "fed" || c.AppID != ClientEXOModule || c.Aud != ResourceCompliance {
				t.Fatalf("claims %+v", c)
			}
			if !strings.Contains(res.Account.PreferredUsername, "frank@fabrikam.test") {
				t.Fatalf("account %+v", res.Account)
			}
			for _, tc := range []struct{ user, pass, want string }{
				{"gina@fabrikam.test", fedPassword, "AADSTS50076"},
				{"hank@fabrikam.test", fedPassword, "AADSTS50079"},
				{"ghost@fabrikam.test", fedPassword, "AADSTS50034"},
				{"frank@fabrikam.test", "wrong", "ID3242"}, // refused by the IdP itself
			} {
				_, err := pc.AcquireTokenByUsernamePassword(ctx, sccScopes, tc.user, tc.pass)
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("%s: got %v, want %s", tc.user, err, tc.want)
				}
			}
		})
	}
}

func TestMSALFederatedHonoursIdPMFA(t *testing.T) {
	f := newFedEnv(t, true)
	f.idp.mfa = true
	ctx := context.Background()
	res, err := f.publicClient(t, "contoso.test").AcquireTokenByUsernamePassword(ctx, sccScopes, "gina@fabrikam.test", fedPassword)
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.a.Validator().Validate(ctx, res.AccessToken, validate.Options{Tenant: f.tenant.ID, RequireMFA: true})
	if err != nil || strings.Join(c.Amr, ",") != "fed,mfa" {
		t.Fatalf("claims %+v, %v", c, err)
	}
}

// TestSAMLBearerGrantRefusals posts assertions straight to the token
// endpoint, as MSAL does after WS-Trust.
func TestSAMLBearerGrantRefusals(t *testing.T) {
	f := newFedEnv(t, false)
	otherCert, otherKey := selfSignedCert(t)
	now := time.Now()
	ok := samlClaims{upn: "frank@fabrikam.test", notBefore: now, notOnOrAfter: now.Add(time.Hour)}
	yes := true
	post := func(grant, assertion, username string) (int, map[string]any) {
		v := url.Values{"grant_type": {grant}, "client_id": {ClientEXOModule}, "client_info": {"1"},
			"assertion": {base64.StdEncoding.EncodeToString([]byte(assertion))}, "scope": {ResourceCompliance + "/.default openid offline_access profile"}}
		if username != "" {
			v.Set("username", username)
			v.Set("password", "ignored")
		}
		return f.tokenPost("/contoso.test/oauth2/v2.0/token", v)
	}
	const g1 = "urn:ietf:params:oauth:grant-type:saml1_1-bearer"
	const g2 = "urn:ietf:params:oauth:grant-type:saml2-bearer"

	replayed := f.idp.assertion(t, ok)
	if st, m := post(g1, replayed, "frank@fabrikam.test"); st != 200 || m["access_token"] == nil {
		t.Fatalf("valid assertion: %d %v", st, m)
	}
	// Without username (RFC 7522 clients): the domain comes from the UPN claim.
	if st, m := post(g1, f.idp.assertion(t, ok), ""); st != 200 {
		t.Fatalf("valid assertion without username: %d %v", st, m)
	}

	mod := func(fn func(*samlClaims)) string {
		c := ok
		fn(&c)
		return f.idp.assertion(t, c)
	}
	for _, tc := range []struct {
		name, grant, assertion, username, want string
	}{
		{"replayed", g1, replayed, "frank@fabrikam.test", "AADSTS50013"},
		{"foreign key", g1, mod(func(c *samlClaims) { c.signer, c.signerCert = otherKey, otherCert }), "frank@fabrikam.test", "AADSTS50006"},
		{"tampered subject", g1, mod(func(c *samlClaims) {
			c.tamper = func(el *etree.Element) {
				for _, v := range el.FindElements(".//AttributeValue") {
					v.SetText("gina@fabrikam.test")
				}
			}
		}), "", "AADSTS50006"},
		{"wrong audience", g1, mod(func(c *samlClaims) { c.audience = "https://other.example/" }), "frank@fabrikam.test", "AADSTS50013"},
		{"expired", g1, mod(func(c *samlClaims) { c.notBefore, c.notOnOrAfter = now.Add(-2*time.Hour), now.Add(-10*time.Minute) }), "frank@fabrikam.test", "AADSTS50013"},
		{"not yet valid", g1, mod(func(c *samlClaims) { c.notBefore, c.notOnOrAfter = now.Add(10*time.Minute), now.Add(time.Hour) }), "frank@fabrikam.test", "AADSTS50013"},
		{"wrong issuer", g1, mod(func(c *samlClaims) { c.issuer = "https://evil.example/adfs/services/trust" }), "frank@fabrikam.test", "AADSTS50013"},
		{"version mismatch", g2, mod(func(*samlClaims) {}), "frank@fabrikam.test", "AADSTS50013"},
		{"unknown user", g1, mod(func(c *samlClaims) { c.upn = "ghost@fabrikam.test" }), "ghost@fabrikam.test", "AADSTS50034"},
		{"managed domain", g1, mod(func(c *samlClaims) { c.upn = "alice@contoso.test" }), "alice@contoso.test", "AADSTS50107"},
		{"username mismatch", g1, mod(func(*samlClaims) {}), "gina@fabrikam.test", "AADSTS50013"},
		{"mfa required", g1, mod(func(c *samlClaims) { c.upn = "gina@fabrikam.test" }), "gina@fabrikam.test", "AADSTS50076"},
		{"idp mfa not honoured", g2, mod(func(c *samlClaims) { c.upn, c.saml2, c.mfa = "gina@fabrikam.test", &yes, &yes }), "gina@fabrikam.test", "AADSTS50076"},
		{"not base64", g1, "", "frank@fabrikam.test", "AADSTS900144"},
	} {
		a := tc.assertion
		st, m := post(tc.grant, a, tc.username)
		if tc.name == "not base64" {
			st, m = f.tokenPost("/contoso.test/oauth2/v2.0/token", url.Values{"grant_type": {g1}, "client_id": {ClientEXOModule}, "assertion": {""}})
		}
		if st != 400 || aadsts(m) != tc.want {
			t.Errorf("%s: %d %v, want %s", tc.name, st, m, tc.want)
		}
	}

	// On /common the grant needs a tenant, as ROPC does.
	if st, m := f.tokenPost("/common/oauth2/v2.0/token", url.Values{"grant_type": {g1}, "client_id": {ClientEXOModule},
		"assertion": {base64.StdEncoding.EncodeToString([]byte(f.idp.assertion(t, ok)))}}); st != 400 || aadsts(m) != "AADSTS50059" {
		t.Fatalf("common: %d %v", st, m)
	}
}

func TestSAMLBearerImmutableID(t *testing.T) {
	f := newFedEnv(t, false)
	ctx := context.Background()
	_, err := f.store.UpdateDomain(ctx, "fabrikam.test", func(d storage.Domain) (storage.Domain, error) {
		d.Federation.MatchImmutableID = true
		return d, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := f.store.GetUserByUPN(ctx, "frank@fabrikam.test")
	if _, err := f.store.UpdateUser(ctx, u.ID, func(u storage.User) (storage.User, error) {
		u.ImmutableID = "ZnJhbmstMDAx"
		return u, nil
	}); err != nil {
		t.Fatal(err)
	}
	f.idp.nameID = func(upn string) string {
		if upn == "frank@fabrikam.test" {
			return "ZnJhbmstMDAx"
		}
		return "unknown-anchor"
	}
	res, err := f.publicClient(t, "contoso.test").AcquireTokenByUsernamePassword(ctx, sccScopes, "frank@fabrikam.test", fedPassword)
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.a.Validator().Validate(ctx, res.AccessToken, validate.Options{Tenant: f.tenant.ID})
	if err != nil || c.Oid != u.ID {
		t.Fatalf("claims %+v, %v", c, err)
	}
}
