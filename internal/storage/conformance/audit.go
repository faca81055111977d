package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/storage"
)

func testAudit(t *testing.T, s storage.Storage) {
	ctx := context.Background()
	ten := newTenant(t, s)
	r := storage.AuditRecord{ID: id("a"), TenantID: ten.ID, Time: base, UserID: "u1", UPN: "Alice@Contoso.com",
		ClientAddr: "203.0.113.5", SessionID: "shell-1", Cmdlet: "New-RetentionCompliancePolicy",
		Parameters: json.RawMessage(`{"Name":"p"}`), ObjectIDs: []string{"pol-1"}, Succeeded: true}
	must(t, s.AppendAudit(ctx, r))
	wantErr(t, s.AppendAudit(ctx, r), storage.ErrAlreadyExists)
	fail := storage.AuditRecord{ID: id("a"), TenantID: ten.ID, Time: base.Add(time.Second), UserID: "u2", UPN: "bob@contoso.com",
		Cmdlet: "Remove-ComplianceCase", Error: "The operation couldn't be performed"}
	must(t, s.AppendAudit(ctx, fail))
	must(t, s.AppendAudit(ctx, storage.AuditRecord{ID: id("a"), TenantID: newTenant(t, s).ID, Time: base, Cmdlet: "Get-X"}))

	search := func(q storage.AuditQuery) []storage.AuditRecord {
		t.Helper()
		q.TenantID = ten.ID
		recs, next, err := s.SearchAudit(ctx, q)
		must(t, err)
		if next != "" {
			t.Fatalf("unexpected next page")
		}
		return recs
	}
	recs := search(storage.AuditQuery{})
	if len(recs) != 2 || !reflect.DeepEqual(recs[0], r) || !reflect.DeepEqual(recs[1], fail) {
		t.Fatalf("all: %+v", recs)
	}
	if got := search(storage.AuditQuery{UserIDs: []string{"ALICE@contoso.com"}}); len(got) != 1 || got[0].ID != r.ID {
		t.Fatalf("by upn: %+v", got)
	}
	if got := search(storage.AuditQuery{UserIDs: []string{"u2", "nobody"}}); len(got) != 1 || got[0].ID != fail.ID {
		t.Fatalf("by user id: %+v", got)
	}
	if got := search(storage.AuditQuery{Operations: []string{"remove-compliancecase"}}); len(got) != 1 || got[0].ID != fail.ID {
		t.Fatalf("by operation: %+v", got)
	}
	if got := search(storage.AuditQuery{Start: base.Add(time.Second)}); len(got) != 1 || got[0].ID != fail.ID {
		t.Fatalf("start inclusive: %+v", got)
	}
	if got := search(storage.AuditQuery{End: base.Add(time.Second)}); len(got) != 1 || got[0].ID != r.ID {
		t.Fatalf("end exclusive: %+v", got)
	}
	n, err := s.DeleteAuditBefore(ctx, ten.ID, base.Add(time.Second))
	must(t, err)
	if n != 1 || len(search(storage.AuditQuery{})) != 1 {
		t.Fatalf("retention deleted %d", n)
	}
}

// testAuditPagination appends records sharing timestamps and walks them
// in pages ordered by (time, id).
func testAuditPagination(t *testing.T, s storage.Storage) {
	ctx := context.Background()
	ten := newTenant(t, s)
	const total = 250
	must(t, s.Tx(ctx, func(ctx context.Context, tx storage.Storage) error {
		for i := range total {
			r := storage.AuditRecord{ID: fmt.Sprintf("rec-%04d", total-i), TenantID: ten.ID,
				Time: base.Add(time.Duration(i/10) * time.Second), Cmdlet: "Get-ComplianceSearch"}
			if err := tx.AppendAudit(ctx, r); err != nil {
				return err
			}
		}
		return nil
	}))
	q := storage.AuditQuery{TenantID: ten.ID, Operations: []string{"Get-ComplianceSearch"}, Page: storage.Page{Size: 40}}
	var got []storage.AuditRecord
	for {
		recs, next, err := s.SearchAudit(ctx, q)
		must(t, err)
		got = append(got, recs...)
		if next == "" {
			break
		}
		q.Page.Cursor = next
	}
	if len(got) != total {
		t.Fatalf("got %d records, want %d", len(got), total)
	}
	for i := 1; i < len(got); i++ {
		a, b := got[i-1], got[i]
		if b.Time.Before(a.Time) || (b.Time.Equal(a.Time) && b.ID <= a.ID) {
			t.Fatalf("order broken at %d: %s@%v then %s@%v", i, a.ID, a.Time, b.ID, b.Time)
		}
	}
}
