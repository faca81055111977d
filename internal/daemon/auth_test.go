package daemon

import (
	"context"
	"encoding/base64"
	"errors"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/authority/tokens"
	"github.com/ipps/ipps/internal/authority/validate"
	"github.com/ipps/ipps/internal/runspace"
)

const (
	testTenant = "8c3b1a52-6f0e-4a3b-9d1e-0c1f2a3b4c5d"
	testIssuer = "https://login.contoso.test/" + testTenant + "/"
	sccAud     = "https://ps.compliance.protection.outlook.com"
)

func newAuth(t *testing.T) (*BearerAuth, *tokens.KeySet) {
	t.Helper()
	k, err := tokens.GenerateKey(time.Now(), 24*time.Hour, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ks := tokens.NewKeySet(k)
	v := &validate.Validator{Keys: ks, IssuerFor: func(string) string { return testIssuer }, Audiences: []string{sccAud, "https://outlook.office365.com"}}
	return &BearerAuth{Validator: v, Audience: sccAud}, ks
}

func basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

func claims(aud, upn string) tokens.AccessClaims {
	now := time.Now().Unix()
	return tokens.AccessClaims{Aud: aud, Iss: testIssuer, Iat: now, Nbf: now, Exp: now + 3600, AppID: "fb78d390-0c51-40cd-8e17-fdbfab77341b",
		Oid: "11111111-2222-3333-4444-555555555555", Sub: "s", Tid: testTenant, Upn: upn, UniqueName: upn, Scp: "user_impersonation", Amr: []string{"pwd", "mfa"}, Ver: "1.0"}
}

func TestBearerAuthAcceptsUserToken(t *testing.T) {
	a, ks := newAuth(t)
	tok, err := ks.Sign(claims(sccAud, "admin@contoso.test"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := a.Authenticate(context.Background(), basic("Admin@Contoso.test", "Bearer "+tok), "10.0.0.7")
	if err != nil {
		t.Fatal(err)
	}
	if p.UserID != "11111111-2222-3333-4444-555555555555" || p.UPN != "admin@contoso.test" || p.TenantID != testTenant || p.ClientAddr != "10.0.0.7" || len(p.Scopes) != 1 {
		t.Fatalf("principal %+v", p)
	}
}

func TestBearerAuthAppOnly(t *testing.T) {
	a, ks := newAuth(t)
	c := claims(sccAud, "")
	c.UniqueName, c.Roles, c.Scp = "", []string{"Exchange.ManageAsApp"}, ""
	tok, _ := ks.Sign(c)
	p, err := a.Authenticate(context.Background(), basic("OAuthUser@"+testTenant, "Bearer "+tok), "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if p.UserID != "app:"+c.AppID || p.UPN != "OAuthUser@"+testTenant || len(p.Roles) != 1 {
		t.Fatalf("principal %+v", p)
	}
}

func TestBearerAuthRefusals(t *testing.T) {
	a, ks := newAuth(t)
	good, _ := ks.Sign(claims(sccAud, "admin@contoso.test"))
	exo, _ := ks.Sign(claims("https://outlook.office365.com", "admin@contoso.test"))
	cases := map[string]string{
		"no header":        "",
		"bearer scheme":    "Bearer " + good,
		"not base64":       "Basic ***",
		"no colon":         "Basic " + base64.StdEncoding.EncodeToString([]byte("admin")),
		"plain password":   basic("admin@contoso.test", "hunter2"),
		"other user":       basic("eve@contoso.test", "Bearer "+good),
		"wrong audience":   basic("admin@contoso.test", "Bearer "+exo),
		"tampered":         basic("admin@contoso.test", "Bearer "+good[:len(good)-4]+"AAAA"),
		"empty bearer":     basic("admin@contoso.test", "Bearer "),
		"garbage jwt":      basic("admin@contoso.test", "Bearer a.b.c"),
		"app-only as user": "",
	}
	c := claims(sccAud, "")
	c.UniqueName = ""
	apptok, _ := ks.Sign(c)
	cases["app-only as user"] = basic("admin@contoso.test", "Bearer "+apptok)
	for name, h := range cases {
		_, err := a.Authenticate(context.Background(), h, "127.0.0.1")
		if !errors.Is(err, runspace.ErrUnauthenticated) {
			t.Errorf("%s: got %v, want ErrUnauthenticated", name, err)
		}
	}
}
