package validate

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/authority/tokens"
)

// countingUsers is a UserLookup safe for concurrent use that counts reads.
type countingUsers struct {
	mu    sync.Mutex
	m     users // guarded by mu
	reads atomic.Int64
}

func (u *countingUsers) UserState(_ context.Context, tid, oid string) (UserState, bool, error) {
	u.reads.Add(1)
	u.mu.Lock()
	defer u.mu.Unlock()
	st, ok := u.m[tid+"/"+oid]
	return st, ok, nil
}

func (u *countingUsers) set(tid, oid string, st UserState) {
	u.mu.Lock()
	u.m[tid+"/"+oid] = st
	u.mu.Unlock()
}

// countingKeys is a KeySource over a kid → key map that counts lookups.
type countingKeys struct {
	mu      sync.Mutex
	m       map[string]*tokens.Key // guarded by mu
	lookups atomic.Int64
}

func (k *countingKeys) Lookup(kid string, _ time.Time) (*tokens.Key, bool) {
	k.lookups.Add(1)
	k.mu.Lock()
	defer k.mu.Unlock()
	key, ok := k.m[kid]
	return key, ok
}

// newCachedFixture is newFixture with a Cache (user states kept for ttl)
// and a counting UserLookup.
func newCachedFixture(cfg CacheConfig) (*fixture, *countingUsers) {
	f := newFixture()
	cu := &countingUsers{m: f.users}
	f.v.Users = cu
	f.v.Cache = NewCache(cfg)
	return f, cu
}

func TestCacheHitReturnsPrivateCopy(t *testing.T) {
	f, cu := newCachedFixture(CacheConfig{UserStateTTL: time.Second})
	ctx := context.Background()
	c := f.claims()
	c.Roles = []string{"r1"}
	raw := f.sign(t, c)
	first, err := f.v.Validate(ctx, raw, Options{Tenant: tenant, RequireMFA: true})
	if err != nil {
		t.Fatal(err)
	}
	if n := f.v.Cache.tokens.count(); n != 1 {
		t.Fatalf("%d cached tokens, want 1", n)
	}
	first.Roles[0], first.Amr[0] = "mutated", "mutated"
	first.Upn = "mutated"
	second, err := f.v.Validate(ctx, raw, Options{Tenant: tenant, RequireMFA: true})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*second, c) {
		t.Fatalf("cached claims %+v, want %+v", *second, c)
	}
	second.Roles[0] = "mutated again"
	if third, _ := f.v.Validate(ctx, raw, Options{}); third.Roles[0] != "r1" {
		t.Fatalf("callers share the cached claims: %v", third.Roles)
	}
	if n := cu.reads.Load(); n != 1 {
		t.Fatalf("%d user lookups within the TTL, want 1", n)
	}
}

func TestCacheHitSkipsSignature(t *testing.T) {
	f, _ := newCachedFixture(CacheConfig{})
	// An entry planted under a string that is no JWS at all: only a hit
	// can accept it, so accepting it proves the hit does not re-verify.
	c := f.claims()
	raw := "not.a.jws"
	f.v.Cache.remember(keyOf(raw), &c, testKey.ID, &testKey.Private.PublicKey, f.now)
	got, err := f.v.Validate(context.Background(), raw, Options{})
	if err != nil || got.Upn != c.Upn {
		t.Fatalf("hit: %v %v", got, err)
	}
	// The claim checks still run on a hit.
	if _, err := f.v.Validate(context.Background(), raw, Options{Tenant: other}); !errors.Is(err, ErrTenant) {
		t.Fatalf("tenant option on a hit: %v", err)
	}
	f.v.Audiences = []string{exo}
	if _, err := f.v.Validate(context.Background(), raw, Options{}); !errors.Is(err, ErrAudience) {
		t.Fatalf("audience on a hit: %v", err)
	}
}

func TestCacheExpiredTokenRefused(t *testing.T) {
	f, _ := newCachedFixture(CacheConfig{})
	ctx := context.Background()
	raw := f.sign(t, f.claims()) // exp = now + 1h
	if _, err := f.v.Validate(ctx, raw, Options{}); err != nil {
		t.Fatal(err)
	}
	// Past exp but within the skew: the entry is dead, the full path
	// still accepts, and nothing is cached again.
	f.now = f.now.Add(time.Hour + time.Minute)
	if _, err := f.v.Validate(ctx, raw, Options{}); err != nil {
		t.Fatalf("within skew: %v", err)
	}
	if n := f.v.Cache.tokens.count(); n != 0 {
		t.Fatalf("%d entries after exp, want 0", n)
	}
	f.now = f.now.Add(2 * time.Minute)
	if c, err := f.v.Validate(ctx, raw, Options{}); !errors.Is(err, ErrExpired) || c != nil {
		t.Fatalf("expired: %v %v", c, err)
	}
}

