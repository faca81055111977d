package conformance

import (
	"context"
	"errors"
	"testing"

	"github.com/ipps/ipps/internal/storage"
)

func testTx(t *testing.T, s storage.Storage) {
	ctx := context.Background()
	ten := newTenant(t, s)
	boom := errors.New("boom")

	// Rollback: nothing written inside a failed Tx survives.
	var uid string
	err := s.Tx(ctx, func(ctx context.Context, tx storage.Storage) error {
		u := newUser(t, tx, ten.ID)
		uid = u.ID
		if _, err := tx.CreateObject(ctx, storage.Object{TenantID: ten.ID, Kind: "K", ID: "o1", Name: "n1"}); err != nil {
			return err
		}
		if err := tx.AcquireLease(ctx, lease(u.ID, "r", base), 1); err != nil {
			return err
		}
		// Nested Tx joins the outer transaction.
		if err := tx.Tx(ctx, func(ctx context.Context, tx2 storage.Storage) error {
			return tx2.AppendAudit(ctx, storage.AuditRecord{ID: "a1", TenantID: ten.ID, Time: base})
		}); err != nil {
			return err
		}
		// Reads inside the transaction see its writes.
		if _, err := tx.GetObject(ctx, ten.ID, "K", "o1"); err != nil {
			return err
		}
		return boom
	})
	wantErr(t, err, boom)
	_, err = s.GetUser(ctx, uid)
	wantErr(t, err, storage.ErrNotFound)
	_, err = s.GetObject(ctx, ten.ID, "K", "o1")
	wantErr(t, err, storage.ErrNotFound)
	recs, _, err := s.SearchAudit(ctx, storage.AuditQuery{TenantID: ten.ID})
	must(t, err)
	if len(recs) != 0 {
		t.Fatalf("audit survived rollback")
	}

	// Commit: everything is visible afterwards.
	must(t, s.Tx(ctx, func(ctx context.Context, tx storage.Storage) error {
		if _, err := tx.CreateObject(ctx, storage.Object{TenantID: ten.ID, Kind: "K", ID: "o1", Name: "n1"}); err != nil {
			return err
		}
		_, err := tx.CreateObject(ctx, storage.Object{TenantID: ten.ID, Kind: "K", ID: "o2", Name: "n2", Parent: "o1"})
		return err
	}))
	n, err := s.CountObjects(ctx, ten.ID, "K")
	must(t, err)
	if n != 2 {
		t.Fatalf("committed %d objects", n)
	}

	// A storage error inside fn (duplicate name) rolls back the rest.
	err = s.Tx(ctx, func(ctx context.Context, tx storage.Storage) error {
		if _, err := tx.CreateObject(ctx, storage.Object{TenantID: ten.ID, Kind: "K", ID: "o3", Name: "n3"}); err != nil {
			return err
		}
		_, err := tx.CreateObject(ctx, storage.Object{TenantID: ten.ID, Kind: "K", ID: "o4", Name: "N1"})
		return err
	})
	wantErr(t, err, storage.ErrAlreadyExists)
	_, err = s.GetObject(ctx, ten.ID, "K", "o3")
	wantErr(t, err, storage.ErrNotFound)
}

// testSavepoint: a Tx inside a Tx is a savepoint. A failing inner Tx —
// also one failing with a storage error, which aborts a PostgreSQL
// transaction unless it is rolled back to a savepoint — undoes only its
// own writes, and the outer transaction goes on and commits.
func testSavepoint(t *testing.T, s storage.Storage) {
	ctx := context.Background()
	ten := newTenant(t, s)
	boom := errors.New("boom")
	must(t, s.Tx(ctx, func(ctx context.Context, tx storage.Storage) error {
		if _, err := tx.CreateObject(ctx, storage.Object{TenantID: ten.ID, Kind: "K", ID: "keep1", Name: "keep1"}); err != nil {
			return err
		}
		err := tx.Tx(ctx, func(ctx context.Context, sp storage.Storage) error {
			if _, err := sp.CreateObject(ctx, storage.Object{TenantID: ten.ID, Kind: "K", ID: "gone1", Name: "gone1"}); err != nil {
				return err
			}
			return boom
		})
		wantErr(t, err, boom)
		err = tx.Tx(ctx, func(ctx context.Context, sp storage.Storage) error {
			if _, err := sp.CreateObject(ctx, storage.Object{TenantID: ten.ID, Kind: "K", ID: "gone2", Name: "gone2"}); err != nil {
				return err
			}
			_, err := sp.CreateObject(ctx, storage.Object{TenantID: ten.ID, Kind: "K", ID: "dup", Name: "KEEP1"})
			return err
		})
		wantErr(t, err, storage.ErrAlreadyExists)
		// A succeeding savepoint keeps its writes.
		if err := tx.Tx(ctx, func(ctx context.Context, sp storage.Storage) error {
			_, err := sp.CreateObject(ctx, storage.Object{TenantID: ten.ID, Kind: "K", ID: "keep2", Name: "keep2"})
			return err
		}); err != nil {
			return err
		}
		_, err = tx.CreateObject(ctx, storage.Object{TenantID: ten.ID, Kind: "K", ID: "keep3", Name: "keep3"})
		return err
	}))
	for _, id := range []string{"keep1", "keep2", "keep3"} {
		if _, err := s.GetObject(ctx, ten.ID, "K", id); err != nil {
			t.Errorf("%s after commit: %v", id, err)
		}
	}
	for _, id := range []string{"gone1", "gone2", "dup"} {
		_, err := s.GetObject(ctx, ten.ID, "K", id)
		wantErr(t, err, storage.ErrNotFound)
	}
}
