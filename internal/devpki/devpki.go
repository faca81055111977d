// Package devpki creates and reuses the local certificate authority, server
// certificate and automation client certificate that `ippsd dev` needs.
//
// Files live in one directory and are created once: a later call finds and
// reuses them, so clients that trusted the CA keep working across restarts.
// A server certificate that no longer covers the requested host names, or
// that expires within a week, is re-issued from the same CA.
package devpki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// File names inside the PKI directory.
const (
	CAFile        = "ca.pem"
	caKeyFile     = "ca-key.pem"
	ServerCert    = "server.pem"
	ServerKey     = "server-key.pem"
	AppCertFile   = "app.pem"
	AppKeyFile    = "app-key.pem"
	renewalMargin = 7 * 24 * time.Hour
)

// PKI is a loaded local CA with its issued server certificate.
type PKI struct {
	Dir    string
	CA     *x509.Certificate
	caKey  crypto.Signer
	Server tls.Certificate
}

// CAPath is the path of the CA certificate clients must trust.
func (p *PKI) CAPath() string { return filepath.Join(p.Dir, CAFile) }

// CertPool returns a pool holding only the local CA.
func (p *PKI) CertPool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(p.CA)
	return pool
}

// Ensure loads the PKI in dir, creating the CA and a server certificate for
// hosts (DNS names or IP literals) when missing or stale.
func Ensure(dir string, hosts []string, now time.Time) (*PKI, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("devpki: %w", err)
	}
	p := &PKI{Dir: dir}
	ca, key, err := loadPair(filepath.Join(dir, CAFile), filepath.Join(dir, caKeyFile))
	switch {
	case errors.Is(err, os.ErrNotExist):
		ca, key, err = newCA(now)
		if err == nil {
			err = writePair(dir, CAFile, caKeyFile, ca.Raw, key)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("devpki: ca: %w", err)
	}
	p.CA, p.caKey = ca, key

	leaf, _, err := loadPair(filepath.Join(dir, ServerCert), filepath.Join(dir, ServerKey))
	if err != nil || !covers(leaf, hosts) || now.Add(renewalMargin).After(leaf.NotAfter) || leaf.CheckSignatureFrom(ca) != nil {
		if err := p.issueServer(hosts, now); err != nil {
			return nil, err
		}
	}
	p.Server, err = tls.LoadX509KeyPair(filepath.Join(dir, ServerCert), filepath.Join(dir, ServerKey))
	if err != nil {
		return nil, fmt.Errorf("devpki: server pair: %w", err)
	}
	return p, nil
}

// EnsureClientCert creates (once) an RSA-2048 client certificate for app-only
// automation, returning the certificate and key paths and the SHA-1
// thumbprint (x5t) of the certificate.
func (p *PKI) EnsureClientCert(commonName string, now time.Time) (certPath, keyPath string, cert *x509.Certificate, err error) {
	certPath, keyPath = filepath.Join(p.Dir, AppCertFile), filepath.Join(p.Dir, AppKeyFile)
	if c, _, err := loadPair(certPath, keyPath); err == nil {
		return certPath, keyPath, c, nil
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", "", nil, fmt.Errorf("devpki: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: commonName},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(2, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return "", "", nil, fmt.Errorf("devpki: client cert: %w", err)
	}
	if err := writePair(p.Dir, AppCertFile, AppKeyFile, der, key); err != nil {
		return "", "", nil, err
	}
	cert, err = x509.ParseCertificate(der)
	return certPath, keyPath, cert, err
}

// Thumbprint returns the SHA-1 thumbprint of cert (what Entra calls x5t).
func Thumbprint(cert *x509.Certificate) [20]byte { return sha1.Sum(cert.Raw) }

func (p *PKI) issueServer(hosts []string, now time.Time) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("devpki: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: hosts[0]},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(1, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.CA, key.Public(), p.caKey)
	if err != nil {
		return fmt.Errorf("devpki: server cert: %w", err)
	}
	return writePair(p.Dir, ServerCert, ServerKey, der, key)
}

func newCA(now time.Time) (*x509.Certificate, crypto.Signer, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "ipps dev CA", Organization: []string{"ipps"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	return cert, key, err
}

func covers(c *x509.Certificate, hosts []string) bool {
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			if !slices.ContainsFunc(c.IPAddresses, ip.Equal) {
				return false
			}
		} else if !slices.Contains(c.DNSNames, h) {
			return false
		}
	}
	return true
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	return n
}

func writePair(dir, certName, keyName string, der []byte, key crypto.Signer) error {
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("devpki: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, keyName), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return fmt.Errorf("devpki: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, certName), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return fmt.Errorf("devpki: %w", err)
	}
	return nil
}

func loadPair(certPath, keyPath string) (*x509.Certificate, crypto.Signer, error) {
	certPEM, err := os.ReadFile(certPath)
	if err != nil {
		return nil, nil, err
	}
	keyPEM, err := os.ReadFile(keyPath)
	if err != nil {
		return nil, nil, err
	}
	cb, _ := pem.Decode(certPEM)
	kb, _ := pem.Decode(keyPEM)
	if cb == nil || kb == nil {
		return nil, nil, fmt.Errorf("devpki: %s or %s is not PEM", certPath, keyPath)
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, nil, err
	}
	k, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		return nil, nil, err
	}
	signer, ok := k.(crypto.Signer)
	if !ok {
		return nil, nil, fmt.Errorf("devpki: %s holds no signing key", keyPath)
	}
	return cert, signer, nil
}
