package authority

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"

	"github.com/ipps/ipps/internal/authority/validate"
)

var sccScopes = []string{ResourceCompliance + "/.default"}

func (e *env) msalHTTP() *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: e.ca.pool}}}
}

func (e *env) publicClient(t *testing.T, tenant string) public.Client {
	t.Helper()
	c, err := public.New(ClientEXOModule, public.WithAuthority(e.base+"/"+tenant),
		public.WithInstanceDiscovery(false), public.WithHTTPClient(e.msalHTTP()))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (e *env) validateAT(t *testing.T, at string) {
	t.Helper()
	c, err := e.a.Validator().Validate(context.Background(), at, validate.Options{Tenant: e.tenant.ID})
	if err != nil {
		t.Fatalf("access token from MSAL does not validate: %v", err)
	}
	_ = c
}

func TestMSALUsernamePassword(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	pc := e.publicClient(t, "contoso.test")
	res, err := pc.AcquireTokenByUsernamePassword(ctx, sccScopes, "alice@contoso.test", testPassword)
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.a.Validator().Validate(ctx, res.AccessToken, validate.Options{Tenant: e.tenant.ID})
	if err != nil {
		t.Fatal(err)
	}
	if c.Upn != "alice@contoso.test" || c.Aud != ResourceCompliance || c.HasMFA() || c.AppID != ClientEXOModule || c.Ver != "1.0" || c.Scp != "user_impersonation" {
		t.Fatalf("claims %+v", c)
	}
	if res.Account.HomeAccountID != e.alice.ID+"."+e.tenant.ID {
		t.Fatalf("home account %q (client_info not understood)", res.Account.HomeAccountID)
	}
	for _, tc := range []struct{ user, pass, want string }{
		{"bob@contoso.test", testPassword, "AADSTS50076"},
		{"carol@contoso.test", testPassword, "AADSTS50079"},
		{"alice@contoso.test", "wrong", "AADSTS50126"},
		{"nobody@contoso.test", "wrong", "AADSTS50126"},
	} {
		_, err := pc.AcquireTokenByUsernamePassword(ctx, sccScopes, tc.user, tc.pass)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %s", tc.user, err, tc.want)
		}
	}
}

func TestMSALSilentRefresh(t *testing.T) {
	// Access tokens shorter than MSAL's 5-minute expiry buffer force
	// AcquireTokenSilent to use the refresh token.
	e := newEnv(t, func(c *Config) { c.AccessTokenLifetime = 4 * time.Minute })
	ctx := context.Background()
	pc := e.publicClient(t, "contoso.test")
	first, err := pc.AcquireTokenByUsernamePassword(ctx, sccScopes, "alice@contoso.test", testPassword)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Second)
	second, err := pc.AcquireTokenSilent(ctx, sccScopes, public.WithSilentAccount(first.Account))
	if err != nil {
		t.Fatal(err)
	}
	if second.AccessToken == first.AccessToken {
		t.Fatal("silent call did not refresh")
	}
	e.validateAT(t, second.AccessToken)
	// Exchange resource from the same refresh token (multi-resource).
	exo, err := pc.AcquireTokenSilent(ctx, []string{ResourceExchange + "/.default"}, public.WithSilentAccount(first.Account))
	if err != nil {
		t.Fatal(err)
	}
	if c, err := e.a.Validator().Validate(ctx, exo.AccessToken, validate.Options{}); err != nil || c.Aud != ResourceExchange {
		t.Fatalf("exchange token: %v", err)
	}
	// A password reset revokes the refresh tokens: silent must fail.
	if err := e.a.ResetPassword(ctx, e.alice.ID, "N3w-password!"); err != nil {
		t.Fatal(err)
	}
	if _, err := pc.AcquireTokenSilent(ctx, sccScopes, public.WithSilentAccount(first.Account)); err == nil || !strings.Contains(err.Error(), "AADSTS70008") {
		t.Fatalf("after reset: %v", err)
	}
	if _, err := e.a.Validator().Validate(ctx, second.AccessToken, validate.Options{}); err == nil {
		t.Fatal("access token issued before the reset still validates")
	}
}

