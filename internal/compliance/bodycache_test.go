package compliance

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/ipps/ipps/internal/storage"
)

func TestBodyCache(t *testing.T) {
	var c bodyCache[policyBody]
	o := storage.Object{TenantID: "t1", Kind: KindPolicy, ID: "p", Body: encode(policyBody{Comment: "one", Locations: map[string][]string{"ExchangeLocation": {"All"}}})}
	get := func(o storage.Object) policyBody {
		t.Helper()
		b, err := c.decode(o)
		if err != nil {
			t.Fatal(err)
		}
		if want, _ := decode[policyBody](o); !reflect.DeepEqual(b, want) {
			t.Fatalf("cached %+v, decode %+v", b, want)
		}
		return b
	}
	get(o)
	if b := get(o); b.Comment != "one" || c.len() != 1 {
		t.Fatalf("hit: %+v, %d entries", b, c.len())
	}
	// The caller's buffer may be reused: the cache keeps its own copy.
	o.Body[0] = ' '
	o.Body = encode(policyBody{Comment: "two"})
	if b := get(o); b.Comment != "two" {
		t.Fatalf("changed body served stale %q", b.Comment)
	}
	// Same ID in another tenant is another entry.
	other := o
	other.TenantID, other.Body = "t2", encode(policyBody{Comment: "three"})
	if b := get(other); b.Comment != "three" || c.len() != 2 {
		t.Fatalf("other tenant: %+v, %d entries", b, c.len())
	}
	if b := get(o); b.Comment != "two" {
		t.Fatalf("tenant t1 got %q", b.Comment)
	}
	if _, err := c.decode(storage.Object{TenantID: "t1", ID: "bad", Body: []byte("{")}); err == nil {
		t.Fatal("bad body decoded")
	}
	for i := range maxCachedBodies + 10 {
		get(storage.Object{TenantID: "t1", ID: fmt.Sprint(i), Body: encode(policyBody{Comment: fmt.Sprint(i)})})
	}
	if n := c.len(); n > maxCachedBodies {
		t.Fatalf("%d entries, bound %d", n, maxCachedBodies)
	}
}