func TestCacheRetiredKeyRefused(t *testing.T) {
	f, _ := newCachedFixture(CacheConfig{})
	ctx := context.Background()
	c := f.claims()
	c.Exp = f.now.Add(4 * time.Hour).Unix()
	raw := f.sign(t, c)
	if _, err := f.v.Validate(ctx, raw, Options{}); err != nil {
		t.Fatal(err)
	}
	f.keys.Rotate(otherKey, f.now.Add(time.Hour))
	if _, err := f.v.Validate(ctx, raw, Options{}); err != nil {
		t.Fatalf("before the old key retires: %v", err)
	}
	f.now = f.now.Add(2 * time.Hour)
	if got, err := f.v.Validate(ctx, raw, Options{}); !errors.Is(err, ErrUnknownKey) || got != nil {
		t.Fatalf("cached token of a retired key: %v %v", got, err)
	}
}

func TestCacheKidWithAnotherKey(t *testing.T) {
	f, _ := newCachedFixture(CacheConfig{})
	ks := &countingKeys{m: map[string]*tokens.Key{testKey.ID: testKey}}
	f.v.Keys = ks
	ctx := context.Background()
	raw := f.sign(t, f.claims())
	for range 3 {
		if _, err := f.v.Validate(ctx, raw, Options{}); err != nil {
			t.Fatal(err)
		}
	}
	if n := ks.lookups.Load(); n != 3 {
		t.Fatalf("%d key lookups for 3 calls: a hit must re-check the kid", n)
	}
	// The kid now names another key: the cached entry must not vouch for
	// the signature, and the full check refuses it.
	imposter := *otherKey
	imposter.ID = testKey.ID
	ks.mu.Lock()
	ks.m[testKey.ID] = &imposter
	ks.mu.Unlock()
	if _, err := f.v.Validate(ctx, raw, Options{}); !errors.Is(err, ErrSignature) {
		t.Fatalf("kid bound to another key: %v", err)
	}
}

func TestCacheTamperedTokenMisses(t *testing.T) {
	f, _ := newCachedFixture(CacheConfig{})
	ctx := context.Background()
	raw := f.sign(t, f.claims())
	if _, err := f.v.Validate(ctx, raw, Options{}); err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(raw, ".")
	evil := f.claims()
	evil.Upn = "ceo@contoso.test"
	ep := strings.Split(f.sign(t, evil), ".")
	flip := func(s string, i int) string {
		b := []byte(s)
		b[i] ^= 1
		return string(b)
	}
	for name, tok := range map[string]string{
		"payload swapped":   parts[0] + "." + ep[1] + "." + parts[2],
		"signature flipped": parts[0] + "." + parts[1] + "." + flip(parts[2], 10),
		"header flipped":    flip(parts[0], 3) + "." + parts[1] + "." + parts[2],
		"trailing space":    raw + " ",
		"truncated":         raw[:len(raw)-1],
	} {
		if c, err := f.v.Validate(ctx, tok, Options{}); err == nil || c != nil {
			t.Errorf("%s: accepted %+v", name, c)
		}
	}
	if n := f.v.Cache.tokens.count(); n != 1 {
		t.Fatalf("%d cached tokens: failures must not be cached", n)
	}
}

func TestCacheUserStateTTL(t *testing.T) {
	f, cu := newCachedFixture(CacheConfig{UserStateTTL: time.Second})
	ctx := context.Background()
	raw := f.sign(t, f.claims())
	if _, err := f.v.Validate(ctx, raw, Options{}); err != nil {
		t.Fatal(err)
	}
	cu.set(tenant, user, UserState{Disabled: true})
	// Within the TTL the old state may still be used (the contract)...
	f.now = f.now.Add(999 * time.Millisecond)
	if _, err := f.v.Validate(ctx, raw, Options{}); err != nil {
		t.Fatalf("within the TTL: %v", err)
	}
	// ...and once it has passed the change is seen.
	f.now = f.now.Add(time.Millisecond)
	if c, err := f.v.Validate(ctx, raw, Options{}); !errors.Is(err, ErrUserDisabled) || c != nil {
		t.Fatalf("disabled user after the TTL: %v %v", c, err)
	}
	cu.set(tenant, user, UserState{TokensValidAfter: f.now})
	f.now = f.now.Add(time.Second)
	if _, err := f.v.Validate(ctx, raw, Options{}); !errors.Is(err, ErrRevoked) {
		t.Fatalf("revoked token after the TTL: %v", err)
	}
	// A clock that goes backwards does not stretch an entry's life.
	cu.set(tenant, user, UserState{})
	f.now = f.now.Add(-10 * time.Second)
	if _, err := f.v.Validate(ctx, raw, Options{}); err != nil {
		t.Fatalf("after the clock went back: %v", err)
	}
}

