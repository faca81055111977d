package remoting

import (
	"errors"
	"testing"
	"time"
)

func TestRegistryOwnershipAndBinding(t *testing.T) {
	r := newRegistry()
	now := time.Now()
	s := newShell("ABC-1", "alice", "10.0.0.1", ExchangeResourceURI, nil, now)
	if err := r.add(s); err != nil {
		t.Fatal(err)
	}
	if err := r.add(newShell("abc-1", "bob", "", "", nil, now)); !errors.Is(err, errShellExists) {
		t.Fatalf("duplicate id (other case) added: %v", err)
	}
	if got, ok := r.lookup("abc-1", "alice", "10.0.0.9", false); !ok || got != s {
		t.Fatal("owner lookup (case-insensitive id) failed")
	}
	if _, ok := r.lookup("ABC-1", "bob", "10.0.0.1", false); ok {
		t.Fatal("another principal found alice's shell")
	}
	if _, ok := r.lookup("ABC-1", "alice", "10.0.0.9", true); ok {
		t.Fatal("address binding did not reject another address")
	}
	if _, ok := r.lookup("ABC-1", "alice", "10.0.0.1", true); !ok {
		t.Fatal("address binding rejected the creating address")
	}
	if n := r.countOwned("alice"); n != 1 {
		t.Fatalf("countOwned = %d", n)
	}
}

func TestRegistryTakeIdleSkipsActive(t *testing.T) {
	r := newRegistry()
	old := time.Now().Add(-time.Hour)
	idle := newShell("1", "u", "", "", nil, old)
	busy := newShell("2", "u", "", "", nil, old)
	fresh := newShell("3", "u", "", "", nil, time.Now())
	for _, s := range []*shell{idle, busy, fresh} {
		if err := r.add(s); err != nil {
			t.Fatal(err)
		}
	}
	busy.enter()
	got := r.takeIdle(time.Now().Add(-time.Minute))
	if len(got) != 1 || got[0] != idle {
		t.Fatalf("takeIdle = %v, want only the idle shell", got)
	}
	if len(r.all()) != 2 {
		t.Fatal("takeIdle did not remove the idle shell")
	}
	if rest := r.close(); len(rest) != 2 || r.add(idle) == nil {
		t.Fatal("close did not empty the registry or refuse adds")
	}
}
