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
type bodyCache[T any] struct {
	mu sync.Mutex
	m  map[bodyKey]*cachedBody[T] // guarded by mu
}

type bodyKey struct{ tenant, id string }

type cachedBody[T any] struct {
	body []byte
	v    T
}

// decode returns decode[T](o), from the cache when o's body is unchanged
// since it was last decoded.
func (c *bodyCache[T]) decode(o storage.Object) (T, error) {
	k := bodyKey{o.TenantID, o.ID}
	c.mu.Lock()
	e := c.m[k]
	c.mu.Unlock()
	if e != nil && bytes.Equal(e.body, o.Body) {
		return e.v, nil
	}
	v, err := decode[T](o)
	if err != nil {
		return v, err
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
	return v, nil
}

// len reports how many bodies are cached (for tests).
func (c *bodyCache[T]) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
