package validate

import (
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/binary"
	"hash/maphash"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/ipps/ipps/internal/authority/tokens"
)

// Default bounds of a Cache.
const (
	// DefaultMaxTokens bounds the verified-token cache. An entry costs
	// about 1 KiB (the decoded claims), so a full cache holds ~100 MiB;
	// it fills only if that many distinct, valid, unexpired tokens are
	// presented.
	DefaultMaxTokens = 100_000
	// DefaultMaxUserStates bounds the user-state cache (~150 B an entry).
	DefaultMaxUserStates = 100_000
)

// CacheConfig sizes a Cache.
type CacheConfig struct {
	// MaxTokens bounds the verified-token cache. Zero means
	// DefaultMaxTokens; a negative value turns token caching off.
	MaxTokens int
	// UserStateTTL is how long a user state read through the Validator's
	// UserLookup is reused. Zero or negative turns user-state caching off.
	UserStateTTL time.Duration
	// MaxUserStates bounds the user-state cache. Zero means
	// DefaultMaxUserStates.
	MaxUserStates int
}

// Cache makes Validate cheap for a token presented again and again, as
// every WS-Man request of a shell presents its session's token. Attach it
// to a Validator's Cache field; it is safe for concurrent use.
//
// The token cache remembers, under the SHA-256 of the raw token, the claims
// of a token that passed every check, with the kid and public key that
// verified its signature. A later Validate of the same string skips the
// signature check and the JSON decoding only: the entry is honoured while
// now is before the token's exp and while the Validator's KeySource still
// returns that public key for that kid (a retired key retires its cached
// tokens), and every claim check (issuer, audience, exp and nbf with skew,
// tenant, MFA, user state) runs again on each call. Failures are never
// cached, and any other string, however close, misses.
//
// The user-state cache reuses a (tid, oid) read of UserLookup for
// UserStateTTL. That is the contract on revocation: disabling a user or
// revoking their tokens (TokensValidAfter) in the shared database takes
// effect on every replica within UserStateTTL of the change, plus the
// duration of one lookup. Lookup errors are not cached.
//
// A Cache belongs to one Validator and its copies: the user states it holds
// came from that Validator's UserLookup.
type Cache struct {
	tokens *boundedMap[tokenKey, *verifiedToken] // nil: off
	users  *boundedMap[userKey, userEntry]       // nil: off
	ttl    time.Duration
	seed   maphash.Seed
	// flight merges concurrent lookups of one user after its entry
	// expired: a user with five busy shells costs one query per TTL,
	// not one per request in flight at that moment.
	flight singleflight.Group
}

// NewCache returns a cache sized by cfg.
func NewCache(cfg CacheConfig) *Cache {
	c := &Cache{ttl: cfg.UserStateTTL, seed: maphash.MakeSeed()}
	switch {
	case cfg.MaxTokens == 0:
		c.tokens = newBoundedMap[tokenKey, *verifiedToken](DefaultMaxTokens)
	case cfg.MaxTokens > 0:
		c.tokens = newBoundedMap[tokenKey, *verifiedToken](cfg.MaxTokens)
	}
	if cfg.UserStateTTL > 0 {
		n := cfg.MaxUserStates
		if n <= 0 {
			n = DefaultMaxUserStates
		}
		c.users = newBoundedMap[userKey, userEntry](n)
	}
	return c
}

// verifiedToken is a token that passed Validate. Nothing in it is mutated
// after it is stored, and claims is never handed out: callers get copies.
type verifiedToken struct {
	claims tokens.AccessClaims
	kid    string
	pub    *rsa.PublicKey // the key that verified the signature
	exp    time.Time      // the entry is dead from exp on
}

// tokenKey is the cache key of a raw token. The SHA-256 of the whole
// compact serialisation: a token differing anywhere, signature included,
// has another key.
type tokenKey [sha256.Size]byte

