package sql

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/storage"
)

// auditBatchBackends are the stores AppendAudits is tested on; the
// PostgreSQL one skips without IPPS_TEST_POSTGRES.
var auditBatchBackends = []struct {
	name string
	open func(t *testing.T) storage.Storage
}{{"sqlite", newSQLite}, {"postgres", newPostgres}}

// batchRecords returns n records of tenant with distinct times and
// every column set (some to empty values), numbered from first.
func batchRecords(tenant string, first, n int) []storage.AuditRecord {
	base := time.Date(2025, 3, 1, 12, 0, 0, 123456789, time.UTC)
	recs := make([]storage.AuditRecord, n)
	for i := range recs {
		k := first + i
		r := storage.AuditRecord{ID: fmt.Sprintf("rec-%05d", k), TenantID: tenant, Time: base.Add(time.Duration(k) * time.Millisecond),
			UserID: fmt.Sprint("u", k), UPN: fmt.Sprintf("User%d@Contoso.Test", k), ClientAddr: "203.0.113.7",
			SessionID: fmt.Sprint("shell-", k), Cmdlet: fmt.Sprint("Get-Thing", k%3), Succeeded: k%4 != 0}
		if k%2 == 0 {
			r.Parameters = json.RawMessage(fmt.Sprintf(`{"Identity":"obj-%d"}`, k))
			r.ObjectIDs = []string{fmt.Sprint("obj-", k), "x"}
		}
		if !r.Succeeded {
			r.Error = fmt.Sprintf("failure %d: \"quoted\" ünïcødé", k)
		}
		recs[i] = r
	}
	return recs
}