func TestCacheUserStateTTLZeroReadsEveryTime(t *testing.T) {
	f, cu := newCachedFixture(CacheConfig{})
	ctx := context.Background()
	raw := f.sign(t, f.claims())
	if _, err := f.v.Validate(ctx, raw, Options{}); err != nil {
		t.Fatal(err)
	}
	cu.set(tenant, user, UserState{Disabled: true})
	if _, err := f.v.Validate(ctx, raw, Options{}); !errors.Is(err, ErrUserDisabled) {
		t.Fatalf("TTL 0 must read the user state on every call: %v", err)
	}
	if n := cu.reads.Load(); n != 2 {
		t.Fatalf("%d reads, want 2", n)
	}
}

type failingUsers struct{ calls atomic.Int64 }

func (u *failingUsers) UserState(context.Context, string, string) (UserState, bool, error) {
	u.calls.Add(1)
	return UserState{}, false, errors.New("database is down")
}

func TestCacheUserLookupErrorNotCached(t *testing.T) {
	f, _ := newCachedFixture(CacheConfig{UserStateTTL: time.Hour})
	fu := &failingUsers{}
	f.v.Users = fu
	raw := f.sign(t, f.claims())
	for range 2 {
		if c, err := f.v.Validate(context.Background(), raw, Options{}); err == nil || c != nil {
			t.Fatalf("lookup error: %v %v", c, err)
		}
	}
	if fu.calls.Load() != 2 || f.v.Cache.users.count() != 0 || f.v.Cache.tokens.count() != 0 {
		t.Fatalf("an error was cached: %d calls, %d users, %d tokens", fu.calls.Load(), f.v.Cache.users.count(), f.v.Cache.tokens.count())
	}
}

func TestCacheBounded(t *testing.T) {
	const max = 8
	f, cu := newCachedFixture(CacheConfig{MaxTokens: max, UserStateTTL: time.Hour, MaxUserStates: max})
	ctx := context.Background()
	for i := range 10 * max {
		c := f.claims()
		c.Oid = "u" + string(rune('a'+i%26)) + strings.Repeat("x", i/26)
		cu.set(tenant, c.Oid, UserState{})
		if _, err := f.v.Validate(ctx, f.sign(t, c), Options{}); err != nil {
			t.Fatal(err)
		}
		if n := f.v.Cache.tokens.count(); n > max {
			t.Fatalf("after %d tokens the cache holds %d > %d", i+1, n, max)
		}
		if n := f.v.Cache.users.count(); n > max {
			t.Fatalf("after %d users the cache holds %d > %d", i+1, n, max)
		}
	}
}

func TestCacheConcurrent(t *testing.T) {
	f, cu := newCachedFixture(CacheConfig{MaxTokens: 4, UserStateTTL: time.Millisecond, MaxUserStates: 4})
	f.v.Now = time.Now // real clock: user states expire while the test runs
	now := time.Now()
	var raws []string
	for i := range 8 {
		c := f.claims()
		c.Iat, c.Nbf, c.Exp = now.Unix(), now.Unix(), now.Add(time.Hour).Unix()
		c.Roles = []string{"r"}
		c.Uti = string(rune('a' + i))
		raws = append(raws, f.sign(t, c))
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				c, err := f.v.Validate(context.Background(), raws[(g+i)%len(raws)], Options{Tenant: tenant})
				if err != nil {
					t.Error(err)
					return
				}
				if c.Roles[0] != "r" {
					t.Errorf("claims shared between callers: %v", c.Roles)
					return
				}
				c.Roles[0] = "mine"
				c.Roles = append(c.Roles, "more")
			}
		})
	}
	wg.Wait()
	if cu.reads.Load() == 0 {
		t.Fatal("no user lookups")
	}
}

// blockingUsers counts lookups and holds each until released.
type blockingUsers struct {
	calls   atomic.Int64
	release chan struct{}
}

func (b *blockingUsers) UserState(ctx context.Context, tid, oid string) (UserState, bool, error) {
	b.calls.Add(1)
	<-b.release
	return UserState{}, true, nil
}

// Concurrent lookups of one user whose entry is missing share one query.
func TestCacheMergesConcurrentUserLookups(t *testing.T) {
	c := NewCache(CacheConfig{UserStateTTL: time.Minute})
	b := &blockingUsers{release: make(chan struct{})}
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if _, found, err := c.userState(context.Background(), b, "t", "u", time.Now()); err != nil || !found {
				t.Errorf("userState: %v %v", found, err)
			}
		})
	}
	for b.calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // let the others pile up behind it
	close(b.release)
	wg.Wait()
	if n := b.calls.Load(); n != 1 {
		t.Fatalf("%d lookups for 50 concurrent requests of one user, want 1", n)
	}
}
