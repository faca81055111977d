package devpki

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestEnsureCreatesThenReuses(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	p1, err := Ensure(dir, []string{"localhost", "127.0.0.1"}, now)
	if err != nil {
		t.Fatal(err)
	}
	ca1, _ := os.ReadFile(filepath.Join(dir, CAFile))
	srv1, _ := os.ReadFile(filepath.Join(dir, ServerCert))

	p2, err := Ensure(dir, []string{"localhost", "127.0.0.1"}, now)
	if err != nil {
		t.Fatal(err)
	}
	ca2, _ := os.ReadFile(filepath.Join(dir, CAFile))
	srv2, _ := os.ReadFile(filepath.Join(dir, ServerCert))
	if !bytes.Equal(ca1, ca2) || !bytes.Equal(srv1, srv2) {
		t.Fatal("second Ensure re-created files instead of reusing them")
	}
	if !p1.CA.Equal(p2.CA) {
		t.Fatal("CA changed across Ensure calls")
	}
	if fi, _ := os.Stat(filepath.Join(dir, caKeyFile)); fi.Mode().Perm() != 0o600 {
		t.Fatalf("CA key mode = %v, want 0600", fi.Mode().Perm())
	}
}

func TestEnsureReissuesForNewHostKeepingCA(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	p1, err := Ensure(dir, []string{"localhost"}, now)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := Ensure(dir, []string{"localhost", "ipps.example"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if !p1.CA.Equal(p2.CA) {
		t.Fatal("CA must survive server re-issue")
	}
	leaf, _ := x509.ParseCertificate(p2.Server.Certificate[0])
	if err := leaf.VerifyHostname("ipps.example"); err != nil {
		t.Fatalf("re-issued cert does not cover new host: %v", err)
	}
	// Near expiry forces a re-issue too.
	p3, err := Ensure(dir, []string{"localhost"}, now.AddDate(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	leaf3, _ := x509.ParseCertificate(p3.Server.Certificate[0])
	if !leaf3.NotAfter.After(leaf.NotAfter) {
		t.Fatal("certificate close to expiry was not renewed")
	}
}

func TestServerCertServesTLSTrustedByCA(t *testing.T) {
	p, err := Ensure(t.TempDir(), []string{"127.0.0.1"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{p.Server}}
	srv.StartTLS()
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())

	trusted := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: p.CertPool()}}}
	resp, err := trusted.Get("https://127.0.0.1:" + port)
	if err != nil {
		t.Fatalf("client trusting the CA failed: %v", err)
	}
	resp.Body.Close()

	untrusted := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: x509.NewCertPool()}}}
	if _, err := untrusted.Get("https://127.0.0.1:" + port); err == nil {
		t.Fatal("client without the CA must fail verification")
	}
}

func TestClientCertStable(t *testing.T) {
	p, err := Ensure(t.TempDir(), []string{"localhost"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	c1, k1, cert1, err := p.EnsureClientCert("ipps-automation", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	_, _, cert2, err := p.EnsureClientCert("ipps-automation", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if Thumbprint(cert1) != Thumbprint(cert2) {
		t.Fatal("client certificate re-created")
	}
	if _, err := tls.LoadX509KeyPair(c1, k1); err != nil {
		t.Fatalf("client pair unusable: %v", err)
	}
}
