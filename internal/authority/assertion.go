package authority

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/ipps/ipps/internal/storage"
)

// assertionSkew is the clock skew tolerated on client assertions.
const assertionSkew = 5 * time.Minute

// verifyClientAssertion checks a private_key_jwt client assertion the way
// Entra does: PS256 or RS256; the certificate chosen by x5t#S256 or x5t
// (standard or URL base64, padded or not); aud equal to this token
// endpoint's URL; iss = sub = client_id; exp/nbf; jti not seen before.
// Errors carry detail for the log only.
func (a *Authority) verifyClientAssertion(ctx context.Context, q *tokenRequest, app storage.Application) error {
	raw := q.get("client_assertion")
	parts := strings.Split(raw, ".")
	if len(parts) != 3 || len(raw) > 16<<10 {
		return errors.New("authority: assertion is not a compact JWS")
	}
	hb, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return fmt.Errorf("authority: assertion header: %w", err)
	}
	var hdr struct {
		Alg       string `json:"alg"`
		X5t       string `json:"x5t"`
		X5tS256   string `json:"x5t#S256"`
		KeyIDHint string `json:"kid"`
	}
	if err := json.Unmarshal(hb, &hdr); err != nil {
		return fmt.Errorf("authority: assertion header: %w", err)
	}
	if hdr.Alg != string(jose.PS256) && hdr.Alg != string(jose.RS256) {
		return fmt.Errorf("authority: assertion alg %q not allowed", hdr.Alg)
	}
	now := a.cfg.Now()
	cert, err := findCert(app.Certificates, hdr.X5t, hdr.X5tS256, now)
	if err != nil {
		return err
	}
	jws, err := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{jose.PS256, jose.RS256})
	if err != nil {
		return fmt.Errorf("authority: assertion: %w", err)
	}
	payload, err := jws.Verify(cert.PublicKey)
	if err != nil {
		return fmt.Errorf("authority: assertion signature: %w", err)
	}
	var c struct {
		Aud json.RawMessage `json:"aud"`
		Iss string          `json:"iss"`
		Sub string          `json:"sub"`
		Jti string          `json:"jti"`
		Exp int64           `json:"exp"`
		Nbf int64           `json:"nbf"`
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		return fmt.Errorf("authority: assertion claims: %w", err)
	}
	if c.Iss != app.ClientID || c.Sub != app.ClientID {
		return fmt.Errorf("authority: assertion iss/sub %q/%q", c.Iss, c.Sub)
	}
	want := a.cfg.BaseURL + q.r.URL.Path
	if !audMatches(c.Aud, want) {
		return fmt.Errorf("authority: assertion aud %s, want %s", c.Aud, want)
	}
	if c.Exp == 0 || now.After(time.Unix(c.Exp, 0).Add(assertionSkew)) {
		return errors.New("authority: assertion expired")
	}
	if c.Nbf != 0 && now.Add(assertionSkew).Before(time.Unix(c.Nbf, 0)) {
		return errors.New("authority: assertion not yet valid")
	}
	if time.Unix(c.Exp, 0).Sub(now) > 24*time.Hour {
		return errors.New("authority: assertion lifetime too long")
	}
	if c.Jti == "" {
		return errors.New("authority: assertion without jti")
	}
	fresh, err := a.store.RememberJTI(ctx, app.ClientID+"|"+c.Jti, time.Unix(c.Exp, 0).Add(assertionSkew))
	if err != nil {
		return fmt.Errorf("authority: jti cache: %w", err)
	}
	if !fresh {
		return fmt.Errorf("authority: assertion jti %q replayed", c.Jti)
	}
	return nil
}

func audMatches(raw json.RawMessage, want string) bool {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return strings.EqualFold(one, want)
	}
	var many []string
	if json.Unmarshal(raw, &many) == nil && len(many) == 1 {
		return strings.EqualFold(many[0], want)
	}
	return false
}

// decodeThumb accepts a thumbprint in standard or URL base64, padded or not.
func decodeThumb(s string) ([]byte, bool) {
	s = strings.TrimRight(s, "=")
	if b, err := base64.RawURLEncoding.DecodeString(s); err == nil {
		return b, true
	}
	if b, err := base64.RawStdEncoding.DecodeString(s); err == nil {
		return b, true
	}
	return nil, false
}

func findCert(certs []storage.Certificate, x5t, x5tS256 string, now time.Time) (*x509.Certificate, error) {
	var field func(storage.Certificate) string
	var thumb string
	switch {
	case x5tS256 != "":
		thumb, field = x5tS256, func(c storage.Certificate) string { return c.ThumbprintSHA256 }
	case x5t != "":
		thumb, field = x5t, func(c storage.Certificate) string { return c.Thumbprint }
	default:
		return nil, errors.New("authority: assertion names no certificate")
	}
	b, ok := decodeThumb(thumb)
	if !ok {
		return nil, errors.New("authority: assertion thumbprint encoding")
	}
	hexThumb := strings.ToUpper(hex.EncodeToString(b))
	for _, c := range certs {
		if !strings.EqualFold(field(c), hexThumb) {
			continue
		}
		cert, err := x509.ParseCertificate(c.DER)
		if err != nil {
			return nil, fmt.Errorf("authority: stored certificate: %w", err)
		}
		if now.After(cert.NotAfter) || now.Before(cert.NotBefore.Add(-assertionSkew)) {
			return nil, errors.New("authority: certificate outside its validity")
		}
		return cert, nil
	}
	return nil, fmt.Errorf("authority: no certificate with thumbprint %s", hexThumb)
}
