package tokens

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestSignHeaderAndClaims(t *testing.T) {
	k, _ := GenerateKey(time.Now(), time.Hour, 0)
	ks := NewKeySet(k)
	raw, err := ks.Sign(AccessClaims{Aud: "https://ps.compliance.protection.outlook.com", Tid: "t", Oid: "o", Ver: Version1, Amr: []string{"pwd", "mfa"}})
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(raw, ".")
	hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
	var h map[string]string
	if err := json.Unmarshal(hb, &h); err != nil {
		t.Fatal(err)
	}
	if h["alg"] != "RS256" || h["typ"] != "JWT" || h["kid"] != k.ID || h["x5t"] != k.ID {
		t.Fatalf("header %v", h)
	}
	pb, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var c AccessClaims
	_ = json.Unmarshal(pb, &c)
	if !c.HasMFA() || c.Ver != "1.0" {
		t.Fatalf("claims %+v", c)
	}
}

func TestClientInfo(t *testing.T) {
	ci := ClientInfo("uid-1", "tid-2")
	if strings.ContainsAny(ci, "=+/") {
		t.Fatalf("client_info %q is not unpadded base64url", ci)
	}
	b, err := base64.RawURLEncoding.DecodeString(ci)
	if err != nil || string(b) != `{"uid":"uid-1","utid":"tid-2"}` {
		t.Fatalf("%s %v", b, err)
	}
}

func TestResourceFromScopes(t *testing.T) {
	cases := []struct {
		in        []string
		res, perm string
	}{
		{[]string{"https://ps.compliance.protection.outlook.com/.default", "openid", "offline_access", "profile"}, "https://ps.compliance.protection.outlook.com", "user_impersonation"},
		{[]string{"https://outlook.office365.com/AdminApi.AccessAsUser.All"}, "https://outlook.office365.com", "AdminApi.AccessAsUser.All"},
		{[]string{"openid", "profile"}, "", ""},
		{[]string{"User.Read"}, "", "User.Read"},
	}
	for _, c := range cases {
		res, perm := ResourceFromScopes(c.in, "user_impersonation")
		if res != c.res || perm != c.perm {
			t.Errorf("%v: got %q %q, want %q %q", c.in, res, perm, c.res, c.perm)
		}
	}
}
