package compliance

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ipps/ipps/internal/runspace"
	"github.com/ipps/ipps/internal/storage"
)

// These benchmarks measure one cmdlet end to end at the runspace level
// (bind, RBAC-filtered lookup, durable audit record, storage read or
// write, output object) on a real SQLite database, which is the server's
// per-cmdlet cost minus the wire protocol:
//
//	go test ./internal/compliance -run '^$' -bench 'Invoke' -benchmem -count 6

// benchPolicies and benchTags size the tenant the Invoke benchmarks run on.
const (
	benchPolicies = 300
	benchTags     = 2
)

// newBenchEnv seeds a SQLite tenant with benchPolicies policies and
// benchTags labels.
func newBenchEnv(b *testing.B) *env {
	e := newEnv(b, sqliteBackend())
	ctx := context.Background()
	body := encode(policyBody{Enabled: true, DistributionStatus: StatusSuccess, Locations: map[string][]string{"ExchangeLocation": {"All"}},
		CreatedBy: "admin@contoso.com", LastModifiedBy: "admin@contoso.com"})
	err := e.st.Tx(ctx, func(ctx context.Context, tx storage.Storage) error {
		for i := range benchPolicies {
			if _, err := tx.CreateObject(ctx, storage.Object{TenantID: e.tenant, Kind: KindPolicy, ID: uuid.NewString(), Name: benchPolicyName(i), Body: body}); err != nil {
				return err
			}
		}
		for i := range benchTags {
			tb := encode(tagBody{RetentionAction: "Keep", RetentionDuration: "2555", RetentionType: "CreationAgeInDays", Comment: "seven years", CreatedBy: "admin@contoso.com"})
			if _, err := tx.CreateObject(ctx, storage.Object{TenantID: e.tenant, Kind: KindTag, ID: uuid.NewString(), Name: fmt.Sprintf("label-%d", i), Body: tb}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return e
}

// reportCPU reports the process CPU time (user+system, all threads) per
// op spent since start, as cpu-ns/op: ns/op of a single-shell benchmark
// is mostly waiting for the audit record's fsync, while CPU is what
// bounds a loaded server.
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

func benchPolicyName(i int) string { return fmt.Sprintf("policy-%05d", i) }

// invokeOK runs cmd and reports a terminating error, an error record or
// a count of objects other than wantObjs (-1: any). Like the remoting
// server's, each pipeline's context can be cancelled (which makes the
// SQLite driver watch it during every statement).
func invokeOK(rs runspace.Runspace, cmd runspace.Command, wantObjs int) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := &countingOutput{}
	if err := rs.Invoke(ctx, &runspace.Pipeline{Commands: []runspace.Command{cmd}}, c); err != nil {
		return fmt.Errorf("%s: %w", cmd.Name, err)
	}
	if len(c.errs) > 0 || (wantObjs >= 0 && c.n != wantObjs) {
		return fmt.Errorf("%s: %d objects, errors %v", cmd.Name, c.n, c.errs)
	}
	return nil
}

// BenchmarkInvokeGetPolicyByIdentity is the load mix's most frequent
// cmdlet: Get-RetentionCompliancePolicy -Identity <name>, one policy.
func BenchmarkInvokeGetPolicyByIdentity(b *testing.B) {
	e := newBenchEnv(b)
	rs := e.open(e.scc, e.admin)
	i := 0
	cpu := processCPU()
	for b.Loop() {
		i++
		if err := invokeOK(rs, runspace.Command{Name: "Get-RetentionCompliancePolicy", Args: []runspace.Arg{{Name: "Identity", Value: benchPolicyName(i % benchPolicies)}}}, 1); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu)
}

// BenchmarkInvokeGetTag is the load mix's second cmdlet:
// Get-ComplianceTag without -Identity, every label of the tenant.
func BenchmarkInvokeGetTag(b *testing.B) {
	e := newBenchEnv(b)
	rs := e.open(e.scc, e.admin)
	cpu := processCPU()
	for b.Loop() {
		if err := invokeOK(rs, runspace.Command{Name: "Get-ComplianceTag"}, benchTags); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu)
}

// BenchmarkInvokeMix runs the load mix in parallel, one shell per
// goroutine (each its own user, to stay under the connection limit):
// Get-RetentionCompliancePolicy -Identity 60, Get-ComplianceTag 20,
// Set-RetentionCompliancePolicy -Comment 10, New 5, Remove 5. Like
// ippsload, writes only touch the goroutine's own policies.
func BenchmarkInvokeMix(b *testing.B) {
	e := newBenchEnv(b)
	const shells = 16
	rss := make([]runspace.Runspace, shells)
	for i := range rss {
		rss[i] = e.open(e.scc, e.user(fmt.Sprintf("load%d@contoso.com", i), "Organization Management"))
	}
	var next atomic.Int64
	b.SetParallelism(shells / 2)
	b.ResetTimer()
	cpu := processCPU()
	defer reportCPU(b, cpu)
	b.RunParallel(func(pb *testing.PB) {
		w := int(next.Add(1) - 1)
		rs := rss[w%shells]
		rng := rand.New(rand.NewPCG(uint64(w), 1))
		var own []string
		seq := 0
		create := func() error {
			seq++
			name := fmt.Sprintf("mix%d-%d", w, seq)
			own = append(own, name)
			return invokeOK(rs, runspace.Command{Name: "New-RetentionCompliancePolicy", Args: []runspace.Arg{{Name: "Name", Value: name}, {Name: "ExchangeLocation", Value: "All"}}}, 1)
		}
		for pb.Next() {
			var err error
			switch n := rng.IntN(100); {
			case n < 60:
				err = invokeOK(rs, runspace.Command{Name: "Get-RetentionCompliancePolicy", Args: []runspace.Arg{{Name: "Identity", Value: benchPolicyName(rng.IntN(benchPolicies))}}}, 1)
			case n < 80:
				err = invokeOK(rs, runspace.Command{Name: "Get-ComplianceTag"}, benchTags)
			case n < 90 && len(own) > 0:
				seq++
				err = invokeOK(rs, runspace.Command{Name: "Set-RetentionCompliancePolicy", Args: []runspace.Arg{{Name: "Identity", Value: own[rng.IntN(len(own))]}, {Name: "Comment", Value: fmt.Sprintf("load comment %d", seq)}}}, 0)
			case n < 95 || len(own) <= 1:
				err = create()
			default:
				err = invokeOK(rs, runspace.Command{Name: "Remove-RetentionCompliancePolicy", Args: []runspace.Arg{{Name: "Identity", Value: own[0]}, {Name: "Confirm", Value: false}}}, 0)
				own = own[1:]
			}
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
}
