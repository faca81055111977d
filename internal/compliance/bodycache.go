package compliance

import (
	"bytes"
	"sync"

	"github.com/ipps/ipps/internal/storage"
)

// maxCachedBodies bounds each bodyCache; past it an arbitrary entry makes
// room for the new one.
const maxCachedBodies = 8192

// bodyCache remembers the decoded body of recently read objects, so a
// Get that reads an unchanged object again skips the JSON decode, which
// costs more than building its output object.
//
// Contract: an entry is keyed by the object's tenant and ID and holds the
// exact body bytes it was decoded from; a lookup hits only when the
// stored bytes are equal to the object's, so the result is always what
// decode would return for that object (a changed body simply misses).
// Entries are never shared between tenants. The returned value shares
// its slices and maps with the cache: callers must treat it as
// read-only, which is why only the read-only Get cmdlets use it. The
// zero value is ready to use and safe for concurrent use.
//
// An entry also holds the output object last built from its body (see
// outTemplate), so a Get that returns an unchanged object copies it
// instead of building it; with it an entry of a policy costs about 4 KB,
// so a full cache about 32 MiB.
type bodyCache[T any] struct {
	mu sync.Mutex
	m  map[bodyKey]*cachedBody[T] // guarded by mu
}

type bodyKey struct{ tenant, id string }

// cachedBody is one entry; body and v are read-only once stored.
type cachedBody[T any] struct {
	body []byte
	v    T
	out  templateSlot
}

// decode returns decode[T](o), from the cache when o's body is unchanged
// since it was last decoded.
func (c *bodyCache[T]) decode(o storage.Object) (T, error) {
	e, err := c.entry(o)
	if err != nil {
		var zero T
		return zero, err
	}
	return e.v, nil
}

// entry returns the entry holding decode[T](o), adding one when o's body
// changed since it was last decoded. Its v and out follow decode's
// read-only rule.
func (c *bodyCache[T]) entry(o storage.Object) (*cachedBody[T], error) {
	k := bodyKey{o.TenantID, o.ID}
	c.mu.Lock()
	e := c.m[k]
	c.mu.Unlock()
	if e != nil && bytes.Equal(e.body, o.Body) {
		return e, nil
	}
	v, err := decode[T](o)
	if err != nil {
		return nil, err
	}
	e = &cachedBody[T]{body: bytes.Clone(o.Body), v: v}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[bodyKey]*cachedBody[T])
	}
	if _, ok := c.m[k]; !ok && len(c.m) >= maxCachedBodies {
		for old := range c.m {
			delete(c.m, old)
			break
		}
	}
	c.m[k] = e
	return e, nil
}

// len reports how many bodies are cached (for tests).
func (c *bodyCache[T]) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
