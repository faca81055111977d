package sql

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/storage"
)

// Run with:
//
//	IPPS_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	  go test ./internal/storage/sql -run '^$' -bench . -benchtime 2s

type benchBackend struct {
	name string
	open func(b *testing.B) storage.Storage
}

func benchBackends() []benchBackend {
	bs := []benchBackend{{"sqlite", func(b *testing.B) storage.Storage {
		return openSQLite(b, filepath.Join(b.TempDir(), "bench.db"))
	}}}
	if os.Getenv("IPPS_TEST_POSTGRES") != "" {
		bs = append(bs, benchBackend{"postgres", func(b *testing.B) storage.Storage { return openPostgres(b, newSchema(b)) }})
	}
	return bs
}

func benchTenant(b *testing.B, s storage.Storage) string {
	b.Helper()
	id := fmt.Sprintf("tenant-%d", time.Now().UnixNano())
	if err := s.CreateTenant(context.Background(), storage.Tenant{ID: id, Name: id}); err != nil {
		b.Fatal(err)
	}
	return id
}

var policyBody = json.RawMessage(`{"Enabled":true,"Mode":"Enforce","DistributionStatus":"Pending","ExchangeLocation":["All"],"Comment":"benchmark"}`)

// BenchmarkCreateObject is the storage cost of New-RetentionCompliancePolicy.
func BenchmarkCreateObject(b *testing.B) {
	for _, be := range benchBackends() {
		b.Run(be.name, func(b *testing.B) {
			s := be.open(b)
			ctx := context.Background()
			tenant := benchTenant(b, s)
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if _, err := s.CreateObject(ctx, storage.Object{TenantID: tenant, Kind: "RetentionCompliancePolicy",
					ID: fmt.Sprintf("pol-%d", i), Name: fmt.Sprintf("Policy %d", i), Body: policyBody}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
		})
	}
}

// BenchmarkListObjects10k walks 10,000 objects in pages of 1,000; it
// reports the time to the first page and to the whole walk (ns/op).
func BenchmarkListObjects10k(b *testing.B) {
	for _, be := range benchBackends() {
		b.Run(be.name, func(b *testing.B) {
			s := be.open(b)
			ctx := context.Background()
			tenant := benchTenant(b, s)
			seedPolicies(b, s, tenant, 10000)
			var first time.Duration
			b.ResetTimer()
			for b.Loop() {
				start := time.Now()
				q := storage.ObjectQuery{TenantID: tenant, Kind: "RetentionCompliancePolicy", Page: storage.Page{Size: 1000}}
				n := 0
				for page := 0; ; page++ {
					objs, next, err := s.ListObjects(ctx, q)
					if err != nil {
						b.Fatal(err)
					}
					if page == 0 {
						first += time.Since(start)
					}
					n += len(objs)
					if next == "" {
						break
					}
					q.Page.Cursor = next
				}
				if n != 10000 {
					b.Fatalf("listed %d", n)
				}
			}
			b.ReportMetric(float64(first.Nanoseconds())/float64(b.N), "first-page-ns")
		})
	}
}

// BenchmarkLease acquires and releases a lease (limit 5 per user).
func BenchmarkLease(b *testing.B) {
	for _, be := range benchBackends() {
		b.Run(be.name, func(b *testing.B) {
			s := be.open(b)
			ctx := context.Background()
			now := time.Now()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				l := storage.Lease{ShellID: fmt.Sprintf("shell-%d", i), UserID: "u", ReplicaID: "r", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
				if err := s.AcquireLease(ctx, l, 5); err != nil {
					b.Fatal(err)
				}
				if err := s.ReleaseLease(ctx, l.ShellID); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
		})
	}
}

// BenchmarkAuditAppend appends durable audit records.
func BenchmarkAuditAppend(b *testing.B) {
	for _, be := range benchBackends() {
		b.Run(be.name, func(b *testing.B) {
			s := be.open(b)
			ctx := context.Background()
			now := time.Now()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if err := s.AppendAudit(ctx, storage.AuditRecord{ID: fmt.Sprintf("rec-%d", i), TenantID: "t", Time: now,
					UserID: "u", UPN: "admin@contoso.com", ClientAddr: "203.0.113.5", Cmdlet: "New-RetentionCompliancePolicy",
					Parameters: json.RawMessage(`{"Name":"p","ExchangeLocation":"All"}`), Succeeded: true}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
		})
	}
}

// BenchmarkMixedParallel is the cmdlet load's storage pattern: 64
// goroutines, each doing four point reads (user, object) per write
// (object create). ns/op is per operation of either kind.
func BenchmarkMixedParallel(b *testing.B) {
	for _, be := range benchBackends() {
		b.Run(be.name, func(b *testing.B) {
			s := be.open(b)
			ctx := context.Background()
			tenant := benchTenant(b, s)
			seed, err := s.CreateObject(ctx, storage.Object{TenantID: tenant, Kind: "RetentionCompliancePolicy", ID: "seed", Name: "Seed", Body: policyBody})
			if err != nil {
				b.Fatal(err)
			}
			var n atomic.Int64
			b.SetParallelism(32)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := n.Add(1)
					if i%5 == 0 {
						if _, err := s.CreateObject(ctx, storage.Object{TenantID: tenant, Kind: "RetentionCompliancePolicy",
							ID: fmt.Sprintf("pol-%d", i), Name: fmt.Sprintf("Policy %d", i), Body: policyBody}); err != nil {
							b.Error(err)
							return
						}
						continue
					}
					if _, err := s.GetObject(ctx, tenant, seed.Kind, seed.ID); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
		})
	}
}

// BenchmarkDeleteObjectInLargeTenant deletes objects from a tenant of
// 10,000 (the distributor removing policies): the descendant sweep must
// use the parent index, not scan the tenant.
func BenchmarkDeleteObjectInLargeTenant(b *testing.B) {
	for _, be := range benchBackends() {
		b.Run(be.name, func(b *testing.B) {
			s := be.open(b)
			ctx := context.Background()
			tenant := benchTenant(b, s)
			for i := range 10000 {
				if _, err := s.CreateObject(ctx, storage.Object{TenantID: tenant, Kind: "RetentionCompliancePolicy",
					ID: fmt.Sprintf("pol-%d", i), Name: fmt.Sprintf("Policy %d", i), Body: policyBody}); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if err := s.DeleteObject(ctx, tenant, "RetentionCompliancePolicy", fmt.Sprintf("pol-%d", i)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCountObjects10k counts a kind in a tenant of 10,000 objects
// of that kind (New-RetentionCompliancePolicy's limit check), inside a
// transaction as the cmdlet does.
func BenchmarkCountObjects10k(b *testing.B) {
	for _, be := range benchBackends() {
		b.Run(be.name, func(b *testing.B) {
			s := be.open(b)
			ctx := context.Background()
			tenant := benchTenant(b, s)
			seedPolicies(b, s, tenant, 10000)
			b.ResetTimer()
			for b.Loop() {
				if err := s.Tx(ctx, func(ctx context.Context, tx storage.Storage) error {
					n, err := tx.CountObjects(ctx, tenant, "RetentionCompliancePolicy")
					if err == nil && n != 10000 {
						err = fmt.Errorf("count %d", n)
					}
					return err
				}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// seedPolicies creates n retention policies in tenant in one
// transaction, named "Policy 00000" onwards.
func seedPolicies(b *testing.B, s storage.Storage, tenant string, n int) {
	b.Helper()
	if err := s.Tx(context.Background(), func(ctx context.Context, tx storage.Storage) error {
		for i := range n {
			if _, err := tx.CreateObject(ctx, storage.Object{TenantID: tenant, Kind: "RetentionCompliancePolicy",
				ID: fmt.Sprintf("pol-%d", i), Name: fmt.Sprintf("Policy %05d", i), Body: policyBody}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
}
