package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
)

// httpsProxySet reports whether the environment configures a proxy for
// https URLs (as http.ProxyFromEnvironment reads it).
func httpsProxySet(getenv func(string) string) bool {
	for _, k := range []string{"HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"} {
		if getenv(k) != "" {
			return true
		}
	}
	return false
}

// dialTLS returns an http.Transport DialTLSContext that trusts private
// and the system roots, like a tls.Config whose RootCAs holds both, but
// loads the system roots only for a certificate private does not verify.
// The handshake itself (signatures, key possession) is crypto/tls's as
// usual; only chain building and the host name check are done here, with
// the same x509 verification the default path uses.
func dialTLS(base *tls.Config, private *x509.CertPool) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		cfg := base.Clone()
		if cfg.ServerName == "" {
			cfg.ServerName = host
		}
		name := cfg.ServerName
		if len(cfg.NextProtos) == 0 {
			cfg.NextProtos = []string{"h2", "http/1.1"}
		}
		// Verification is done by VerifyConnection, on every handshake
		// (resumed ones included).
		cfg.InsecureSkipVerify = true
		cfg.VerifyConnection = func(cs tls.ConnectionState) error { return verifyPeer(cs, name, private) }
		d := &tls.Dialer{Config: cfg}
		return d.DialContext(ctx, network, addr)
	}
}

// verifyPeer verifies the server's chain for name against private, then
// against the system roots. The error is what crypto/tls returns for a
// failed verification.
func verifyPeer(cs tls.ConnectionState, name string, private *x509.CertPool) error {
	certs := cs.PeerCertificates
	if len(certs) == 0 {
		return errors.New("tls: server presented no certificate")
	}
	opts := x509.VerifyOptions{DNSName: name, Roots: private, Intermediates: x509.NewCertPool()}
	for _, c := range certs[1:] {
		opts.Intermediates.AddCert(c)
	}
	if _, err := certs[0].Verify(opts); err == nil {
		return nil
	}
	opts.Roots = nil // the system roots
	if _, err := certs[0].Verify(opts); err != nil {
		return &tls.CertificateVerificationError{UnverifiedCertificates: certs, Err: err}
	}
	return nil
}
