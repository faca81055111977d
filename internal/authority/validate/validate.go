// Package validate checks the bearer tokens that the remoting endpoint
// receives. It verifies an RS256 signature against the authority's key set
// (in process, no network fetch), the issuer, the audience, the validity
// window with a small skew, the tenant, and the user's current state
// (disabled, or tokens revoked by a password reset).
//
// A Validator with a Cache skips the signature check for a token it
// accepted before and reuses user states for a short TTL; every other
// check still runs on each call (see Cache).
package validate

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/ipps/ipps/internal/authority/tokens"
)

// Sentinel reasons. Every error returned by Validate is a *Error whose
// Reason is one of these, so callers branch with errors.Is.
var (
	ErrMalformed    = errors.New("validate: malformed token")
	ErrAlgorithm    = errors.New("validate: algorithm not allowed")
	ErrUnknownKey   = errors.New("validate: unknown signing key")
	ErrSignature    = errors.New("validate: bad signature")
	ErrIssuer       = errors.New("validate: wrong issuer")
	ErrAudience     = errors.New("validate: wrong audience")
	ErrExpired      = errors.New("validate: token expired")
	ErrNotYetValid  = errors.New("validate: token not yet valid")
	ErrTenant       = errors.New("validate: wrong tenant")
	ErrUserDisabled = errors.New("validate: user disabled")
	ErrRevoked      = errors.New("validate: token revoked")
	ErrNoMFA        = errors.New("validate: multi-factor authentication required")
)

// Error is a validation failure: Reason is a sentinel above, Detail is for
// logs only and must not be shown to the caller.
type Error struct {
	Reason error
	Detail string
}

func (e *Error) Error() string {
	if e.Detail == "" {
		return e.Reason.Error()
	}
	return e.Reason.Error() + ": " + e.Detail
}

// Unwrap returns the sentinel reason.
func (e *Error) Unwrap() error { return e.Reason }

func fail(reason error, format string, args ...any) error {
	return &Error{Reason: reason, Detail: fmt.Sprintf(format, args...)}
}

// KeySource finds the public key for a kid at a given time.
type KeySource interface {
	Lookup(kid string, now time.Time) (*tokens.Key, bool)
}

// UserState is what the validator needs to know about a token's subject.
type UserState struct {
	Disabled bool
	// TokensValidAfter revokes every token issued before it (password
	// reset, sign-out everywhere). Zero means no revocation.
	TokensValidAfter time.Time
}

// UserLookup reports the current state of user oid in tenant tid. It returns
// found=false for an unknown user or tenant.
type UserLookup interface {
	UserState(ctx context.Context, tid, oid string) (state UserState, found bool, err error)
}

// Validator checks access tokens. Keys and IssuerFor are required; the
// zero Skew means DefaultSkew. Users may be nil for app-only deployments,
// in which case user state is not checked. Cache may be nil (no caching).
// The fields must not change once Validate is in use. A copy of a
// Validator shares its Cache; a copy with another Users needs its own
// Cache (or none), since the cached user states came from Users.
type Validator struct {
	Keys KeySource
	// IssuerFor returns the exact iss expected for tenant id tid.
	IssuerFor func(tid string) string
	// Audiences lists the accepted aud values (resource URIs or client ids).
	Audiences []string
	Users     UserLookup
	Skew      time.Duration
	Now       func() time.Time
	// Cache, if not nil, skips the signature check for tokens that
	// validated before and reuses recent user states; see Cache for what
	// is still checked on every call.
	Cache *Cache
}

// DefaultSkew is the clock skew tolerated on exp and nbf.
const DefaultSkew = 2 * time.Minute

// maxTokenLen bounds the raw tokens Validate looks at (Entra's are < 4 KiB).
const maxTokenLen = 16 << 10

// Options narrow one validation.
type Options struct {
	// Tenant, if set, is the only tid accepted.
	Tenant string
	// RequireMFA refuses user tokens without "mfa" in amr.
	RequireMFA bool
}

// Validate parses raw and returns its claims if every check passes. It
// never returns claims together with an error. The claims are the
// caller's own: with a Cache they are a copy, so mutating them does not
// affect other callers.
func (v *Validator) Validate(ctx context.Context, raw string, opt Options) (*tokens.AccessClaims, error) {
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	if len(raw) > maxTokenLen {
		return nil, fail(ErrMalformed, "token too long")
	}
	var key tokenKey
	if v.Cache != nil && v.Cache.tokens != nil {
		key = keyOf(raw)
		if c, ok := v.Cache.verified(key, v.Keys, now); ok {
			if err := v.check(ctx, c, opt, now); err != nil {
				return nil, err
			}
			return c, nil
		}
	}
	c, kid, pub, err := v.verify(raw, now)
	if err != nil {
		return nil, err
	}
	if err := v.check(ctx, c, opt, now); err != nil {
		return nil, err
	}
	v.Cache.remember(key, c, kid, pub, now)
	return c, nil
}

