package validate

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/authority/tokens"
)

const (
	scc    = "https://ps.compliance.protection.outlook.com"
	exo    = "https://outlook.office365.com"
	tenant = "8d5d1f2a-0000-4000-8000-000000000001"
	other  = "8d5d1f2a-0000-4000-8000-000000000002"
	user   = "00000000-0000-4000-8000-0000000000aa"
)

type users map[string]UserState

func (u users) UserState(_ context.Context, tid, oid string) (UserState, bool, error) {
	st, ok := u[tid+"/"+oid]
	return st, ok, nil
}

type fixture struct {
	keys  *tokens.KeySet
	v     *Validator
	now   time.Time
	users users
}

var testKey, otherKey *tokens.Key

func init() {
	now := time.Now()
	testKey, _ = tokens.GenerateKey(now, 24*time.Hour, 0)
	otherKey, _ = tokens.GenerateKey(now, 24*time.Hour, 0)
}

func newFixture() *fixture {
	f := &fixture{keys: tokens.NewKeySet(testKey), now: time.Unix(1_900_000_000, 0), users: users{
		tenant + "/" + user: {},
		other + "/" + user:  {},
	}}
	f.v = &Validator{
		Keys:      f.keys,
		IssuerFor: func(tid string) string { return "https://login.test/" + tid + "/" },
		Audiences: []string{scc, exo},
		Users:     f.users,
		Now:       func() time.Time { return f.now },
	}
	return f
}

func (f *fixture) claims() tokens.AccessClaims {
	return tokens.AccessClaims{
		Aud: scc, Iss: "https://login.test/" + tenant + "/", Iat: f.now.Unix(), Nbf: f.now.Unix(),
		Exp: f.now.Add(time.Hour).Unix(), Amr: []string{"pwd", "mfa"}, AppID: "a", AppIDAcr: "0",
		Oid: user, Sub: user, Tid: tenant, Upn: "admin@contoso.test", Scp: "user_impersonation", Ver: "1.0",
	}
}

func (f *fixture) sign(t testing.TB, c tokens.AccessClaims) string {
	t.Helper()
	raw, err := f.keys.Sign(c)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestValidateAccepts(t *testing.T) {
	f := newFixture()
	c, err := f.v.Validate(context.Background(), f.sign(t, f.claims()), Options{Tenant: tenant, RequireMFA: true})
	if err != nil {
		t.Fatal(err)
	}
	if c.Upn != "admin@contoso.test" {
		t.Fatalf("claims %+v", c)
	}
	exoTok := f.claims()
	exoTok.Aud = exo + "/"
	if _, err := f.v.Validate(context.Background(), f.sign(t, exoTok), Options{}); err != nil {
		t.Fatalf("exchange audience: %v", err)
	}
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func TestValidateRefuses(t *testing.T) {
	f := newFixture()
	good := f.sign(t, f.claims())
	parts := strings.Split(good, ".")
	mac := hmac.New(sha256.New, []byte("secret"))
	hsHead := b64(`{"alg":"HS256","kid":"` + testKey.ID + `"}`)
	mac.Write([]byte(hsHead + "." + parts[1]))
	hs := hsHead + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))

	wrongKey := tokens.NewKeySet(otherKey)
	forged, _ := wrongKey.Sign(f.claims())
	// Same kid as the real key, signed by another key.
	forgedHdr := b64(`{"alg":"RS256","kid":"` + testKey.ID + `","typ":"JWT"}`)
	fp := strings.Split(forged, ".")
	forgedKid := forgedHdr + "." + fp[1] + "." + fp[2]

	tampered := f.claims()
	tampered.Upn = "ceo@contoso.test"
	tp := strings.Split(f.sign(t, tampered), ".")
	tamperedTok := parts[0] + "." + tp[1] + "." + parts[2]

	mod := func(fn func(*tokens.AccessClaims)) string {
		c := f.claims()
		fn(&c)
		return f.sign(t, c)
	}
	f.users[tenant+"/disabled"] = UserState{Disabled: true}
	f.users[tenant+"/reset"] = UserState{TokensValidAfter: f.now.Add(time.Second)}

	cases := []struct {
		name string
		tok  string
		opt  Options
		want error
	}{
		{"empty", "", Options{}, ErrMalformed},
		{"garbage", "a.b.c", Options{}, ErrMalformed},
		{"alg none", b64(`{"alg":"none"}`) + "." + parts[1] + ".", Options{}, ErrAlgorithm},
		{"alg HS256", hs, Options{}, ErrAlgorithm},
		{"unknown kid", forged, Options{}, ErrUnknownKey},
		{"wrong key same kid", forgedKid, Options{}, ErrSignature},
		{"tampered payload", tamperedTok, Options{}, ErrSignature},
		{"wrong audience", mod(func(c *tokens.AccessClaims) { c.Aud = "https://graph.microsoft.com" }), Options{}, ErrAudience},
		{"wrong issuer", mod(func(c *tokens.AccessClaims) { c.Iss = "https://evil/" + tenant + "/" }), Options{}, ErrIssuer},
		{"expired", mod(func(c *tokens.AccessClaims) { c.Exp = f.now.Add(-3 * time.Minute).Unix() }), Options{}, ErrExpired},
		{"not yet valid", mod(func(c *tokens.AccessClaims) { c.Nbf = f.now.Add(5 * time.Minute).Unix() }), Options{}, ErrNotYetValid},
		{"another tenant", mod(func(c *tokens.AccessClaims) {
			c.Tid = other
			c.Iss = "https://login.test/" + other + "/"
		}), Options{Tenant: tenant}, ErrTenant},
		{"unknown user", mod(func(c *tokens.AccessClaims) { c.Oid = "ghost" }), Options{}, ErrTenant},
		{"disabled user", mod(func(c *tokens.AccessClaims) { c.Oid = "disabled" }), Options{}, ErrUserDisabled},
		{"revoked by reset", mod(func(c *tokens.AccessClaims) { c.Oid = "reset" }), Options{}, ErrRevoked},
		{"no mfa", mod(func(c *tokens.AccessClaims) { c.Amr = []string{"pwd"} }), Options{RequireMFA: true}, ErrNoMFA},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := f.v.Validate(context.Background(), tc.tok, tc.opt)
			if !errors.Is(err, tc.want) || c != nil {
				t.Fatalf("got %v (claims %v), want %v", err, c != nil, tc.want)
			}
			var ve *Error
			if !errors.As(err, &ve) {
				t.Fatalf("error %T is not *Error", err)
			}
		})
	}
	// Within skew is accepted.
	if _, err := f.v.Validate(context.Background(), mod(func(c *tokens.AccessClaims) { c.Exp = f.now.Add(-time.Minute).Unix() }), Options{}); err != nil {
		t.Fatalf("within skew: %v", err)
	}
}

