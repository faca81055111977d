package wsman

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"testing"
)

// decodeBase64Ref is decodeBase64 as it was before its fast path: clean,
// then decode.
func decodeBase64Ref(what string, text []byte) ([]byte, error) {
	clean := make([]byte, 0, len(text))
	for _, c := range text {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			clean = append(clean, c)
		}
	}
	out := make([]byte, base64.StdEncoding.DecodedLen(len(clean)))
	n, err := base64.StdEncoding.Decode(out, clean)
	if err != nil {
		return nil, fmt.Errorf("%w in %s: %w", ErrBadBase64, what, err)
	}
	return out[:n], nil
}

// checkBase64 asserts decodeBase64 gives decodeBase64Ref's bytes or error,
// and appendBase64 encoding/base64's text.
func checkBase64(t *testing.T, text []byte) {
	if got, want := appendBase64([]byte("x"), text), base64.StdEncoding.AppendEncode([]byte("x"), text); !bytes.Equal(got, want) {
		t.Fatalf("appendBase64(%q) = %q, want %q", text, got, want)
	}
	got, err := decodeBase64("Stream", text)
	want, wantErr := decodeBase64Ref("Stream", text)
	if !sameError(err, wantErr) || !bytes.Equal(got, want) {
		t.Fatalf("decodeBase64(%q) = %q, %v; want %q, %v", text, got, err, want, wantErr)
	}
}

func TestBase64(t *testing.T) {
	all := make([]byte, 300)
	for i := range all {
		all[i] = byte(i * 37)
	}
	for n := range all {
		checkBase64(t, all[:n])
	}
	for _, s := range []string{"", "QUJD", "QU\r\nJD", "QU JD", "QUJ\tD\n", "QQ==", "QQ=\n=", "QQ= =", "QQ", "Q", "@@@=", "QUJD QUJD", "QUJD=", " QQ==\r\n"} {
		checkBase64(t, []byte(s))
	}
}
