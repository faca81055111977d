package psrp

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"unicode/utf16"

	"github.com/ipps/ipps/internal/clixml"
)

// SessionKeySize is the AES-256 session key length (MS-PSRP 3.1.5.4.3).
const SessionKeySize = 32

// ErrKeyBlob is returned for a malformed CAPI key blob.
var ErrKeyBlob = errors.New("psrp: malformed key blob")

// ErrNoSessionKey is returned when SecureString data is handled before the
// key exchange completed.
var ErrNoSessionKey = errors.New("psrp: no session key")

// ErrSecureString is returned for ciphertext that does not decrypt.
var ErrSecureString = errors.New("psrp: malformed secure string")

var (
	publicKeyBlobHeader = []byte{0x06, 0x02, 0x00, 0x00, 0x00, 0xA4, 0x00, 0x00, 'R', 'S', 'A', '1'}
	simpleBlobHeader    = []byte{0x01, 0x02, 0x00, 0x00, 0x10, 0x66, 0x00, 0x00, 0x00, 0xA4, 0x00, 0x00}
)

// EncodePublicKeyBlob returns pub as a CAPI PUBLICKEYBLOB: header, "RSA1",
// bit length and exponent (u32 LE), modulus little-endian (MS-PSRP
// 2.2.2.3).
func EncodePublicKeyBlob(pub *rsa.PublicKey) []byte {
	n := (pub.N.BitLen() + 7) / 8
	b := append([]byte(nil), publicKeyBlobHeader...)
	b = binary.LittleEndian.AppendUint32(b, uint32(n*8))
	b = binary.LittleEndian.AppendUint32(b, uint32(pub.E))
	mod := pub.N.FillBytes(make([]byte, n))
	slices.Reverse(mod)
	return append(b, mod...)
}

// DecodePublicKeyBlob parses a CAPI PUBLICKEYBLOB.
func DecodePublicKeyBlob(b []byte) (*rsa.PublicKey, error) {
	if len(b) < 20 || !slices.Equal(b[:12], publicKeyBlobHeader) {
		return nil, fmt.Errorf("%w: bad PUBLICKEYBLOB header", ErrKeyBlob)
	}
	bits := binary.LittleEndian.Uint32(b[12:16])
	exp := binary.LittleEndian.Uint32(b[16:20])
	if bits < 1024 || bits > 16384 || bits%8 != 0 || len(b) != 20+int(bits/8) || exp < 3 || exp > 1<<31-1 {
		return nil, fmt.Errorf("%w: bad key size %d or exponent %d", ErrKeyBlob, bits, exp)
	}
	mod := slices.Clone(b[20:])
	slices.Reverse(mod)
	return &rsa.PublicKey{N: new(big.Int).SetBytes(mod), E: int(exp)}, nil
}

// EncodePublicKey encodes PUBLIC_KEY data: MS{S PublicKey = base64 blob}.
func EncodePublicKey(pub *rsa.PublicKey) ([]byte, error) {
	return marshal(msObject(prop("PublicKey", base64.StdEncoding.EncodeToString(EncodePublicKeyBlob(pub)))))
}

// DecodePublicKey decodes PUBLIC_KEY data.
func DecodePublicKey(data []byte) (*rsa.PublicKey, error) {
	o, err := decodeObject(MsgPublicKey, data)
	if err != nil {
		return nil, err
	}
	f := fields{t: MsgPublicKey, o: o}
	s := f.str("PublicKey", true)
	if f.err != nil {
		return nil, f.err
	}
	blob, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, &PayloadError{Type: MsgPublicKey, Field: "PublicKey", Err: err}
	}
	return DecodePublicKeyBlob(blob)
}

// NewSessionKey returns a random AES-256 session key.
func NewSessionKey() ([]byte, error) {
	k := make([]byte, SessionKeySize)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("psrp: session key: %w", err)
	}
	return k, nil
}

