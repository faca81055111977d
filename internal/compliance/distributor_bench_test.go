package compliance

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ipps/ipps/internal/storage"
)

// BenchmarkDistributorSteadyState measures one pass in steady state on
// SQLite: 1,000 policies sit inside the lag window (Lag is an hour, so
// every pass lists them all, as a 2 s interval with a 5 s lag lists each
// change about three times) and 50 of them were set back to Pending
// since the last pass. ns/op, allocs/op and cpu-ns/op (process CPU, see
// reportCPU) are the pass alone; ns/op includes the commit's fsync.
//
//	go test ./internal/compliance -run '^$' -bench DistributorSteadyState -benchmem -count 5
func BenchmarkDistributorSteadyState(b *testing.B) {
	const (
		policies = 1000
		changed  = 50
	)
	e := newEnv(b, sqliteBackend())
	ctx := context.Background()
	body := encode(policyBody{Enabled: true, DistributionStatus: StatusSuccess, Locations: map[string][]string{"ExchangeLocation": {"All"}},
		CreatedBy: "admin@contoso.com", LastModifiedBy: "admin@contoso.com"})
	ids := make([]string, policies)
	err := e.st.Tx(ctx, func(ctx context.Context, tx storage.Storage) error {
		for i := range ids {
			ids[i] = uuid.NewString()
			if _, err := tx.CreateObject(ctx, storage.Object{TenantID: e.tenant, Kind: KindPolicy, ID: ids[i], Name: fmt.Sprintf("steady-%05d", i), Body: body}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	d := NewDistributor(e.st, DistributorConfig{Lag: time.Hour}, testLogger(b))
	if _, err := d.Step(ctx); err != nil { // the first pass sees everything
		b.Fatal(err)
	}
	round := 0
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		err := e.st.Tx(ctx, func(ctx context.Context, tx storage.Storage) error {
			for i := range changed {
				id := ids[(round*changed+i)%policies]
				if _, err := tx.UpdateObject(ctx, e.tenant, KindPolicy, id, func(o storage.Object) (storage.Object, error) {
					pb, err := decode[policyBody](o)
					if err != nil {
						return o, err
					}
					pb.DistributionStatus = StatusPending
					o.Body = encode(pb)
					return o, nil
				}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		round++
		b.StartTimer()
		start := processCPU()
		n, err := d.Step(ctx)
		cpu += processCPU() - start
		if err != nil || n != changed {
			b.Fatalf("step: %d, %v", n, err)
		}
	}
	b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
}