func searchAll(t *testing.T, s storage.Storage, q storage.AuditQuery) []storage.AuditRecord {
	t.Helper()
	q.Page.Size = 1000
	recs, next, err := s.SearchAudit(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	if next != "" {
		t.Fatalf("more than %d records", q.Page.Size)
	}
	return recs
}

// TestAppendAudits stores batches of sizes around the chunk boundaries
// and reads every column back; checks the case-insensitive search
// columns; and checks that a batch is all-or-none.
func TestAppendAudits(t *testing.T) {
	for _, be := range auditBatchBackends {
		t.Run(be.name, func(t *testing.T) {
			s := be.open(t)
			st := s.(*Store)
			ctx := context.Background()
			tenant := fmt.Sprint("tenant-", time.Now().UnixNano())
			if err := s.CreateTenant(ctx, storage.Tenant{ID: tenant, Name: tenant}); err != nil {
				t.Fatal(err)
			}
			var want []storage.AuditRecord
			next := 0
			for _, n := range []int{0, 1, 2, 3, maxAuditRows - 1, maxAuditRows, maxAuditRows + 1, 3*maxAuditRows + 45} {
				recs := batchRecords(tenant, next, n)
				next += n
				if err := st.AppendAudits(ctx, recs); err != nil {
					t.Fatalf("%d records: %v", n, err)
				}
				want = append(want, recs...)
			}
			if got := searchAll(t, s, storage.AuditQuery{TenantID: tenant}); !reflect.DeepEqual(got, want) {
				t.Fatalf("round trip of %d records differs, got %d records", len(want), len(got))
			}
			if got := searchAll(t, s, storage.AuditQuery{TenantID: tenant, UserIDs: []string{"user70@contoso.test"}, Operations: []string{"GET-THING1"}}); len(got) != 1 || got[0].ID != "rec-00070" {
				t.Fatalf("by upn and operation: %+v", got)
			}

			// All or none: a duplicate (of a stored record, in the last
			// chunk) fails the call and stores nothing of it.
			dup := batchRecords(tenant, next, maxAuditRows+3)
			dup[len(dup)-1].ID = want[0].ID
			if err := st.AppendAudits(ctx, dup); !errors.Is(err, storage.ErrAlreadyExists) {
				t.Fatalf("duplicate id: %v, want ErrAlreadyExists", err)
			}
			dup = batchRecords(tenant, next, 2)
			dup[1].ID = dup[0].ID
			if err := st.AppendAudits(ctx, dup); !errors.Is(err, storage.ErrAlreadyExists) {
				t.Fatalf("duplicate id within the batch: %v, want ErrAlreadyExists", err)
			}
			if err := st.AppendAudits(ctx, []storage.AuditRecord{{TenantID: tenant}}); err == nil {
				t.Fatal("record without id stored")
			}
			if got := searchAll(t, s, storage.AuditQuery{TenantID: tenant}); len(got) != len(want) {
				t.Fatalf("%d records after failed batches, want %d", len(got), len(want))
			}
		})
	}
}

// TestAppendAuditsInTx checks that inside a caller's transaction the
// records commit and roll back with it, and that on PostgreSQL the
// transaction's commit waits for the WAL flush although the test
// session's default is synchronous_commit=off.
func TestAppendAuditsInTx(t *testing.T) {
	for _, be := range auditBatchBackends {
		t.Run(be.name, func(t *testing.T) {
			s := be.open(t)
			ctx := context.Background()
			tenant := fmt.Sprint("tenant-", time.Now().UnixNano())
			if err := s.CreateTenant(ctx, storage.Tenant{ID: tenant, Name: tenant}); err != nil {
				t.Fatal(err)
			}
			rollback := errors.New("roll back")
			err := s.Tx(ctx, func(ctx context.Context, tx storage.Storage) error {
				if err := tx.(*Store).AppendAudits(ctx, batchRecords(tenant, 0, 70)); err != nil {
					return err
				}
				return rollback
			})
			if !errors.Is(err, rollback) {
				t.Fatal(err)
			}
			if got := searchAll(t, s, storage.AuditQuery{TenantID: tenant}); len(got) != 0 {
				t.Fatalf("%d records survived the rollback", len(got))
			}
			want := batchRecords(tenant, 100, 70)
			err = s.Tx(ctx, func(ctx context.Context, tx storage.Storage) error {
				st := tx.(*Store)
				syncCommit := func() string {
					var sc string
					if err := st.queryRow(ctx, `SHOW synchronous_commit`).Scan(&sc); err != nil {
						t.Fatal(err)
					}
					return sc
				}
				durable := st.fl.durableSQL != ""
				if durable && syncCommit() != "off" {
					t.Fatal("test session does not default to synchronous_commit=off: the check below proves nothing")
				}
				if err := st.AppendAudits(ctx, want); err != nil {
					return err
				}
				if durable {
					if sc := syncCommit(); sc != "on" {
						t.Errorf("synchronous_commit is %q in the transaction, want on", sc)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := searchAll(t, s, storage.AuditQuery{TenantID: tenant}); !reflect.DeepEqual(got, want) {
				t.Fatalf("committed batch differs: %d records", len(got))
			}
		})
	}
}

// BenchmarkAppendAuditsTx is the statement cost of one group-commit
// batch's records: 256 records appended one by one (AppendAudit) or at
// once (AppendAudits) in a transaction that is rolled back, so no commit
// or fsync is measured. ns/op is per record.
//
//	go test ./internal/storage/sql -run '^$' -bench AppendAuditsTx -benchtime 2s
func BenchmarkAppendAuditsTx(b *testing.B) {
	const batch = 256
	errRollback := errors.New("roll back")
	for _, be := range benchBackends() {
		for _, mode := range []string{"single", "batch"} {
			b.Run(be.name+"/"+mode, func(b *testing.B) {
				s := be.open(b)
				ctx := context.Background()
				tenant := benchTenant(b, s)
				recs := batchRecords(tenant, 0, batch)
				for i := range recs {
					recs[i].Cmdlet = "Get-RetentionCompliancePolicy"
				}
				b.ResetTimer()
				for n := 0; n < b.N; n += batch {
					err := s.Tx(ctx, func(ctx context.Context, tx storage.Storage) error {
						if mode == "batch" {
							if err := tx.(*Store).AppendAudits(ctx, recs); err != nil {
								return err
							}
							return errRollback
						}
						for _, r := range recs {
							if err := tx.AppendAudit(ctx, r); err != nil {
								return err
							}
						}
						return errRollback
					})
					if !errors.Is(err, errRollback) {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
