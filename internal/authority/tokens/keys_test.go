package tokens

import (
	"crypto/sha1"
	"encoding/base64"
	"math/big"
	"testing"
	"time"
)

func TestGenerateKeyThumbprintAndJWKS(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	k, err := GenerateKey(now, 24*time.Hour, 1024)
	if err != nil {
		t.Fatal(err)
	}
	if k.Private.N.BitLen() < DefaultKeyBits {
		t.Fatalf("key has %d bits, want >= %d", k.Private.N.BitLen(), DefaultKeyBits)
	}
	sum := sha1.Sum(k.Cert.Raw)
	if want := base64.RawURLEncoding.EncodeToString(sum[:]); k.ID != want {
		t.Fatalf("kid %q, want %q", k.ID, want)
	}
	ks := NewKeySet(k)
	doc := ks.JWKS(now, "https://issuer/x/")
	if len(doc.Keys) != 1 {
		t.Fatalf("%d keys", len(doc.Keys))
	}
	j := doc.Keys[0]
	n, _ := base64.RawURLEncoding.DecodeString(j.N)
	if new(big.Int).SetBytes(n).Cmp(k.Private.N) != 0 || j.E != "AQAB" || j.Kid != k.ID || j.X5t != k.ID || j.Use != "sig" {
		t.Fatalf("bad jwk %+v", j)
	}
	der, _ := base64.StdEncoding.DecodeString(j.X5c[0])
	if string(der) != string(k.Cert.Raw) {
		t.Fatal("x5c does not carry the certificate")
	}
	back, err := ParseKey(k.PrivateDER(), k.Cert.Raw)
	if err != nil || back.ID != k.ID {
		t.Fatalf("ParseKey: %v", err)
	}
	other, _ := GenerateKey(now, time.Hour, 0)
	if _, err := ParseKey(other.PrivateDER(), k.Cert.Raw); err == nil {
		t.Fatal("mismatched key and certificate accepted")
	}
}

func TestRotateKeepsOldKeyUntilRetire(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	a, _ := GenerateKey(now, time.Hour, 0)
	b, _ := GenerateKey(now, time.Hour, 0)
	ks := NewKeySet(a)
	ks.Rotate(b, now.Add(90*time.Minute))
	if s, _ := ks.Signing(); s.ID != b.ID {
		t.Fatal("rotation did not switch the signing key")
	}
	if _, ok := ks.Lookup(a.ID, now.Add(time.Hour)); !ok {
		t.Fatal("old key dropped before its tokens expire")
	}
	if got := ks.JWKS(now, ""); len(got.Keys) != 2 || got.Keys[0].Kid != b.ID {
		t.Fatalf("jwks after rotation: %+v", got.Keys)
	}
	if _, ok := ks.Lookup(a.ID, now.Add(91*time.Minute)); ok {
		t.Fatal("old key still accepted after retirement")
	}
	ks.Prune(now.Add(2 * time.Hour))
	if len(ks.Published(now)) != 1 {
		t.Fatal("prune kept a retired key")
	}
	if _, err := (&KeySet{}).Signing(); err != ErrNoSigningKey {
		t.Fatalf("empty set: %v", err)
	}
}
