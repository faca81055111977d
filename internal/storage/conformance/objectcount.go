package conformance

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/ipps/ipps/internal/storage"
)

// testObjectCount checks that CountObjects stays exact through
// concurrent creates and deletes, failed creates, rolled-back
// transactions and savepoints, recursive deletes of children and the
// deletion of the tenant: it always equals what ListObjects finds.
func testObjectCount(t *testing.T, s storage.Storage) {
	ctx := context.Background()
	ten := newTenant(t, s)
	other := newTenant(t, s)
	const kind, child = "CountedPolicy", "CountedRule"
	boom := errors.New("boom")

	check := func(what string) {
		t.Helper()
		for _, k := range []string{kind, child} {
			var listed int
			for cursor := ""; ; {
				objs, next, err := s.ListObjects(ctx, storage.ObjectQuery{TenantID: ten.ID, Kind: k, Page: storage.Page{Size: 500, Cursor: cursor}})
				must(t, err)
				listed += len(objs)
				if cursor = next; cursor == "" {
					break
				}
			}
			n, err := s.CountObjects(ctx, ten.ID, k)
			must(t, err)
			if n != listed {
				t.Fatalf("%s: CountObjects(%s) = %d, ListObjects finds %d", what, k, n, listed)
			}
		}
	}
	create := func(st storage.Storage, ctx context.Context, k, name, parent string) error {
		_, err := st.CreateObject(ctx, storage.Object{TenantID: ten.ID, Kind: k, ID: id("o"), Name: name, Parent: parent})
		return err
	}

	// Another tenant's objects are not counted.
	must(t, create(s, ctx, kind, "p", ""))
	_, err := s.CreateObject(ctx, storage.Object{TenantID: other.ID, Kind: kind, ID: id("o"), Name: "p"})
	must(t, err)
	check("one each")

	// Concurrent creates (half in transactions with a rolled-back
	// savepoint beside them), deletes and duplicate names.
	const workers, each = 8, 6
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				name := fmt.Sprintf("w%d-%d", w, i)
				var err error
				if i%2 == 0 {
					err = s.Tx(ctx, func(ctx context.Context, tx storage.Storage) error {
						if err := create(tx, ctx, kind, name, ""); err != nil {
							return err
						}
						if err := tx.Tx(ctx, func(ctx context.Context, sp storage.Storage) error {
							if err := create(sp, ctx, kind, name+"-sp", ""); err != nil {
								return err
							}
							return boom
						}); !errors.Is(err, boom) {
							return fmt.Errorf("savepoint: %w", err)
						}
						return nil
					})
				} else {
					err = create(s, ctx, kind, name, "")
				}
				if err == nil && i%3 == 0 {
					var o storage.Object
					if o, err = s.GetObjectByName(ctx, ten.ID, kind, name); err == nil {
						err = s.DeleteObject(ctx, ten.ID, kind, o.ID)
					}
				}
				if err == nil {
					err = create(s, ctx, kind, "P", "") // a duplicate of "p": refused, not counted
					if errors.Is(err, storage.ErrAlreadyExists) {
						err = nil
					} else if err == nil {
						err = errors.New("duplicate name accepted")
					}
				}
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
	check("after concurrent creates and deletes")
	n, err := s.CountObjects(ctx, ten.ID, kind)
	must(t, err)
	if want := 1 + workers*(each-2); n != want {
		t.Fatalf("count %d, want %d", n, want)
	}

	// A rolled-back transaction leaves the count as it was.
	wantErr(t, s.Tx(ctx, func(ctx context.Context, tx storage.Storage) error {
		for i := range 3 {
			if err := create(tx, ctx, kind, fmt.Sprintf("rb%d", i), ""); err != nil {
				return err
			}
		}
		if n, err := tx.CountObjects(ctx, ten.ID, kind); err != nil || n != 1+workers*(each-2)+3 {
			return fmt.Errorf("count inside the transaction: %d, %v", n, err)
		}
		return boom
	}), boom)
	check("after rollback")

	// Deleting a parent deletes and uncounts its children, recursively.
	parent, err := s.GetObjectByName(ctx, ten.ID, kind, "p")
	must(t, err)
	must(t, create(s, ctx, child, "r1", parent.ID))
	r1, err := s.GetObjectByName(ctx, ten.ID, child, "r1")
	must(t, err)
	must(t, create(s, ctx, child, "r2", r1.ID))
	check("with children")
	must(t, s.DeleteObject(ctx, ten.ID, kind, parent.ID))
	check("after recursive delete")
	if n, err := s.CountObjects(ctx, ten.ID, child); err != nil || n != 0 {
		t.Fatalf("children counted after their parent's delete: %d, %v", n, err)
	}

	// A deleted tenant's objects are uncounted: a tenant recreated under
	// its ID starts from zero. The other tenant is untouched.
	must(t, s.DeleteTenant(ctx, ten.ID))
	must(t, s.CreateTenant(ctx, ten))
	if n, err := s.CountObjects(ctx, ten.ID); err != nil || n != 0 {
		t.Fatalf("recreated tenant counts %d objects, %v", n, err)
	}
	if n, err := s.CountObjects(ctx, other.ID, kind, child); err != nil || n != 1 {
		t.Fatalf("other tenant counts %d, %v; want 1", n, err)
	}
}
