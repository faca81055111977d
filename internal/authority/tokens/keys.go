package tokens

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"time"
)

// DefaultKeyBits is the RSA modulus size of keys made by GenerateKey.
const DefaultKeyBits = 2048

// ErrNoSigningKey is returned when a KeySet has no key to sign with.
var ErrNoSigningKey = errors.New("tokens: no signing key")

// Key is one RSA signing key with its self-signed certificate. ID is the
// base64url SHA-1 thumbprint of the certificate, used both as the JWT "kid"
// and "x5t" header, as Entra does. A Key is immutable once built.
type Key struct {
	ID      string
	Private *rsa.PrivateKey
	Cert    *x509.Certificate
	// RetireAt is when the key stops being published. The zero time means
	// the key is published for as long as it is in the set.
	RetireAt time.Time
}

// GenerateKey makes a fresh RSA key and a self-signed certificate valid from
// now for validity. bits below 2048 are raised to DefaultKeyBits.
func GenerateKey(now time.Time, validity time.Duration, bits int) (*Key, error) {
	if bits < DefaultKeyBits {
		bits = DefaultKeyBits
	}
	priv, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		return nil, fmt.Errorf("tokens: generate rsa key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return nil, fmt.Errorf("tokens: serial: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "ipps token signing"},
		NotBefore:             now.Add(-5 * time.Minute),
		NotAfter:              now.Add(validity),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		return nil, fmt.Errorf("tokens: self-sign: %w", err)
	}
	return ParseKey(x509.MarshalPKCS1PrivateKey(priv), der)
}

// ParseKey rebuilds a Key from a PKCS#1 or PKCS#8 DER private key and the DER
// certificate, as stored at rest. The certificate must hold the key's public half.
func ParseKey(privDER, certDER []byte) (*Key, error) {
	var priv *rsa.PrivateKey
	if k, err := x509.ParsePKCS1PrivateKey(privDER); err == nil {
		priv = k
	} else if k8, err8 := x509.ParsePKCS8PrivateKey(privDER); err8 == nil {
		rk, ok := k8.(*rsa.PrivateKey)
		if !ok {
			return nil, errors.New("tokens: private key is not RSA")
		}
		priv = rk
	} else {
		return nil, fmt.Errorf("tokens: parse private key: %w", err)
	}
	cert, err := x509.ParseCertificate(certDER)
	if err != nil {
		return nil, fmt.Errorf("tokens: parse certificate: %w", err)
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok || !pub.Equal(&priv.PublicKey) {
		return nil, errors.New("tokens: certificate does not match private key")
	}
	return &Key{ID: Thumbprint(cert), Private: priv, Cert: cert}, nil
}

// Thumbprint returns the base64url (unpadded) SHA-1 of the certificate DER,
// the value of "kid" and "x5t".
func Thumbprint(cert *x509.Certificate) string {
	sum := sha1.Sum(cert.Raw)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// PrivateDER returns the PKCS#1 DER of the private key, for storage.
func (k *Key) PrivateDER() []byte { return x509.MarshalPKCS1PrivateKey(k.Private) }

// KeySet holds the current signing key and the retired keys still published
// so that tokens they signed keep validating until they expire. It is safe
// for concurrent use.
type KeySet struct {
	mu      sync.RWMutex
	signing *Key   // guarded by mu
	old     []*Key // guarded by mu; retired keys, newest first
}

// NewKeySet returns a set that signs with signing and publishes old too.
func NewKeySet(signing *Key, old ...*Key) *KeySet {
	ks := &KeySet{signing: signing}
	ks.old = append(ks.old, old...)
	return ks
}

// Rotate makes next the signing key. The previous signing key stays
// published (and accepted by Lookup) until retireAt, which callers set to
// now plus the longest token lifetime.
func (ks *KeySet) Rotate(next *Key, retireAt time.Time) {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	if ks.signing != nil {
		prev := *ks.signing
		prev.RetireAt = retireAt
		ks.old = append([]*Key{&prev}, ks.old...)
	}
	ks.signing = next
}

// Signing returns the current signing key or ErrNoSigningKey.
func (ks *KeySet) Signing() (*Key, error) {
	ks.mu.RLock()
	defer ks.mu.RUnlock()
	if ks.signing == nil {
		return nil, ErrNoSigningKey
	}
	return ks.signing, nil
}

// Prune drops retired keys whose RetireAt is before now.
func (ks *KeySet) Prune(now time.Time) {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	kept := ks.old[:0]
	for _, k := range ks.old {
		if k.RetireAt.IsZero() || now.Before(k.RetireAt) {
			kept = append(kept, k)
		}
	}
	ks.old = kept
}

// Lookup returns the published key with the given kid, the signing key
// included. Retired keys past RetireAt (relative to now) are not returned.
func (ks *KeySet) Lookup(kid string, now time.Time) (*Key, bool) {
	for _, k := range ks.Published(now) {
		if k.ID == kid {
			return k, true
		}
	}
	return nil, false
}

// Published lists the keys a JWKS should contain at now: the signing key
// first, then retired keys not yet past RetireAt.
func (ks *KeySet) Published(now time.Time) []*Key {
	ks.mu.RLock()
	defer ks.mu.RUnlock()
	var out []*Key
	if ks.signing != nil {
		out = append(out, ks.signing)
	}
	for _, k := range ks.old {
		if k.RetireAt.IsZero() || now.Before(k.RetireAt) {
			out = append(out, k)
		}
	}
	return out
}

// JWK is one entry of a JSON Web Key Set in Entra's shape.
type JWK struct {
	Kty    string   `json:"kty"`
	Use    string   `json:"use"`
	Kid    string   `json:"kid"`
	X5t    string   `json:"x5t"`
	N      string   `json:"n"`
	E      string   `json:"e"`
	X5c    []string `json:"x5c"`
	Issuer string   `json:"issuer,omitempty"`
}

// JWKS is the document served at the keys endpoint.
type JWKS struct {
	Keys []JWK `json:"keys"`
}

// JWKS builds the key set document at now. issuer, if not empty, is put in
// each key's "issuer" member.
func (ks *KeySet) JWKS(now time.Time, issuer string) JWKS {
	doc := JWKS{Keys: []JWK{}}
	for _, k := range ks.Published(now) {
		pub := &k.Private.PublicKey
		doc.Keys = append(doc.Keys, JWK{
			Kty:    "RSA",
			Use:    "sig",
			Kid:    k.ID,
			X5t:    k.ID,
			N:      base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
			E:      base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
			X5c:    []string{base64.StdEncoding.EncodeToString(k.Cert.Raw)},
			Issuer: issuer,
		})
	}
	return doc
}

// Publish adds k as a verification-only key (published and accepted by
// Lookup until k.RetireAt) unless a key with its kid is already known. It
// is how a replica learns the keys other replicas sign with.
func (ks *KeySet) Publish(k *Key) bool {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	if ks.signing != nil && ks.signing.ID == k.ID {
		return false
	}
	for _, o := range ks.old {
		if o.ID == k.ID {
			return false
		}
	}
	ks.old = append(ks.old, k)
	return true
}
