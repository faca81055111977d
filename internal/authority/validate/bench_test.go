package validate

import (
	"context"
	"testing"
	"time"
)

// BenchmarkValidateParallel is the remoting endpoint's shape: many
// goroutines presenting the same few tokens. "uncached" verifies the RS256
// signature and reads the user state on every call; "cached" uses a Cache
// with the daemon's defaults (user states kept for 1 s).
func BenchmarkValidateParallel(b *testing.B) {
	for _, bc := range []struct {
		name  string
		cache *Cache
	}{
		{"uncached", nil},
		{"cached", NewCache(CacheConfig{UserStateTTL: time.Second})},
	} {
		b.Run(bc.name, func(b *testing.B) {
			f := newFixture()
			f.v.Cache = bc.cache
			f.v.Users = &countingUsers{m: f.users}
			var raws []string
			for i := range 16 {
				c := f.claims()
				c.Uti = string(rune('a' + i))
				raws = append(raws, f.sign(b, c))
			}
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					if _, err := f.v.Validate(ctx, raws[i%len(raws)], Options{Tenant: tenant}); err != nil {
						b.Error(err)
						return
					}
					i++
				}
			})
		})
	}
}

// BenchmarkKeySetLookup is what a cache hit pays to re-check the kid.
func BenchmarkKeySetLookup(b *testing.B) {
	f := newFixture()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, ok := f.keys.Lookup(testKey.ID, f.now); !ok {
				b.Error("kid not found")
				return
			}
		}
	})
}
