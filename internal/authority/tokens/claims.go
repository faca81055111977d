package tokens

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/go-jose/go-jose/v4"
)

// Version1 is the "ver" claim of the v1 access tokens this authority issues.
const Version1 = "1.0"

// AccessClaims is the payload of a v1 access token, in the shape of Entra's
// access-token claims reference. Scp is set for user tokens, Roles for
// application tokens. Amr contains "mfa" only after a second factor.
type AccessClaims struct {
	Aud        string   `json:"aud"`
	Iss        string   `json:"iss"`
	Iat        int64    `json:"iat"`
	Nbf        int64    `json:"nbf"`
	Exp        int64    `json:"exp"`
	Acr        string   `json:"acr,omitempty"`
	Amr        []string `json:"amr,omitempty"`
	AppID      string   `json:"appid"`
	AppIDAcr   string   `json:"appidacr"`
	Name       string   `json:"name,omitempty"`
	Oid        string   `json:"oid"`
	Sub        string   `json:"sub"`
	Tid        string   `json:"tid"`
	Upn        string   `json:"upn,omitempty"`
	UniqueName string   `json:"unique_name,omitempty"`
	IPAddr     string   `json:"ipaddr,omitempty"`
	Scp        string   `json:"scp,omitempty"`
	Roles      []string `json:"roles,omitempty"`
	Uti        string   `json:"uti"`
	Ver        string   `json:"ver"`
}

// HasMFA reports whether the token records a second factor.
func (c *AccessClaims) HasMFA() bool {
	for _, m := range c.Amr {
		if m == "mfa" {
			return true
		}
	}
	return false
}

// IDClaims is the payload of a v2.0 id_token.
type IDClaims struct {
	Aud               string `json:"aud"`
	Iss               string `json:"iss"`
	Iat               int64  `json:"iat"`
	Nbf               int64  `json:"nbf"`
	Exp               int64  `json:"exp"`
	Name              string `json:"name,omitempty"`
	Nonce             string `json:"nonce,omitempty"`
	Oid               string `json:"oid"`
	PreferredUsername string `json:"preferred_username,omitempty"`
	Sub               string `json:"sub"`
	Tid               string `json:"tid"`
	Uti               string `json:"uti"`
	Ver               string `json:"ver"`
}

// Sign serialises claims as a compact RS256 JWS signed by the set's current
// key, with "typ":"JWT", "kid" and "x5t" headers.
func (ks *KeySet) Sign(claims any) (string, error) {
	k, err := ks.Signing()
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("tokens: marshal claims: %w", err)
	}
	opts := (&jose.SignerOptions{}).WithType("JWT").
		WithHeader("kid", k.ID).WithHeader("x5t", k.ID)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: k.Private}, opts)
	if err != nil {
		return "", fmt.Errorf("tokens: signer: %w", err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("tokens: sign: %w", err)
	}
	return jws.CompactSerialize()
}

// ClientInfo encodes the client_info value MSAL reads: base64url without
// padding of {"uid":oid,"utid":tid}.
func ClientInfo(oid, tid string) string {
	b, _ := json.Marshal(struct {
		UID  string `json:"uid"`
		UTID string `json:"utid"`
	}{oid, tid})
	return base64.RawURLEncoding.EncodeToString(b)
}

// ResourceFromScopes splits v2 scopes into the resource (audience) and the
// scp value. "https://res/.default" and "https://res/user_impersonation"
// both yield resource "https://res"; OIDC scopes (openid, profile, email,
// offline_access) are dropped. The returned scp is space separated; for
// ".default" it is defaultScp.
func ResourceFromScopes(scopes []string, defaultScp string) (resource, scp string) {
	var perms []string
	for _, s := range scopes {
		switch s {
		case "openid", "profile", "email", "offline_access", "":
			continue
		}
		i := strings.LastIndex(s, "/")
		if i <= 0 || !strings.Contains(s, "://") && !strings.HasPrefix(s, "api:") && !isGUIDLike(s[:i]) {
			perms = append(perms, s)
			continue
		}
		if resource == "" {
			resource = s[:i]
		}
		p := s[i+1:]
		if p == ".default" {
			p = defaultScp
		}
		if p != "" {
			perms = append(perms, p)
		}
	}
	return resource, strings.Join(perms, " ")
}

func isGUIDLike(s string) bool { return len(s) == 36 && strings.Count(s, "-") == 4 }
