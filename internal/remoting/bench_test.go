package remoting

import (
	"context"
	"net/http"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/clixml"
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
