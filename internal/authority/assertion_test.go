package authority

import (
	"encoding/base64"
	"encoding/json"
	"testing"
)

func TestThumbprintEncodingsAndAudience(t *testing.T) {
	raw := []byte{0xfb, 0xff, 0x01, 0x02, 0x03}
	for _, enc := range []string{
		base64.StdEncoding.EncodeToString(raw), base64.RawStdEncoding.EncodeToString(raw),
		base64.URLEncoding.EncodeToString(raw), base64.RawURLEncoding.EncodeToString(raw),
	} {
		got, ok := decodeThumb(enc)
		if !ok || string(got) != string(raw) {
			t.Errorf("%q: %x %v", enc, got, ok)
		}
	}
	if _, ok := decodeThumb("***"); ok {
		t.Error("garbage decoded")
	}
	want := "https://login.test/t/oauth2/v2.0/token"
	for in, ok := range map[string]bool{
		`"https://login.test/t/oauth2/v2.0/token"`:                  true,
		`"HTTPS://LOGIN.TEST/t/oauth2/v2.0/token"`:                  true,
		`["https://login.test/t/oauth2/v2.0/token"]`:                true,
		`["https://login.test/t/oauth2/v2.0/token","https://evil"]`: false,
		`"https://login.test/common/oauth2/v2.0/token"`:             false,
		`42`: false,
	} {
		if audMatches(json.RawMessage(in), want) != ok {
			t.Errorf("aud %s", in)
		}
	}
}
