package compliance

import (
	"fmt"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/storage"
)

func TestLagWindow(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	obj := func(id string, version int64, at time.Time) storage.Object {
		return storage.Object{TenantID: "t", ID: id, Version: version, ModifiedAt: at}
	}
	var w lagWindow
	a := obj("a", 2, t0)
	if w.settled(a) {
		t.Fatal("empty window settled a")
	}
	w.add(a)
	if !w.settled(a) {
		t.Fatal("a not settled after add")
	}
	for _, o := range []storage.Object{obj("a", 3, t0.Add(time.Second)), obj("a", 2, t0.Add(time.Nanosecond)), {TenantID: "u", ID: "a", Version: 2, ModifiedAt: t0}} {
		if w.settled(o) {
			t.Errorf("%+v settled by a's entry", o)
		}
	}
	w.add(obj("b", 1, t0.Add(time.Second)))
	w.prune(t0)
	if w.settled(a) || w.len() != 1 {
		t.Fatalf("prune at a's ModifiedAt kept a or lost b: %d entries", w.len())
	}
}

func TestLagWindowBounded(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	var w lagWindow
	for i := range maxSettled {
		if !w.add(storage.Object{TenantID: "t", ID: fmt.Sprint(i), Version: 1, ModifiedAt: t0}) {
			t.Fatalf("add %d refused below the bound", i)
		}
	}
	over := storage.Object{TenantID: "t", ID: "over", Version: 1, ModifiedAt: t0}
	if w.add(over) || w.settled(over) || w.len() != maxSettled {
		t.Fatalf("full window took another entry: %d entries", w.len())
	}
	if !w.add(storage.Object{TenantID: "t", ID: "0", Version: 2, ModifiedAt: t0}) {
		t.Fatal("full window refused to update an entry it holds")
	}
}
