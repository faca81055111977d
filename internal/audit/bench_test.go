package audit

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ipps/ipps/internal/storage"
	"github.com/ipps/ipps/internal/storage/storagetest"
)

// BenchmarkRecordParallel is the audit cost of read-only cmdlets under
// load: many concurrent Records on SQLite, group-committed.
//
//	go test ./internal/audit -run '^$' -bench . -benchtime 3s
func BenchmarkRecordParallel(b *testing.B) {
	st := &countingStore{Storage: storagetest.New(b)}
	br, err := NewBroker(st, Config{HMACKey: []byte("0123456789abcdef")}, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.SetParallelism(256)
	b.ResetTimer()
	cpu := processCPU()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := br.Record(context.Background(), Event{TenantID: "t", UserID: "u", UPN: "admin@contoso.test", Cmdlet: "Get-RetentionCompliancePolicy"}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(b.N)/float64(st.txs.Load()), "records/tx")
	reportCPU(b, cpu)
}

// BenchmarkApplyParallel is the cost of mutating cmdlets: each Apply
// creates an object and its record in the shared transaction.
func BenchmarkApplyParallel(b *testing.B) {
	st := &countingStore{Storage: storagetest.New(b)}
	if err := st.CreateTenant(context.Background(), storage.Tenant{ID: "t", Name: "t"}); err != nil {
		b.Fatal(err)
	}
	br, err := NewBroker(st, Config{HMACKey: []byte("0123456789abcdef")}, nil)
	if err != nil {
		b.Fatal(err)
	}
	var n int64
	b.SetParallelism(256)
	b.ResetTimer()
	cpu := processCPU()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			out, err := br.Apply(context.Background(), Event{TenantID: "t", UserID: "u", Cmdlet: "New-RetentionCompliancePolicy"},
				func(ctx context.Context, tx storage.Storage) error {
					n++ // changes run one at a time, in the batch leader
					_, err := tx.CreateObject(ctx, storage.Object{TenantID: "t", Kind: "K", ID: uuid.NewString(), Name: uuid.NewString(), Body: []byte(`{}`)})
					return err
				})
			if err != nil || out != nil {
				b.Error(err, out)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "applies/s")
	b.ReportMetric(float64(b.N)/float64(st.txs.Load()), "applies/tx")
	reportCPU(b, cpu)
}

// reportCPU reports the process CPU time (user+system, all threads) per
// op since start, as cpu-ns/op: ns/op of these benchmarks is bounded by
// the commit's fsync, while CPU is what bounds a loaded server.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op")
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