func TestMSALDeviceCode(t *testing.T) {
	e := newEnv(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pc := e.publicClient(t, "organizations")
	dc, err := pc.AcquireTokenByDeviceCode(ctx, sccScopes)
	if err != nil {
		t.Fatal(err)
	}
	if dc.Result.VerificationURL != e.base+"/devicelogin" || len(dc.Result.UserCode) != 9 || !strings.Contains(dc.Result.Message, dc.Result.UserCode) {
		t.Fatalf("device code result %+v", dc.Result)
	}
	// The user approves in a browser (plain HTTP form posts with cookies),
	// signing in with password and a TOTP code.
	go func() {
		b := e.browser()
		b.get("/devicelogin")
		b.post("/devicelogin", url.Values{"otc": {strings.ToLower(dc.Result.UserCode)}})
		b.post("/login/username", url.Values{"username": {"bob@contoso.test"}})
		b.post("/login/password", url.Values{"password": {testPassword}})
		b.post("/login/mfa", url.Values{"method": {"totp"}, "code": {e.totpNow(t, 0)}})
		if !strings.Contains(b.last, "You have signed in") {
			t.Errorf("approval page: %s", b.last)
		}
	}()
	res, err := dc.AuthenticationResult(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.a.Validator().Validate(ctx, res.AccessToken, validate.Options{RequireMFA: true})
	if err != nil || c.Upn != "bob@contoso.test" {
		t.Fatalf("device token: %v %+v", err, c)
	}
}

func selfSignedCert(t testing.TB) (*x509.Certificate, *rsa.PrivateKey) {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "ipps app"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return cert, key
}

func TestMSALConfidentialCertificateAndSecret(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	cert, key := selfSignedCert(t)
	id, _, err := e.a.CreateApplication(ctx, NewApp{TenantID: e.tenant.ID, DisplayName: "automation",
		Certificates: [][]byte{cert.Raw}, Roles: []string{"Compliance Administrator"}})
	if err != nil {
		t.Fatal(err)
	}
	cred, err := confidential.NewCredFromCert([]*x509.Certificate{cert}, key)
	if err != nil {
		t.Fatal(err)
	}
	cc, err := confidential.New(e.base+"/"+e.tenant.ID, id, cred,
		confidential.WithInstanceDiscovery(false), confidential.WithHTTPClient(e.msalHTTP()))
	if err != nil {
		t.Fatal(err)
	}
	res, err := cc.AcquireTokenByCredential(ctx, sccScopes)
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.a.Validator().Validate(ctx, res.AccessToken, validate.Options{Tenant: e.tenant.ID})
	if err != nil || c.AppIDAcr != "2" || len(c.Roles) != 1 || c.Upn != "" || c.Scp != "" {
		t.Fatalf("app token: %v %+v", err, c)
	}
	// A certificate that is not registered for the app.
	otherCert, otherKey := selfSignedCert(t)
	bad, err := confidential.NewCredFromCert([]*x509.Certificate{otherCert}, otherKey)
	if err != nil {
		t.Fatal(err)
	}
	cc2, _ := confidential.New(e.base+"/"+e.tenant.ID, id, bad, confidential.WithInstanceDiscovery(false), confidential.WithHTTPClient(e.msalHTTP()))
	if _, err := cc2.AcquireTokenByCredential(ctx, sccScopes); err == nil || !strings.Contains(err.Error(), "AADSTS700027") {
		t.Fatalf("forged assertion: %v", err)
	}

	sid, secret, err := e.a.CreateApplication(ctx, NewApp{TenantID: e.tenant.ID, DisplayName: "secret app", WithSecret: true})
	if err != nil {
		t.Fatal(err)
	}
	sc, _ := confidential.NewCredFromSecret(secret)
	cs, _ := confidential.New(e.base+"/contoso.test", sid, sc, confidential.WithInstanceDiscovery(false), confidential.WithHTTPClient(e.msalHTTP()))
	if res, err := cs.AcquireTokenByCredential(ctx, sccScopes); err != nil {
		t.Fatal(err)
	} else if c, _ := e.a.Validator().Validate(ctx, res.AccessToken, validate.Options{}); c == nil || c.AppIDAcr != "1" {
		t.Fatal("secret app token")
	}
	wrong, _ := confidential.NewCredFromSecret(secret + "x")
	cw, _ := confidential.New(e.base+"/contoso.test", sid, wrong, confidential.WithInstanceDiscovery(false), confidential.WithHTTPClient(e.msalHTTP()))
	if _, err := cw.AcquireTokenByCredential(ctx, sccScopes); err == nil || !strings.Contains(err.Error(), "AADSTS70002") {
		t.Fatalf("wrong secret: %v", err)
	}
}
