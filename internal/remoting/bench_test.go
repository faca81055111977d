package remoting

import (
	"context"
	"net/http"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/runspace"
)

// BenchmarkPipelineRoundTrip measures one full pipeline on an open shell
// over loopback HTTP: Command (CREATE_PIPELINE), Receive(s) until Done,
// Signal Terminate; the pipeline emits 10 objects. It reports p50 and p99
// latency as custom metrics.
func BenchmarkPipelineRoundTrip(b *testing.B) {
	e := newEnv(b, false, nil)
	var reqs atomic.Int64
	e.hs.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reqs.Add(1)
		e.srv.ServeHTTP(w, r)
	})
	c := e.dial("alice", nil)
	reqs.Store(0)
	cmds := cmd("Get-Number", intArg("Count", 10))
	lat := make([]time.Duration, 0, b.N)
	n := 0
	h := Handlers{Output: func(clixml.Value) { n++ }}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		if err := c.Invoke(context.Background(), cmds, nil, h); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	if n != 10*len(lat) {
		b.Fatalf("got %d objects for %d runs", n, len(lat))
	}
	b.ReportMetric(float64(reqs.Load())/float64(len(lat)), "requests/op")
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

// BenchmarkPipelineParallelTLS measures the CPU cost of the remoting
// layer alone (client and server in this process, over loopback TLS):
// many shells, each running one-object pipelines back to back, as
// ippsload does against ippsd. ns/op is wall time per pipeline with all
// cores busy, so it tracks CPU per cmdlet for client plus server.
func BenchmarkPipelineParallelTLS(b *testing.B) {
	e := newEnv(b, true, nil)
	const shells = 64
	clients := make(chan *Client, shells)
	for range shells {
		clients <- e.dial("alice", nil)
	}
	cmds := cmd("Get-Number", intArg("Count", 1))
	b.ReportAllocs()
	b.SetParallelism(shells / max(1, runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		c := <-clients
		defer func() { clients <- c }()
		for pb.Next() {
			got := 0
			if err := c.Invoke(context.Background(), cmds, nil, Handlers{Output: func(clixml.Value) { got++ }}); err != nil {
				b.Error(err)
				return
			}
			if got != 1 {
				b.Errorf("got %d objects, want 1", got)
				return
			}
		}
	})
}

// BenchmarkPipelineWideObject is the ippsload cmdlet shape, for the
// client's cost per Invoke: one shell, one command returning one object
// of 40 properties (Command, Receive, background Terminate), over
// loopback TLS. Client and server share the process; allocs/op and B/op
// are the stable figures.
func BenchmarkPipelineWideObject(b *testing.B) {
	e := newEnv(b, true, nil)
	c := e.dial("alice", nil)
	cmds := cmd("Get-Wide", runspace.Arg{Name: "Identity", Value: "load-1-1"})
	got := 0
	h := Handlers{Output: func(clixml.Value) { got++ }}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := c.Invoke(context.Background(), cmds, nil, h); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if got != b.N {
		b.Fatalf("got %d objects for %d runs", got, b.N)
	}
}
