package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/ipps/ipps/internal/storage"
)

const policyKind = "RetentionCompliancePolicy"

func testObject(t *testing.T, s storage.Storage) {
	ctx := context.Background()
	ten := newTenant(t, s)
	o := storage.Object{TenantID: ten.ID, Kind: policyKind, ID: id("pol"), Name: "Finance Retention",
		Body: json.RawMessage(`{"Enabled":true,"DistributionStatus":"Pending"}`), CreatedAt: base}
	got, err := s.CreateObject(ctx, o)
	must(t, err)
	if got.Version != 1 || !got.ModifiedAt.Equal(base) {
		t.Fatalf("created %+v", got)
	}
	_, err = s.CreateObject(ctx, storage.Object{TenantID: ten.ID, Kind: policyKind, ID: id("pol"), Name: "FINANCE retention"})
	wantErr(t, err, storage.ErrAlreadyExists)
	// Same name is fine in another kind or tenant.
	_, err = s.CreateObject(ctx, storage.Object{TenantID: ten.ID, Kind: "DlpCompliancePolicy", ID: id("dlp"), Name: o.Name, CreatedAt: base})
	must(t, err)
	other := newTenant(t, s)
	_, err = s.CreateObject(ctx, storage.Object{TenantID: other.ID, Kind: policyKind, ID: id("pol"), Name: o.Name, CreatedAt: base})
	must(t, err)

	byName, err := s.GetObjectByName(ctx, ten.ID, policyKind, "finance RETENTION")
	must(t, err)
	byID, err := s.GetObject(ctx, ten.ID, policyKind, o.ID)
	must(t, err)
	if byName.ID != o.ID || string(byID.Body) != string(o.Body) || byID.Version != 1 {
		t.Fatalf("byName %+v byID %+v", byName, byID)
	}
	_, err = s.GetObject(ctx, ten.ID, "DlpCompliancePolicy", o.ID)
	wantErr(t, err, storage.ErrNotFound)

	// Optimistic concurrency: the updater compares versions.
	up, err := s.UpdateObject(ctx, ten.ID, policyKind, o.ID, func(old storage.Object) (storage.Object, error) {
		if old.Version != 1 {
			return old, storage.ErrConflict
		}
		old.Body = json.RawMessage(`{"Enabled":false}`)
		return old, nil
	})
	must(t, err)
	if up.Version != 2 || !up.CreatedAt.Equal(base) || !up.ModifiedAt.After(base) {
		t.Fatalf("updated %+v", up)
	}
	_, err = s.UpdateObject(ctx, ten.ID, policyKind, o.ID, func(old storage.Object) (storage.Object, error) {
		if old.Version != 1 {
			return old, storage.ErrConflict
		}
		return old, nil
	})
	wantErr(t, err, storage.ErrConflict)
	_, err = s.UpdateObject(ctx, ten.ID, policyKind, o.ID, func(old storage.Object) (storage.Object, error) {
		old.Name = "Legal Retention"
		return old, nil
	})
	must(t, err)
	_, err = s.GetObjectByName(ctx, ten.ID, policyKind, "Legal Retention")
	must(t, err)

	n, err := s.CountObjects(ctx, ten.ID)
	must(t, err)
	if n != 2 {
		t.Fatalf("count all kinds: %d", n)
	}
	n, err = s.CountObjects(ctx, ten.ID, policyKind)
	must(t, err)
	if n != 1 {
		t.Fatalf("count policies: %d", n)
	}

	// ModifiedAfter across tenants (the distributor's query).
	changed, _, err := s.ListObjects(ctx, storage.ObjectQuery{Kind: policyKind, ModifiedAfter: base})
	must(t, err)
	if len(changed) != 1 || changed[0].ID != o.ID {
		t.Fatalf("changed since base: %+v", changed)
	}
	all, _, err := s.ListObjects(ctx, storage.ObjectQuery{Kind: policyKind})
	must(t, err)
	if len(all) != 2 {
		t.Fatalf("all tenants: %d", len(all))
	}

	must(t, s.DeleteObject(ctx, ten.ID, policyKind, o.ID))
	wantErr(t, s.DeleteObject(ctx, ten.ID, policyKind, o.ID), storage.ErrNotFound)
	_, err = s.UpdateObject(ctx, ten.ID, policyKind, o.ID, func(old storage.Object) (storage.Object, error) { return old, nil })
	wantErr(t, err, storage.ErrNotFound)
}

