package sql

import (
	"testing"
	"time"

	"github.com/ipps/ipps/internal/storage"
)

func TestNextLockout(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := storage.DefaultLockoutPolicy
	l := storage.Lockout{Key: "k"}
	for i := 1; i <= 9; i++ {
		l = nextLockout(l, now, p)
		if !l.LockedUntil.IsZero() {
			t.Fatalf("locked after %d failures", i)
		}
	}
	for i, want := range []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute} {
		l = nextLockout(l, now, p)
		if got := l.LockedUntil.Sub(now); got != want {
			t.Fatalf("failure %d: lock %v, want %v", 10+i, got, want)
		}
	}
	for range 40 {
		l = nextLockout(l, now, p)
	}
	if got := l.LockedUntil.Sub(now); got != p.MaxDuration {
		t.Fatalf("cap: %v", got)
	}
	// No reset while locked, even after ResetAfter.
	later := l.LockedUntil.Add(-time.Second)
	if n := nextLockout(l, later, p).Failures; n != l.Failures+1 {
		t.Fatalf("reset while locked: %d", n)
	}
	// Threshold 0 never locks.
	if nextLockout(storage.Lockout{}, now, storage.LockoutPolicy{}).LockedUntil != (time.Time{}) {
		t.Fatal("threshold 0 locked")
	}
}