// verify checks raw's algorithm and signature and decodes its claims. It
// returns the kid and public key that verified the signature.
func (v *Validator) verify(raw string, now time.Time) (*tokens.AccessClaims, string, *rsa.PublicKey, error) {
	hdr, err := parseHeader(raw)
	if err != nil {
		return nil, "", nil, err
	}
	if hdr.Alg != string(jose.RS256) {
		return nil, "", nil, fail(ErrAlgorithm, "alg %q", hdr.Alg)
	}
	key, ok := v.Keys.Lookup(hdr.Kid, now)
	if !ok {
		return nil, "", nil, fail(ErrUnknownKey, "kid %q", hdr.Kid)
	}
	jws, err := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return nil, "", nil, fail(ErrMalformed, "%v", err)
	}
	pub := &key.Private.PublicKey
	payload, err := jws.Verify(pub)
	if err != nil {
		return nil, "", nil, fail(ErrSignature, "%v", err)
	}
	var c tokens.AccessClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, "", nil, fail(ErrMalformed, "claims: %v", err)
	}
	if c.Tid == "" || c.Oid == "" {
		return nil, "", nil, fail(ErrMalformed, "missing tid or oid")
	}
	return &c, hdr.Kid, pub, nil
}

// check runs every check on verified claims c that does not need the
// signature: issuer, audience, the validity window at now, opt, and the
// user's state. It runs on every Validate, cached or not.
func (v *Validator) check(ctx context.Context, c *tokens.AccessClaims, opt Options, now time.Time) error {
	skew := v.Skew
	if skew == 0 {
		skew = DefaultSkew
	}
	if want := v.IssuerFor(c.Tid); c.Iss != want {
		return fail(ErrIssuer, "iss %q, want %q", c.Iss, want)
	}
	if !v.audienceOK(c.Aud) {
		return fail(ErrAudience, "aud %q", c.Aud)
	}
	if c.Exp == 0 || now.After(time.Unix(c.Exp, 0).Add(skew)) {
		return fail(ErrExpired, "exp %d, now %d", c.Exp, now.Unix())
	}
	if c.Nbf != 0 && now.Add(skew).Before(time.Unix(c.Nbf, 0)) {
		return fail(ErrNotYetValid, "nbf %d, now %d", c.Nbf, now.Unix())
	}
	if opt.Tenant != "" && !strings.EqualFold(opt.Tenant, c.Tid) {
		return fail(ErrTenant, "tid %q, want %q", c.Tid, opt.Tenant)
	}
	userToken := c.Scp != "" || c.Upn != ""
	if opt.RequireMFA && userToken && !c.HasMFA() {
		return fail(ErrNoMFA, "amr %v", c.Amr)
	}
	if v.Users == nil || !userToken {
		return nil
	}
	st, found, err := v.Cache.userState(ctx, v.Users, c.Tid, c.Oid, now)
	if err != nil {
		return fmt.Errorf("validate: user lookup: %w", err)
	}
	if !found {
		return fail(ErrTenant, "user %s not in tenant %s", c.Oid, c.Tid)
	}
	if st.Disabled {
		return fail(ErrUserDisabled, "user %s", c.Oid)
	}
	// iat has whole seconds: a token from the same second as the
	// revocation is refused too.
	if !st.TokensValidAfter.IsZero() && time.Unix(c.Iat, 0).Before(st.TokensValidAfter) {
		return fail(ErrRevoked, "iat %d before %d", c.Iat, st.TokensValidAfter.Unix())
	}
	return nil
}

func (v *Validator) audienceOK(aud string) bool {
	for _, a := range v.Audiences {
		if strings.TrimSuffix(a, "/") == strings.TrimSuffix(aud, "/") {
			return true
		}
	}
	return false
}

type header struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
}

// parseHeader decodes the JOSE header without trusting it, so that "none"
// and HS* tokens get ErrAlgorithm rather than a parse error.
func parseHeader(raw string) (header, error) {
	var h header // raw is at most maxTokenLen long: Validate checked
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return h, fail(ErrMalformed, "%d segments", len(parts))
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return h, fail(ErrMalformed, "header encoding: %v", err)
	}
	if err := json.Unmarshal(b, &h); err != nil {
		return h, fail(ErrMalformed, "header json: %v", err)
	}
	return h, nil
}