// keyBufs holds scratch buffers for keyOf, which would otherwise allocate
// a copy of every token (sha256 has no WriteString).
var keyBufs = sync.Pool{New: func() any { b := make([]byte, 0, 4<<10); return &b }}

func keyOf(raw string) tokenKey {
	bp := keyBufs.Get().(*[]byte)
	b := append((*bp)[:0], raw...)
	k := sha256.Sum256(b)
	*bp = b
	keyBufs.Put(bp)
	return k
}

// hash picks the shard: the digest is already uniformly distributed.
func (k tokenKey) hash() uint64 { return binary.LittleEndian.Uint64(k[:8]) }

// verified returns a private copy of the claims cached under k if the
// entry is alive at now and keys still accepts its signing key. A dead
// entry is dropped; the caller then validates the token in full.
func (c *Cache) verified(k tokenKey, keys KeySource, now time.Time) (*tokens.AccessClaims, bool) {
	if c == nil || c.tokens == nil {
		return nil, false
	}
	e, ok := c.tokens.get(k.hash(), k)
	if !ok {
		return nil, false
	}
	if !now.Before(e.exp) || !keyStillAccepted(keys, e.kid, e.pub, now) {
		c.tokens.remove(k.hash(), k)
		return nil, false
	}
	return cloneClaims(&e.claims), true
}

// keyStillAccepted reports whether keys returns pub for kid at now.
func keyStillAccepted(keys KeySource, kid string, pub *rsa.PublicKey, now time.Time) bool {
	key, ok := keys.Lookup(kid, now)
	if !ok || key.Private == nil {
		return false
	}
	got := &key.Private.PublicKey
	return got == pub || got.Equal(pub)
}

// remember caches a copy of claims, which passed every check at now after
// pub (kid) verified their signature, until their exp.
func (c *Cache) remember(k tokenKey, claims *tokens.AccessClaims, kid string, pub *rsa.PublicKey, now time.Time) {
	if c == nil || c.tokens == nil {
		return
	}
	exp := time.Unix(claims.Exp, 0)
	if !now.Before(exp) {
		return // accepted only thanks to the skew: not worth keeping
	}
	c.tokens.put(k.hash(), k, &verifiedToken{claims: *cloneClaims(claims), kid: kid, pub: pub, exp: exp})
}

// cloneClaims copies c deeply enough that neither copy's slices alias the
// other's.
func cloneClaims(c *tokens.AccessClaims) *tokens.AccessClaims {
	cp := *c
	cp.Amr = slices.Clone(c.Amr)
	cp.Roles = slices.Clone(c.Roles)
	return &cp
}

type userKey struct{ tid, oid string }

type userEntry struct {
	state UserState
	found bool
	read  time.Time // the validator's clock when the lookup started
}

// userState returns next's answer for (tid, oid), reusing one read at now
// - read < UserStateTTL. now is taken before the lookup, so an entry is
// never older than the TTL measured from the start of its read.
func (c *Cache) userState(ctx context.Context, next UserLookup, tid, oid string, now time.Time) (UserState, bool, error) {
	if c == nil || c.users == nil {
		return next.UserState(ctx, tid, oid)
	}
	k := userKey{tid, oid}
	h := maphash.Comparable(c.seed, k)
	// A clock that went backwards makes the entry stale too.
	if e, ok := c.users.get(h, k); ok && !now.Before(e.read) && now.Sub(e.read) < c.ttl {
		return e.state, e.found, nil
	}
	v, err, _ := c.flight.Do(tid+"\x00"+oid, func() (any, error) {
		// Detached: the waiters must not fail because the request
		// that happened to lead was cancelled.
		st, found, err := next.UserState(context.WithoutCancel(ctx), tid, oid)
		if err != nil {
			return nil, err
		}
		e := userEntry{state: st, found: found, read: now}
		c.users.put(h, k, e)
		return e, nil
	})
	if err != nil {
		return UserState{}, false, err
	}
	e := v.(userEntry)
	return e.state, e.found, nil
}
