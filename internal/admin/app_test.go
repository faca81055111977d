package admin

import (
	"crypto/x509"

	"context"
	"github.com/ipps/ipps/internal/authority"
	"os"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/devpki"
)

func TestCreateAppWithCertificate(t *testing.T) {
	ctx := context.Background()
	a := newAdmin(t)
	if _, err := a.CreateTenant(ctx, "contoso.test", ""); err != nil {
		t.Fatal(err)
	}
	p, err := devpki.Ensure(t.TempDir(), []string{"localhost"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	certPath, _, cert, err := p.EnsureClientCert("automation", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	pemData, _ := os.ReadFile(certPath)
	app, err := a.CreateApp(ctx, NewApp{TenantDomain: "contoso.test", DisplayName: "automation", CertificatePEM: pemData, Roles: []string{"View-Only Configuration"}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := a.Store.GetApplication(ctx, app.ClientID)
	if err != nil {
		t.Fatal(err)
	}
	tp := devpki.Thumbprint(cert)
	if len(got.Certificates) != 1 || got.Certificates[0].Thumbprint != wantThumb(t, cert) || got.Public {
		t.Fatalf("stored app %+v", got)
	}
	if want := wantThumb(t, cert); len(want) != 40 || want[:2] != hexUpper(tp[0]) {
		t.Fatalf("thumbprint %q", want)
	}
	if _, err := a.CreateApp(ctx, NewApp{TenantDomain: "contoso.test", CertificatePEM: []byte("junk")}); err == nil {
		t.Fatal("junk PEM accepted")
	}
}

func hexUpper(b byte) string {
	const digits = "0123456789ABCDEF"
	return string([]byte{digits[b>>4], digits[b&15]})
}

func wantThumb(t *testing.T, cert *x509.Certificate) string {
	t.Helper()
	c, err := authority.CertificateCredential(cert.Raw)
	if err != nil {
		t.Fatal(err)
	}
	return c.Thumbprint
}