// EncodeEncryptedSessionKey encrypts key for pub (RSA PKCS#1 v1.5),
// reverses the ciphertext to CAPI's little-endian order and wraps it in a
// SIMPLEBLOB, returning ENCRYPTED_SESSION_KEY data (MS-PSRP 2.2.2.4).
func EncodeEncryptedSessionKey(pub *rsa.PublicKey, key []byte) ([]byte, error) {
	ct, err := rsa.EncryptPKCS1v15(rand.Reader, pub, key)
	if err != nil {
		return nil, fmt.Errorf("psrp: encrypt session key: %w", err)
	}
	slices.Reverse(ct)
	blob := append(slices.Clone(simpleBlobHeader), ct...)
	return marshal(msObject(prop("EncryptedSessionKey", base64.StdEncoding.EncodeToString(blob))))
}

// DecodeEncryptedSessionKey decrypts ENCRYPTED_SESSION_KEY data with priv.
func DecodeEncryptedSessionKey(priv *rsa.PrivateKey, data []byte) ([]byte, error) {
	o, err := decodeObject(MsgEncryptedSessionKey, data)
	if err != nil {
		return nil, err
	}
	f := fields{t: MsgEncryptedSessionKey, o: o}
	s := f.str("EncryptedSessionKey", true)
	if f.err != nil {
		return nil, f.err
	}
	blob, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(blob) <= len(simpleBlobHeader) || !slices.Equal(blob[:len(simpleBlobHeader)], simpleBlobHeader) {
		return nil, fmt.Errorf("%w: bad SIMPLEBLOB", ErrKeyBlob)
	}
	ct := slices.Clone(blob[len(simpleBlobHeader):])
	slices.Reverse(ct)
	key, err := rsa.DecryptPKCS1v15(nil, priv, ct)
	if err != nil {
		return nil, fmt.Errorf("psrp: decrypt session key: %w", err)
	}
	if len(key) != SessionKeySize {
		return nil, fmt.Errorf("%w: session key of %d bytes", ErrKeyBlob, len(key))
	}
	return key, nil
}

// EncryptSecureString encrypts plain as a <SS> value: UTF-16LE, PKCS#7
// padded, AES-256-CBC with an all-zero IV restarted per value (MS-PSRP
// 2.2.5.1.24).
func EncryptSecureString(key []byte, plain string) (clixml.SecureString, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoSessionKey, err)
	}
	u := utf16.Encode([]rune(plain))
	pt := make([]byte, 0, 2*len(u)+aes.BlockSize)
	for _, c := range u {
		pt = binary.LittleEndian.AppendUint16(pt, c)
	}
	pad := aes.BlockSize - len(pt)%aes.BlockSize
	for range pad {
		pt = append(pt, byte(pad))
	}
	cipher.NewCBCEncrypter(block, make([]byte, aes.BlockSize)).CryptBlocks(pt, pt)
	return clixml.SecureString(pt), nil
}

// DecryptSecureString reverses EncryptSecureString.
func DecryptSecureString(key []byte, ss clixml.SecureString) (string, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrNoSessionKey, err)
	}
	if len(ss) == 0 || len(ss)%aes.BlockSize != 0 {
		return "", fmt.Errorf("%w: length %d", ErrSecureString, len(ss))
	}
	pt := make([]byte, len(ss))
	cipher.NewCBCDecrypter(block, make([]byte, aes.BlockSize)).CryptBlocks(pt, ss)
	pad := int(pt[len(pt)-1])
	if pad < 1 || pad > aes.BlockSize || (len(pt)-pad)%2 != 0 {
		return "", fmt.Errorf("%w: bad padding", ErrSecureString)
	}
	for _, b := range pt[len(pt)-pad:] {
		if int(b) != pad {
			return "", fmt.Errorf("%w: bad padding", ErrSecureString)
		}
	}
	pt = pt[:len(pt)-pad]
	u := make([]uint16, len(pt)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(pt[2*i:])
	}
	return string(utf16.Decode(u)), nil
}
