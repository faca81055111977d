package psrp

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"errors"
	"testing"
)

var testKey = func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
}()

func TestPublicKeyBlob(t *testing.T) {
	blob := EncodePublicKeyBlob(&testKey.PublicKey)
	// MS-PSRP 2.2.2.3: 06 02 00 00 00 A4 00 00 'RSA1' 00 08 00 00 01 00 01 00 + 256-byte modulus.
	if want := "0602000000a40000525341310008000001000100"; hex.EncodeToString(blob[:20]) != want {
		t.Fatalf("header % x", blob[:20])
	}
	if len(blob) != 20+256 || blob[20] != testKey.N.Bytes()[255] {
		t.Fatalf("modulus not little-endian")
	}
	pub, err := DecodePublicKey(mustEncode(EncodePublicKey(&testKey.PublicKey)))
	if err != nil || !pub.Equal(&testKey.PublicKey) {
		t.Fatalf("decode: %v", err)
	}
	for _, bad := range [][]byte{nil, blob[:19], blob[:100], append([]byte{7}, blob[1:]...)} {
		if _, err := DecodePublicKeyBlob(bad); !errors.Is(err, ErrKeyBlob) {
			t.Errorf("bad blob accepted: %v", err)
		}
	}
}

func TestSessionKeyExchange(t *testing.T) {
	key, err := NewSessionKey()
	if err != nil {
		t.Fatal(err)
	}
	data, err := EncodeEncryptedSessionKey(&testKey.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeEncryptedSessionKey(testKey, data)
	if err != nil || !bytes.Equal(got, key) {
		t.Fatalf("session key %x %v", got, err)
	}
}

func TestSecureString(t *testing.T) {
	key := bytes.Repeat([]byte{0x11}, 32)
	for _, s := range []string{"", "a", "P@ssw0rd!", "exactly8", "ünïcødé 𝄞"} {
		ct, err := EncryptSecureString(key, s)
		if err != nil {
			t.Fatal(err)
		}
		if len(ct)%16 != 0 || len(ct) == 0 {
			t.Fatalf("ciphertext length %d", len(ct))
		}
		got, err := DecryptSecureString(key, ct)
		if err != nil || got != s {
			t.Fatalf("%q: %q %v", s, got, err)
		}
	}
	// Zero IV and a fresh cipher per value: equal plaintexts give equal ciphertexts.
	a, _ := EncryptSecureString(key, "same")
	b, _ := EncryptSecureString(key, "same")
	if !bytes.Equal(a, b) {
		t.Fatal("cipher not restarted per value")
	}
	// "same" in UTF-16LE is 8 bytes + 8 bytes of padding 0x08: one block.
	if len(a) != 16 {
		t.Fatal("unexpected block count")
	}
	if _, err := DecryptSecureString(key, a[:15]); !errors.Is(err, ErrSecureString) {
		t.Fatalf("short: %v", err)
	}
	if _, err := DecryptSecureString(bytes.Repeat([]byte{2}, 32), a); !errors.Is(err, ErrSecureString) {
		t.Fatalf("wrong key not detected by padding: %v", err)
	}
	if _, err := EncryptSecureString(nil, "x"); !errors.Is(err, ErrNoSessionKey) {
		t.Fatalf("nil key: %v", err)
	}
}