func TestValidateAfterRotation(t *testing.T) {
	f := newFixture()
	tok := f.sign(t, f.claims())
	f.keys.Rotate(otherKey, f.now.Add(2*time.Hour))
	if _, err := f.v.Validate(context.Background(), tok, Options{}); err != nil {
		t.Fatalf("token signed by the retired key: %v", err)
	}
	f.now = f.now.Add(3 * time.Hour)
	if _, err := f.v.Validate(context.Background(), tok, Options{}); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("after retirement: %v", err)
	}
	f.keys.Rotate(testKey, time.Time{})
}

func FuzzValidateToken(f *testing.F) {
	fx := newFixture()
	good := fx.sign(f, fx.claims())
	f.Add(good)
	f.Add("")
	f.Add("a.b.c")
	f.Add(b64(`{"alg":"none"}`) + "." + b64(`{"tid":"x"}`) + ".")
	f.Add(b64(`{"alg":"RS256","kid":"`+testKey.ID+`"}`) + "." + b64(`{"tid":1}`) + ".AAAA")
	f.Add(good[:len(good)-3] + "abc")
	// The same validator with a cache must give the same verdict, on the
	// first call (miss) and on the second (hit when the first passed).
	cached := *fx.v
	cached.Cache = NewCache(CacheConfig{MaxTokens: 64, UserStateTTL: time.Minute})
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := fx.v.Validate(context.Background(), raw, Options{})
		if err == nil && raw != good {
			// Only the untouched token (or an equivalent re-encoding) may pass.
			if c.Upn != "admin@contoso.test" || c.Tid != tenant {
				t.Fatalf("accepted foreign token %q", raw)
			}
		}
		if err != nil && c != nil {
			t.Fatal("claims returned with an error")
		}
		for range 2 {
			cc, cerr := cached.Validate(context.Background(), raw, Options{})
			if cerr != nil && cc != nil {
				t.Fatal("cached: claims returned with an error")
			}
			if (cerr == nil) != (err == nil) || reason(cerr) != reason(err) {
				t.Fatalf("cache changed the verdict: %v, uncached %v", cerr, err)
			}
			if err == nil && !reflect.DeepEqual(*cc, *c) {
				t.Fatalf("cache changed the claims: %+v, uncached %+v", *cc, *c)
			}
		}
	})
}

// reason is the sentinel of a *Error, or nil.
func reason(err error) error {
	var ve *Error
	if errors.As(err, &ve) {
		return ve.Reason
	}
	return nil
}

func BenchmarkValidate(b *testing.B) {
	f := newFixture()
	raw := f.sign(b, f.claims())
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.v.Validate(ctx, raw, Options{Tenant: tenant}); err != nil {
			b.Fatal(err)
		}
	}
}