func testObjectCascade(t *testing.T, s storage.Storage) {
	ctx := context.Background()
	ten := newTenant(t, s)
	mk := func(kind, parent string) storage.Object {
		o, err := s.CreateObject(ctx, storage.Object{TenantID: ten.ID, Kind: kind, ID: id(kind), Name: id("n"), Parent: parent})
		must(t, err)
		return o
	}
	c := mk("ComplianceCase", "")
	search := mk("ComplianceSearch", c.ID)
	action := mk("ComplianceSearchAction", search.ID)
	hold := mk("CaseHoldPolicy", c.ID)
	mk("CaseHoldRule", hold.ID)
	keep := mk("ComplianceCase", "")
	mk("ComplianceSearch", keep.ID)

	kids, _, err := s.ListObjects(ctx, storage.ObjectQuery{TenantID: ten.ID, Kind: "ComplianceSearch", Parent: c.ID})
	must(t, err)
	if len(kids) != 1 || kids[0].ID != search.ID {
		t.Fatalf("children %+v", kids)
	}
	must(t, s.DeleteObject(ctx, ten.ID, "ComplianceCase", c.ID))
	n, err := s.CountObjects(ctx, ten.ID)
	must(t, err)
	if n != 2 {
		t.Fatalf("%d objects left after cascade, want 2", n)
	}
	_, err = s.GetObject(ctx, ten.ID, "ComplianceSearchAction", action.ID)
	wantErr(t, err, storage.ErrNotFound)
}

// testObjectPagination lists 1,200 objects page by page while checking
// order, completeness and absence of duplicates, then checks that an
// insert behind the cursor does not disturb the walk.
func testObjectPagination(t *testing.T, s storage.Storage) {
	ctx := context.Background()
	ten, other := newTenant(t, s), newTenant(t, s)
	const total = 1200
	err := s.Tx(ctx, func(ctx context.Context, tx storage.Storage) error {
		for i := range total {
			// Mixed case and non-sequential insert order.
			name := fmt.Sprintf("Policy %05d", (i*7919)%total)
			if i%2 == 0 {
				name = strings.ToUpper(name)
			}
			if _, err := tx.CreateObject(ctx, storage.Object{TenantID: ten.ID, Kind: policyKind, ID: id("p"), Name: name}); err != nil {
				return err
			}
		}
		_, err := tx.CreateObject(ctx, storage.Object{TenantID: other.ID, Kind: policyKind, ID: id("p"), Name: "policy 00000"})
		return err
	})
	must(t, err)

	walk := func(q storage.ObjectQuery, insertAt int) []string {
		var names []string
		seen := map[string]bool{}
		for page := 0; ; page++ {
			objs, next, err := s.ListObjects(ctx, q)
			must(t, err)
			for _, o := range objs {
				if seen[o.ID] {
					t.Fatalf("duplicate %s", o.ID)
				}
				seen[o.ID] = true
				names = append(names, strings.ToLower(o.Name))
			}
			if page == insertAt {
				_, err := s.CreateObject(ctx, storage.Object{TenantID: ten.ID, Kind: policyKind, ID: id("p"), Name: "Policy 00000a"})
				must(t, err)
			}
			if next == "" {
				return names
			}
			if len(objs) != q.Page.Size {
				t.Fatalf("short page %d of %d before the end", len(objs), q.Page.Size)
			}
			q.Page.Cursor = next
		}
	}
	names := walk(storage.ObjectQuery{TenantID: ten.ID, Kind: policyKind, Page: storage.Page{Size: 100}}, 3)
	if len(names) != total {
		t.Fatalf("walked %d objects, want %d", len(names), total)
	}
	for i, n := range names {
		if want := fmt.Sprintf("policy %05d", i); n != want {
			t.Fatalf("position %d: %q, want %q", i, n, want)
		}
	}
	// Across tenants: ordered by tenant then name, complete.
	all := walk(storage.ObjectQuery{Kind: policyKind, Page: storage.Page{Size: 333}}, -1)
	if len(all) != total+2 {
		t.Fatalf("cross-tenant walk %d, want %d", len(all), total+2)
	}
	_, _, err = s.ListObjects(ctx, storage.ObjectQuery{TenantID: ten.ID, Kind: policyKind, Page: storage.Page{Cursor: "!!bad"}})
	if err == nil {
		t.Fatal("bad cursor accepted")
	}
}

func testObjectConcurrentUpdate(t *testing.T, s storage.Storage) {
	ctx := context.Background()
	ten := newTenant(t, s)
	o, err := s.CreateObject(ctx, storage.Object{TenantID: ten.ID, Kind: policyKind, ID: id("p"), Name: "counter", Body: json.RawMessage(`0`)})
	must(t, err)
	const workers, each = 8, 5
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				_, err := s.UpdateObject(ctx, ten.ID, policyKind, o.ID, func(old storage.Object) (storage.Object, error) {
					n, _ := strconv.Atoi(string(old.Body))
					old.Body = json.RawMessage(strconv.Itoa(n + 1))
					return old, nil
				})
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
	got, err := s.GetObject(ctx, ten.ID, policyKind, o.ID)
	must(t, err)
	if string(got.Body) != strconv.Itoa(workers*each) || got.Version != workers*each+1 {
		t.Fatalf("body %s version %d", got.Body, got.Version)
	}
}
