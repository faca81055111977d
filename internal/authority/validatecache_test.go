package authority

import (
	"context"
	"errors"
	"net/url"
	"syscall"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/authority/validate"
)

// cachedValidator is the authority's validator with the Cache the daemon
// attaches (user states kept for ttl).
func cachedValidator(e *env, ttl time.Duration) *validate.Validator {
	v := *e.a.Validator()
	v.Cache = validate.NewCache(validate.CacheConfig{UserStateTTL: ttl})
	return &v
}

func (e *env) aliceAccessToken(t testing.TB) string {
	t.Helper()
	_, m := e.tokenPost("/contoso.test/oauth2/v2.0/token", url.Values{"grant_type": {"password"}, "client_id": {ClientEXOModule},
		"username": {"alice@contoso.test"}, "password": {testPassword}, "scope": {ResourceCompliance + "/.default"}})
	at, _ := m["access_token"].(string)
	if at == "" {
		t.Fatalf("no access token: %v", m)
	}
	return at
}

// TestCachedValidatorSeesRevocationAfterTTL checks the user-state cache
// over the real store: a password reset and a disable are refused once the
// TTL has passed.
func TestCachedValidatorSeesRevocationAfterTTL(t *testing.T) {
	e := newEnv(t, nil)
	ctx := t.Context()
	v := cachedValidator(e, time.Second)
	at := e.aliceAccessToken(t)
	if _, err := v.Validate(ctx, at, validate.Options{}); err != nil {
		t.Fatal(err)
	}
	// The reset's TokensValidAfter is in whole seconds of the clock: step
	// past the token's iat second first.
	e.clock.Advance(time.Second)
	if err := e.a.ResetPassword(ctx, e.alice.ID, "N3w-password!"); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Second)
	if c, err := v.Validate(ctx, at, validate.Options{}); !errors.Is(err, validate.ErrRevoked) || c != nil {
		t.Fatalf("after reset and TTL: %v %v", c, err)
	}
	if err := e.a.SetUserEnabled(ctx, e.alice.ID, false); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Second)
	if _, err := v.Validate(ctx, at, validate.Options{}); !errors.Is(err, validate.ErrUserDisabled) {
		t.Fatalf("after disable and TTL: %v", err)
	}
}

// BenchmarkValidateWithUserLookupParallel is the remoting endpoint's
// per-request cost under concurrency, with the user state read from
// SQLite: "uncached" as the authority's validator, "cached" with the
// daemon's Cache (1 s user-state TTL).
func BenchmarkValidateWithUserLookupParallel(b *testing.B) {
	for _, cached := range []bool{false, true} {
		name := "uncached"
		if cached {
			name = "cached"
		}
		b.Run(name, func(b *testing.B) {
			e := newEnv(b, nil)
			at := e.aliceAccessToken(b)
			v := e.a.Validator()
			if cached {
				v = cachedValidator(e, time.Second)
			}
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			start := cpuTime()
			b.Cleanup(func() { b.ReportMetric(float64((cpuTime()-start).Nanoseconds())/float64(b.N), "cpu-ns/op") })
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := v.Validate(ctx, at, validate.Options{}); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// cpuTime is the process's CPU time so far (user + system): on a shared
// machine a better per-op cost than wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
