package sql

import (
	"context"
	"errors"
	"testing"

	"github.com/ipps/ipps/internal/storage"
)

// Short statements run detached from their context's cancellation on
// SQLite, but only after the context is checked: a cancelled request
// still gets its context's error, inside a transaction too.
func TestShortStatementsHonourCancellation(t *testing.T) {
	s := newSQLite(t).(*Store)
	bg := context.Background()
	if err := s.CreateTenant(bg, storage.Tenant{ID: "t1", Name: "t1"}); err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(bg)
	cancel()
	if _, err := s.GetTenant(cancelled, "t1"); !errors.Is(err, context.Canceled) {
		t.Fatalf("point read on a cancelled context: %v, want context.Canceled", err)
	}
	err := s.Tx(bg, func(ctx context.Context, tx storage.Storage) error {
		_, err := tx.GetTenant(cancelled, "t1")
		return err
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("read in a transaction on a cancelled context: %v, want context.Canceled", err)
	}
	if _, err := s.GetTenant(bg, "t1"); err != nil {
		t.Fatalf("the store still works: %v", err)
	}
}

// A point read on a cancellable context starts no watcher goroutines
// (database/sql's and the driver's): measured as allocations, which the
// goroutines and their channels would add.
func TestShortStatementsStartNoWatchers(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation count")
	}
	s := newSQLite(t).(*Store)
	bg := context.Background()
	if err := s.CreateTenant(bg, storage.Tenant{ID: "t1", Name: "t1"}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(bg)
	defer cancel()
	read := func(ctx context.Context) func() {
		return func() {
			if _, err := s.GetTenant(ctx, "t1"); err != nil {
				t.Fatal(err)
			}
		}
	}
	read(ctx)() // warm the statement cache
	plain := testing.AllocsPerRun(200, read(bg))
	withCancel := testing.AllocsPerRun(200, read(ctx))
	if withCancel > plain+1 {
		t.Fatalf("point read allocates %.0f times on a cancellable context, %.0f on Background: watchers started", withCancel, plain)
	}
}
