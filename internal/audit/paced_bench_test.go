package audit

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ipps/ipps/internal/storage"
	"github.com/ipps/ipps/internal/storage/storagetest"
)

// pacedWorkers and pacedRate model a moderately loaded server: a few
// dozen shells whose cmdlets arrive at about 1,000/s in all, so group
// commit sees small batches and the fixed cost of each commit (BEGIN,
// COMMIT, the WAL frames of every page it dirties, the fsync) is paid
// by few records. The closed-loop benchmarks above measure large
// batches instead.
const (
	pacedWorkers = 16
	pacedRate    = 1000 // records per second, all workers together
)

// runPaced calls op b.N times from pacedWorkers goroutines, each
// starting one op every pacedWorkers/pacedRate seconds (or as soon as
// its previous op returns, when that is later). It reports cpu-ns/op
// and, from txs, ops per transaction.
func runPaced(b *testing.B, txs *atomic.Int64, op func(i int64) error) {
	interval := time.Second * pacedWorkers / pacedRate
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	txs.Store(0)
	cpu := processCPU()
	for w := range pacedWorkers {
		wg.Go(func() {
			// Stagger the workers so their ops spread over the interval.
			due := time.Now().Add(interval * time.Duration(w) / pacedWorkers)
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				time.Sleep(time.Until(due))
				due = due.Add(interval)
				if err := op(i); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	reportCPU(b, cpu)
	b.ReportMetric(float64(b.N)/float64(max(txs.Load(), 1)), "ops/tx")
}

// BenchmarkRecordPaced is the audit cost of read-only cmdlets at
// moderate load: cpu-ns/op is the process CPU per record.
//
//	go test ./internal/audit -run '^$' -bench Paced -count 5
func BenchmarkRecordPaced(b *testing.B) {
	st := &countingStore{Storage: storagetest.New(b)}
	br, err := NewBroker(st, Config{HMACKey: []byte("0123456789abcdef")}, nil)
	if err != nil {
		b.Fatal(err)
	}
	runPaced(b, &st.txs, func(i int64) error {
		return br.Record(context.Background(), Event{TenantID: fmt.Sprintf("t%d", i%4), UserID: "u", UPN: "admin@contoso.test",
			SessionID: "3f2a9c1e-0b7d-4c55-9a41-6d2e8f0c7b13", ClientAddr: "203.0.113.5", Cmdlet: "Get-RetentionCompliancePolicy"})
	})
}

// BenchmarkNewPolicyPaced is New-RetentionCompliancePolicy's audit and
// storage cost at moderate load, in a tenant that already holds
// 5,000 policies: each Apply counts the tenant's policies against the
// limit, then creates one.
func BenchmarkNewPolicyPaced(b *testing.B) {
	st := &countingStore{Storage: storagetest.New(b)}
	ctx := context.Background()
	if err := st.CreateTenant(ctx, storage.Tenant{ID: "t", Name: "t"}); err != nil {
		b.Fatal(err)
	}
	err := st.Tx(ctx, func(ctx context.Context, tx storage.Storage) error {
		for i := range 5000 {
			if _, err := tx.CreateObject(ctx, storage.Object{TenantID: "t", Kind: "RetentionCompliancePolicy", ID: uuid.NewString(),
				Name: fmt.Sprintf("seed %d", i), Body: []byte(`{}`)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	br, err := NewBroker(st, Config{HMACKey: []byte("0123456789abcdef")}, nil)
	if err != nil {
		b.Fatal(err)
	}
	runPaced(b, &st.txs, func(i int64) error {
		out, err := br.Apply(ctx, Event{TenantID: "t", UserID: "u", UPN: "admin@contoso.test", Cmdlet: "New-RetentionCompliancePolicy"},
			func(ctx context.Context, tx storage.Storage) error {
				n, err := tx.CountObjects(ctx, "t", "RetentionCompliancePolicy")
				if err != nil {
					return err
				}
				if n >= 10000 {
					return fmt.Errorf("limit reached at %d", n)
				}
				_, err = tx.CreateObject(ctx, storage.Object{TenantID: "t", Kind: "RetentionCompliancePolicy", ID: uuid.NewString(),
					Name: uuid.NewString(), Body: []byte(`{"Enabled":true}`)})
				return err
			})
		if err == nil {
			err = out
		}
		return err
	})
}
