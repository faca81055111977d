package federation

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crewjam/saml"
)

type memReplay struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (m *memReplay) RememberJTI(_ context.Context, jti string, _ time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.seen[jti] {
		return false, nil
	}
	m.seen[jti] = true
	return true, nil
}

func keyPair(t testing.TB) (*rsa.PrivateKey, *x509.Certificate) {
	k, _ := rsa.GenerateKey(rand.Reader, 2048)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "t"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return k, c
}

func fixture(t testing.TB) (*SP, *saml.EntityDescriptor) {
	spKey, spCert := keyPair(t)
	idpKey, idpCert := keyPair(t)
	mu, _ := url.Parse("https://idp.test/metadata")
	su, _ := url.Parse("https://idp.test/sso")
	idp := &saml.IdentityProvider{Key: idpKey, Certificate: idpCert, MetadataURL: *mu, SSOURL: *su}
	sp := &SP{ACSURL: "https://login.test/login.srf", Key: spKey, Cert: spCert, Replay: &memReplay{seen: map[string]bool{}}}
	return sp, idp.Metadata()
}

func TestMetadataAndAuthnRequest(t *testing.T) {
	sp, md := fixture(t)
	raw, _ := xml.Marshal(md)
	got, err := sp.Metadata(context.Background(), "", string(raw))
	if err != nil || got.EntityID != "https://idp.test/metadata" {
		t.Fatalf("%v %v", err, got)
	}
	if _, err := sp.Metadata(context.Background(), "", "<nope"); err == nil {
		t.Fatal("bad metadata accepted")
	}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(raw) }))
	defer srv.Close()
	sp.HTTPClient = srv.Client()
	if m, err := sp.Metadata(context.Background(), srv.URL, ""); err != nil || m.EntityID != md.EntityID {
		t.Fatalf("fetched metadata: %v", err)
	}
	to, id, err := sp.AuthnRequestURL(md, "relay-1")
	if err != nil || id == "" || !strings.HasPrefix(to, "https://idp.test/sso?SAMLRequest=") || !strings.Contains(to, "RelayState=relay-1") {
		t.Fatalf("%q %q %v", to, id, err)
	}
	if sp.SPMetadata().EntityID != EntityID {
		t.Fatal("sp entity id")
	}
}

func post(resp string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "https://login.test/login.srf",
		strings.NewReader(url.Values{"SAMLResponse": {resp}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

func TestParseResponseRefusesUnsigned(t *testing.T) {
	sp, md := fixture(t)
	unsigned := `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="r1" InResponseTo="req" Version="2.0" IssueInstant="` +
		time.Now().UTC().Format(time.RFC3339) + `" Destination="https://login.test/login.srf"><saml:Issuer>https://idp.test/metadata</saml:Issuer>` +
		`<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>` +
		`<saml:Assertion ID="a1" Version="2.0" IssueInstant="` + time.Now().UTC().Format(time.RFC3339) + `"><saml:Issuer>https://idp.test/metadata</saml:Issuer>` +
		`<saml:Subject><saml:NameID>ceo@contoso.test</saml:NameID></saml:Subject></saml:Assertion></samlp:Response>`
	for name, body := range map[string]string{
		"unsigned": base64.StdEncoding.EncodeToString([]byte(unsigned)),
		"garbage":  "!!!",
		"empty":    "",
	} {
		res, err := sp.ParseResponse(context.Background(), post(body), md, "req")
		if res != nil || !errors.Is(err, ErrInvalidResponse) {
			t.Errorf("%s: %v %v", name, res, err)
		}
	}
}

// FuzzParseResponse feeds arbitrary SAMLResponse values: parsing must not
// panic and must never yield an identity without a valid IdP signature.
func FuzzParseResponse(f *testing.F) {
	sp, md := fixture(f)
	f.Add(base64.StdEncoding.EncodeToString([]byte(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>`)))
	f.Add(base64.StdEncoding.EncodeToString([]byte(`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>`)))
	f.Add(base64.StdEncoding.EncodeToString([]byte(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"><saml:Assertion><saml:Subject><saml:NameID>x</saml:NameID></saml:Subject></saml:Assertion><saml:Assertion/></samlp:Response>`)))
	f.Add("PHg+")
	f.Fuzz(func(t *testing.T, body string) {
		res, err := sp.ParseResponse(context.Background(), post(body), md, "req")
		if err == nil || res != nil {
			t.Fatalf("accepted %q", body)
		}
	})
}
