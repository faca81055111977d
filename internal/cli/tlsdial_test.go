package cli

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/devpki"
)

func newPKI(t *testing.T) *devpki.PKI {
	t.Helper()
	pki, err := devpki.Ensure(t.TempDir(), []string{"127.0.0.1", "localhost"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return pki
}

// TestHTTPClientCAFile: a server with a certificate from the --ca-file CA
// is trusted, over HTTP/2; one from another private CA is refused with
// the usual unknown-authority error.
func TestHTTPClientCAFile(t *testing.T) {
	t.Setenv("HTTPS_PROXY", "")
	t.Setenv("https_proxy", "")
	pki, other := newPKI(t), newPKI(t)
	hs := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	hs.EnableHTTP2 = true
	hs.TLS = &tls.Config{Certificates: []tls.Certificate{pki.Server}}
	hs.StartTLS()
	defer hs.Close()

	hc, err := HTTPClient(pki.CAPath())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := hc.Get(hs.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.ProtoMajor != 2 {
		t.Errorf("protocol %s, want HTTP/2", resp.Proto)
	}

	hc, err = HTTPClient(other.CAPath())
	if err != nil {
		t.Fatal(err)
	}
	_, err = hc.Get(hs.URL)
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Errorf("untrusted server: err = %v, want x509.UnknownAuthorityError", err)
	}
}

// TestVerifyPeerHostName: a chain from the private CA issued for another
// host fails the host name check.
func TestVerifyPeerHostName(t *testing.T) {
	pki := newPKI(t)
	leaf, err := x509.ParseCertificate(pki.Server.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	cs := tls.ConnectionState{PeerCertificates: []*x509.Certificate{leaf}}
	if err := verifyPeer(cs, "127.0.0.1", pki.CertPool()); err != nil {
		t.Errorf("127.0.0.1: %v", err)
	}
	var host x509.HostnameError
	if err := verifyPeer(cs, "example.com", pki.CertPool()); !errors.As(err, &host) {
		t.Errorf("example.com: err = %v, want x509.HostnameError", err)
	}
	if err := verifyPeer(tls.ConnectionState{}, "127.0.0.1", pki.CertPool()); err == nil {
		t.Error("no certificate: verified")
	}
}

func TestHTTPSProxySet(t *testing.T) {
	env := map[string]string{}
	get := func(k string) string { return env[k] }
	if httpsProxySet(get) {
		t.Error("empty environment: proxy set")
	}
	env["https_proxy"] = "http://proxy:3128"
	if !httpsProxySet(get) {
		t.Error("https_proxy: not set")
	}
}
