package scaleout

import (
	"context"
	"testing"

	"github.com/ipps/ipps/internal/remoting"
	"github.com/ipps/ipps/internal/runspace"
)

// BenchmarkPipeline runs one pipeline (Get-Number -Count 10: Command,
// Receive until done, Signal) on a shell of replica a over HTTPS, either
// directly or with every request after Create landing on replica b and
// forwarded to a (lease and replica lookups in SQLite, a second TLS hop).
// The difference of the two ns/op divided by requests/op is the
// forwarding overhead per request.
func BenchmarkPipeline(b *testing.B) {
	for _, bc := range []struct {
		name string
		pick func(int64) int
	}{
		{"direct", alternate(1)},
		{"forwarded", func(i int64) int { return min(int(i), 1) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			cl := newCluster(b, backends[0].dsn(b), 2, clusterOptions{})
			a, bn := cl.nodes[0], cl.nodes[1]
			cfg, rt := cl.client("alice", bc.pick, a, bn)
			ctx := context.Background()
			c, err := remoting.Dial(ctx, cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close(ctx)
			cmds := []runspace.Command{{Name: "Get-Number", Args: []runspace.Arg{{Name: "Count", Value: int32(10)}}}}
			start := rt.n.Load()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if err := c.Invoke(ctx, cmds, nil, remoting.Handlers{}); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(rt.n.Load()-start)/float64(b.N), "requests/op")
			b.ReportMetric(float64(a.hops.Load())/float64(b.N), "forwarded/op")
		})
	}
}
