package load

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

const sampleExposition = `# HELP go_goroutines Number of goroutines that currently exist.
# TYPE go_goroutines gauge
go_goroutines 42
go_gc_gogc_percent 100
go_memstats_next_gc_bytes 2e+07
go_memstats_stack_inuse_bytes 1.048576e+06
go_memstats_last_gc_time_seconds 1.7e+09
go_memstats_heap_inuse_bytes 1.2345e+07
process_resident_memory_bytes 3.3554432e+07
ippsd_open_shells{endpoint="compliance"} 10
ippsd_open_shells{endpoint="exchange"} 2
ippsd_shells_refused_total{endpoint="compliance",reason="quota"} 3 1700000000000
ippsd_shells_refused_total{endpoint="exchange",reason="quota"} 1
ippsd_cmdlet_duration_seconds_bucket{cmdlet="Get-X",le="+Inf"} 7

`

func TestParseMetrics(t *testing.T) {
	s, err := ParseMetrics(strings.NewReader(sampleExposition))
	if err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	if st != (ServerStats{OpenShells: 10, HeapInuse: 12345000, RSS: 33554432, Goroutines: 42, StackInuse: 1 << 20, NextGC: 2e7, GOGC: 100, LastGC: 1.7e9}) {
		t.Fatalf("stats %+v", st)
	}
	if live, ok := st.LiveHeap(); !ok || live != 1e7 {
		t.Fatalf("live heap %v %v, want 1e7", live, ok)
	}
	if _, ok := (ServerStats{NextGC: 4 << 20, GOGC: 100}).LiveHeap(); ok {
		t.Fatal("live heap estimated from the 4 MiB floor")
	}
	// The measured live heap wins over the estimate, also at the floor.
	m, err := ParseMetrics(strings.NewReader("go_gc_heap_live_bytes 3.5e+06\ngo_memstats_next_gc_bytes 4.194304e+06\ngo_gc_gogc_percent 100\n"))
	if err != nil {
		t.Fatal(err)
	}
	if live, ok := m.Stats().LiveHeap(); !ok || live != 3.5e6 {
		t.Fatalf("measured live heap %v %v, want 3.5e6", live, ok)
	}
	if got := s.Sum("ippsd_shells_refused_total"); got != 4 {
		t.Errorf("sum refused %v, want 4", got)
	}
	if got := s.Sum("ippsd_shells_refused_total", `endpoint="compliance"`); got != 3 {
		t.Errorf("sum compliance refused %v, want 3", got)
	}
	if v, ok := s.Value(`ippsd_cmdlet_duration_seconds_bucket{cmdlet="Get-X",le="+Inf"}`); !ok || v != 7 {
		t.Errorf("bucket %v %v", v, ok)
	}
}

func TestParseMetricsRejectsGarbage(t *testing.T) {
	for _, in := range []string{"go_goroutines\n", "go_goroutines abc\n", "x{a=\"b\" 1\n", "ok 1\n{ 2\n"} {
		if _, err := ParseMetrics(strings.NewReader(in)); err == nil || !strings.Contains(err.Error(), "metrics line") {
			t.Errorf("ParseMetrics(%q) = %v, want a line error", in, err)
		}
	}
}

func TestScrape(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, sampleExposition)
	}))
	defer srv.Close()
	s, err := Scrape(context.Background(), srv.Client(), srv.URL+"/metrics")
	if err != nil || s.Stats().Goroutines != 42 {
		t.Fatalf("scrape: %v %+v", err, s.Stats())
	}
	if _, err := Scrape(context.Background(), srv.Client(), srv.URL+"/nope"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("scrape of a 404: %v", err)
	}
}
