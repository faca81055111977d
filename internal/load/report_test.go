package load

import (
	"encoding/json"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestServerReportPerShell(t *testing.T) {
	opened := time.Unix(1000, 0)
	before := ServerStats{HeapInuse: 10 << 20, RSS: 50 << 20, Goroutines: 20, StackInuse: 1 << 20, NextGC: 20 << 20, GOGC: 100, LastGC: 990}
	idle := ServerStats{OpenShells: 100, HeapInuse: 20 << 20, RSS: 60 << 20, Goroutines: 220, StackInuse: 2 << 20, NextGC: 30 << 20, GOGC: 100, LastGC: 1001}
	after := ServerStats{Goroutines: 21}
	s := newServerReport(before, idle, after, 100, opened)
	const mib = float64(1 << 20)
	if s.HeapPerShell != 10*mib/100 || s.RSSPerShell != 10*mib/100 || s.StackPerShell != mib/100 || s.GoroutineGrowth != 1 {
		t.Fatalf("%+v", s)
	}
	if !s.LiveHeapValid || s.LiveHeapPerShell != 5*mib/100 {
		t.Fatalf("live heap %v valid %v", s.LiveHeapPerShell, s.LiveHeapValid)
	}
	if v, what, ok := s.perShellGoal(); !ok || math.Abs(v-6*mib/100) > 1e-6 || !strings.Contains(what, "live") {
		t.Fatalf("goal figure %v %q %v", v, what, ok)
	}
	// A baseline holding sign-in garbage: the smaller live heap after
	// close is the baseline instead.
	fat := before
	fat.NextGC = 28 << 20 // live 14 MiB at the pre-open GC
	afterGC := ServerStats{Goroutines: 21, NextGC: 20 << 20, GOGC: 100, LastGC: 1100}
	if s := newServerReport(fat, idle, afterGC, 100, opened); !s.LiveHeapValid || s.LiveHeapPerShell != 5*mib/100 {
		t.Fatalf("baseline from after close: %v valid %v", s.LiveHeapPerShell, s.LiveHeapValid)
	}
	// A heap that shrank over the open: no measurement, goal not met.
	shrunk := &ServerReport{HeapPerShell: -5 << 10, StackPerShell: 400}
	if _, what, ok := shrunk.perShellGoal(); ok || !strings.Contains(what, "not measurable") {
		t.Fatalf("negative figure accepted: %q", what)
	}
	// No GC since the shells opened: the live-heap figure is not used.
	idle.LastGC = 999
	if s := newServerReport(before, idle, after, 100, opened); s.LiveHeapValid {
		t.Fatal("live heap valid without a GC after open")
	}
}

func TestReportJudgeAndText(t *testing.T) {
	r := &Report{Mode: "run", RunID: "x", Users: 200, ShellsPerUser: 5, ShellsWanted: 1000, ShellsOpened: 1000, Completed: 300000,
		DurationSeconds: 60, Throughput: 5000, Latency: Latency{P50: 5, P90: 20, P99: 49, Max: 80},
		Writes:  WriteReport{Policies: 10, Visible: 10, Acknowledged: 12},
		Server:  &ServerReport{HeapPerShell: 50 << 10, GoroutineGrowth: 3},
		Targets: []TargetLine{{Name: "ippsd", Shells: 1000, Completed: 300000, Errors: map[ErrorKind]int{}}}}
	r.judge()
	met := map[string]bool{}
	for _, g := range r.Goals {
		met[g.Goal] = g.Met
	}
	for goal, want := range map[string]bool{
		"1,000 concurrent open shells": true, ">= 3,000 cmdlets/s sustained": true, "p99 <= 50 ms": true, "zero errors": true,
		"<= 100 KiB memory per idle shell": true, "no goroutine growth after close": false, "every acknowledged write visible": true,
	} {
		if got, ok := met[goal]; !ok || got != want {
			t.Errorf("goal %q met=%v (present %v), want %v", goal, got, ok, want)
		}
	}
	var b strings.Builder
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`200 × 5 = 1000 wanted, 1000 opened`, `5000\.0/s`, `p99 49\.00`, `no goroutine growth after close +\+3 +NO\n`, `p99 <= 50 ms +49\.0 ms +yes`} {
		if !regexp.MustCompile(want).MatchString(b.String()) {
			t.Errorf("text does not match %q:\n%s", want, b.String())
		}
	}
	j, err := json.Marshal(r)
	if err != nil || !strings.Contains(string(j), `"cmdlets_per_second":5000`) || !strings.Contains(string(j), `"p99":49`) {
		t.Fatalf("json %s %v", j, err)
	}
}
