package load

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// Snapshot is one scrape of a Prometheus text exposition: every sample
// keyed by its series, written as name or name{k="v",...} with the labels
// in the order the server sent them.
type Snapshot map[string]float64

// ParseMetrics reads the Prometheus text format (version 0.0.4). Comment
// and blank lines are skipped; a timestamp after the value is ignored.
// A malformed sample line is an error naming its line number.
func ParseMetrics(r io.Reader) (Snapshot, error) {
	s := Snapshot{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for ln := 1; sc.Scan(); ln++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		series, rest := line, ""
		if i := strings.LastIndexByte(line, '}'); i >= 0 {
			series, rest = line[:i+1], strings.TrimSpace(line[i+1:])
		} else if i := strings.IndexAny(line, " \t"); i >= 0 {
			series, rest = line[:i], strings.TrimSpace(line[i+1:])
		}
		if f := strings.Fields(rest); len(f) > 0 {
			rest = f[0]
		}
		v, err := strconv.ParseFloat(rest, 64)
		if err != nil || series == "" || strings.Count(series, "{") != strings.Count(series, "}") {
			return nil, fmt.Errorf("load: metrics line %d %q: not a sample", ln, line)
		}
		s[series] = v
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("load: reading metrics: %w", err)
	}
	return s, nil
}

// Value returns the sample of series (e.g. `go_goroutines` or
// `ippsd_open_shells{endpoint="compliance"}`) and whether it exists.
func (s Snapshot) Value(series string) (float64, bool) {
	v, ok := s[series]
	return v, ok
}

// Sum adds every series of a metric whose labels include all of want
// (each `k="v"`), e.g. Sum("ippsd_shells_refused_total").
func (s Snapshot) Sum(name string, want ...string) float64 {
	var t float64
	for k, v := range s {
		base, labels, _ := strings.Cut(k, "{")
		if base != name {
			continue
		}
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(labels, w)
		}
		if ok {
			t += v
		}
	}
	return t
}

// Scrape GETs url (a /metrics endpoint) with client and parses it.
func Scrape(ctx context.Context, client *http.Client, url string) (Snapshot, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("load: scrape %s: %w", url, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("load: scrape %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("load: scrape %s: HTTP %s", url, resp.Status)
	}
	return ParseMetrics(resp.Body)
}

// ServerStats are the figures the load tool reads from a replica.
type ServerStats struct {
	OpenShells float64 `json:"open_shells"`
	HeapInuse  float64 `json:"heap_inuse_bytes"`
	RSS        float64 `json:"rss_bytes"`
	Goroutines float64 `json:"goroutines"`
	StackInuse float64 `json:"stack_inuse_bytes"`
	// NextGC is the heap goal set by the last GC: the live heap then
	// times 1+GOGC/100, but never under 4 MiB.
	NextGC float64 `json:"next_gc_bytes"`
	GOGC   float64 `json:"gogc_percent"`
	// LastGC is the Unix time of the last GC, in seconds.
	LastGC float64 `json:"last_gc_unix"`
	// HeapLive is the heap the last GC marked live (runtime metric
	// /gc/heap/live:bytes); 0 when the server does not export it.
	HeapLive float64 `json:"heap_live_bytes"`
}

// minHeapGoal is the runtime's floor for the heap goal.
const minHeapGoal = 4 << 20

// LiveHeap is the live heap at the last GC: measured when the server
// exports go_gc_heap_live_bytes, else estimated from the heap goal, in
// which case ok is false when the goal sits at its 4 MiB floor (the
// estimate would be wrong) or GOGC is unknown or off.
func (s ServerStats) LiveHeap() (bytes float64, ok bool) {
	if s.HeapLive > 0 {
		return s.HeapLive, true
	}
	if s.GOGC <= 0 || s.NextGC <= minHeapGoal {
		return 0, false
	}
	return s.NextGC / (1 + s.GOGC/100), true
}

// Stats extracts ServerStats; missing series read as zero.
func (s Snapshot) Stats() ServerStats {
	return ServerStats{
		OpenShells: s[`ippsd_open_shells{endpoint="compliance"}`],
		HeapInuse:  s["go_memstats_heap_inuse_bytes"],
		RSS:        s["process_resident_memory_bytes"],
		Goroutines: s["go_goroutines"],
		StackInuse: s["go_memstats_stack_inuse_bytes"],
		NextGC:     s["go_memstats_next_gc_bytes"],
		GOGC:       s["go_gc_gogc_percent"],
		LastGC:     s["go_memstats_last_gc_time_seconds"],
		HeapLive:   s["go_gc_heap_live_bytes"],
	}
}
