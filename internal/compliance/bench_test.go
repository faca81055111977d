package compliance

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/runspace"
	"github.com/ipps/ipps/internal/storage"
)

// BenchmarkGetRetentionCompliancePolicy10k measures Invoke of
// Get-RetentionCompliancePolicy over 10,000 stored policies: ns/op is time
// to completion, ns-to-first/op the time until the first WriteObject.
func BenchmarkGetRetentionCompliancePolicy10k(b *testing.B) {
	for _, be := range backends() {
		b.Run(be.name, func(b *testing.B) {
			e := newEnv(b, be)
			ctx := context.Background()
			body := encode(policyBody{Enabled: true, DistributionStatus: StatusSuccess, Locations: map[string][]string{"SharePointLocation": {"All"}}})
			err := e.st.Tx(ctx, func(ctx context.Context, tx storage.Storage) error {
				for i := range 10000 {
					if _, err := tx.CreateObject(ctx, storage.Object{TenantID: e.tenant, Kind: KindPolicy, ID: uuid.NewString(), Name: fmt.Sprintf("policy-%05d", i), Body: body}); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			rs := e.open(e.scc, e.admin)
			p := &runspace.Pipeline{Commands: []runspace.Command{{Name: "Get-RetentionCompliancePolicy"}}}
			var first time.Duration
			b.ResetTimer()
			for b.Loop() {
				c := &countingOutput{}
				start := time.Now()
				if err := rs.Invoke(ctx, p, c); err != nil {
					b.Fatal(err)
				}
				if c.n != 10000 {
					b.Fatalf("got %d objects", c.n)
				}
				first += c.first.Sub(start)
			}
			b.ReportMetric(float64(first.Nanoseconds())/float64(b.N), "ns-to-first/op")
		})
	}
}

// countingOutput counts objects and stamps the first one.
type countingOutput struct {
	capture
	n int
}

func (c *countingOutput) WriteObject(clixml.Value) error {
	if c.n == 0 {
		c.first = time.Now()
	}
	c.n++
	return nil
}

// BenchmarkNewRetentionCompliancePolicy measures New-RetentionCompliancePolicy
// throughput (create + limit count + durable audit record per call).
func BenchmarkNewRetentionCompliancePolicy(b *testing.B) {
	for _, be := range backends() {
		b.Run(be.name, func(b *testing.B) {
			e := newEnv(b, be)
			rs := e.open(e.scc, e.admin)
			i := 0
			for b.Loop() {
				i++
				c, err := run(rs, "New-RetentionCompliancePolicy", A("", fmt.Sprintf("bench-%d", i)), A("SharePointLocation", "All"))
				if err != nil || len(c.errs) > 0 || len(c.objs) != 1 {
					b.Fatalf("new: %v %v", err, c.errs)
				}
			}
		})
	}
}

// BenchmarkDistributorStep distributes 3,000 pending policies (what a
// 30 s interval collects under load) in one Step; ns/op is the pass.
//
//	go test ./internal/compliance -run '^$' -bench DistributorStep -benchtime 3x
func BenchmarkDistributorStep(b *testing.B) {
	e := newEnv(b, sqliteBackend())
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		for i := range 3000 {
			body := encode(policyBody{Enabled: true, DistributionStatus: StatusPending, Locations: map[string][]string{"ExchangeLocation": {"All"}}})
			if _, err := e.st.CreateObject(ctx, storage.Object{TenantID: e.tenant, Kind: KindPolicy, ID: uuid.NewString(), Name: fmt.Sprint("bench-", b.N, "-", i, "-", uuid.NewString()[:8]), Body: body}); err != nil {
				b.Fatal(err)
			}
		}
		d := NewDistributor(e.st, DistributorConfig{}, testLogger(b))
		b.StartTimer()
		n, err := d.Step(ctx)
		if err != nil || n < 3000 {
			b.Fatalf("step: %d, %v", n, err)
		}
	}
}
