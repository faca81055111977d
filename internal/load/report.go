package load

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is what `ippsload run` and `ippsload fault` print (as a table,
// or as JSON with --json).
type Report struct {
	Mode  string `json:"mode"`
	RunID string `json:"run_id"`
	Mix   string `json:"mix"`
	// Rate is the offered load in cmdlets/s (0: closed loop).
	Rate            float64 `json:"offered_rate,omitempty"`
	Users           int     `json:"users"`
	ShellsPerUser   int     `json:"shells_per_user"`
	ShellsWanted    int     `json:"shells_wanted"`
	ShellsOpened    int     `json:"shells_opened"`
	SignInSeconds   float64 `json:"signin_seconds"`
	OpenSeconds     float64 `json:"open_seconds"`
	DurationSeconds float64 `json:"duration_seconds"`
	// Completed counts cmdlets that returned without error.
	Completed  uint64  `json:"cmdlets_completed"`
	Throughput float64 `json:"cmdlets_per_second"`
	// Latency is client-side, from Invoke to its return, over completed
	// cmdlets.
	Latency Latency       `json:"latency_ms"`
	Cmdlets []CmdletLine  `json:"cmdlets"`
	Targets []TargetLine  `json:"targets"`
	Errors  int           `json:"errors"`
	Server  *ServerReport `json:"server,omitempty"`
	// ForcedGC is set when the load tool made the server collect garbage
	// (through its pprof endpoint) before the idle memory scrape.
	ForcedGC bool         `json:"forced_gc,omitempty"`
	CPU      *CPUReport   `json:"cpu,omitempty"`
	Writes   WriteReport  `json:"writes"`
	Fault    *FaultReport `json:"fault,omitempty"`
	Goals    []Goal       `json:"goals,omitempty"`
	Warnings []string     `json:"warnings,omitempty"`
}

// Latency holds percentiles in milliseconds.
type Latency struct {
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
}

func latencyOf(h *Histogram) Latency {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	return Latency{P50: ms(h.Quantile(0.5)), P90: ms(h.Quantile(0.9)), P99: ms(h.Quantile(0.99)), Max: ms(h.Max()), Mean: ms(h.Mean())}
}

// CmdletLine is one cmdlet of the mix.
type CmdletLine struct {
	Cmdlet    string  `json:"cmdlet"`
	Completed uint64  `json:"completed"`
	Errors    int64   `json:"errors"`
	P50       float64 `json:"p50_ms"`
	P99       float64 `json:"p99_ms"`
}

// TargetLine is one replica's share of the load. Errors include failed
// shell creations (OpenErrors) and failed cmdlets.
type TargetLine struct {
	Name          string               `json:"name"`
	Shells        int                  `json:"shells_opened"`
	Completed     uint64               `json:"cmdlets_completed"`
	ShellsLost    int                  `json:"shells_lost"`
	OpenErrors    map[ErrorKind]int    `json:"open_errors,omitempty"`
	Errors        map[ErrorKind]int    `json:"errors,omitempty"`
	ErrorExamples map[ErrorKind]string `json:"error_examples,omitempty"`
}

func (t TargetLine) errorTotal() int {
	n := 0
	for _, v := range t.OpenErrors {
		n += v
	}
	for _, v := range t.Errors {
		n += v
	}
	return n
}

// ServerReport is what /metrics said around the load.
type ServerReport struct {
	Before     ServerStats `json:"before_open"`
	Idle       ServerStats `json:"idle_with_shells"`
	AfterClose ServerStats `json:"after_close"`
	// The per-shell figures are (Idle - Before) / shells opened.
	// HeapPerShell uses heap in use, which includes garbage not yet
	// collected, so it is noisy; LiveHeapPerShell uses the live heap at
	// the last GC (from the heap goal) and is only set (LiveHeapValid)
	// when a GC ran after the shells opened and the goal was above its
	// 4 MiB floor both times. StackPerShell is goroutine stacks, which
	// heap figures do not include.
	HeapPerShell     float64 `json:"heap_inuse_per_idle_shell_bytes"`
	LiveHeapPerShell float64 `json:"live_heap_per_idle_shell_bytes"`
	LiveHeapValid    bool    `json:"live_heap_valid"`
	StackPerShell    float64 `json:"stack_per_idle_shell_bytes"`
	RSSPerShell      float64 `json:"rss_per_idle_shell_bytes"`
	GoroutineGrowth  float64 `json:"goroutine_growth"`
}

// newServerReport computes the per-shell figures; openedAt is when the
// last shell opened (a GC after it makes the live-heap figure valid).
func newServerReport(before, idle, after ServerStats, shells int, openedAt time.Time) *ServerReport {
	s := &ServerReport{Before: before, Idle: idle, AfterClose: after, GoroutineGrowth: after.Goroutines - before.Goroutines}
	if shells > 0 {
		n := float64(shells)
		s.HeapPerShell = (idle.HeapInuse - before.HeapInuse) / n
		s.StackPerShell = (idle.StackInuse - before.StackInuse) / n
		s.RSSPerShell = (idle.RSS - before.RSS) / n
		lb, ok1 := before.LiveHeap()
		li, ok2 := idle.LiveHeap()
		// The baseline is the smaller of the live heap before the
		// shells opened and after they closed: the first can still hold
		// sign-in garbage that was live at its GC (with a high GOGC the
		// last GC may be long before the scrape).
		if la, ok := after.LiveHeap(); ok && ok1 && la < lb {
			lb = la
		}
		if ok1 && ok2 && idle.LastGC >= float64(openedAt.UnixNano())/1e9 && li > lb {
			s.LiveHeapPerShell, s.LiveHeapValid = (li-lb)/n, true
		}
	}
	return s
}

// perShellGoal is the figure judged against the 100 KiB goal: live heap
// plus stack when the live-heap estimate is valid, else heap in use
// plus stack.
// A figure that is not positive (the baseline held more garbage than
// the idle heap) is no measurement: ok is false.
func (s *ServerReport) perShellGoal() (v float64, what string, ok bool) {
	if s.LiveHeapValid {
		return s.LiveHeapPerShell + s.StackPerShell, "live heap + stack", true
	}
	v = s.HeapPerShell + s.StackPerShell
	if v <= 0 {
		return v, "heap in use + stack: not measurable (GC timing; see go test -bench IdleShellMemory ./internal/daemon)", false
	}
	return v, "heap in use + stack (no GC after open)", true
}

// Goal is one target of issue 6 and whether this run met it.
type Goal struct {
	Goal     string `json:"goal"`
	Measured string `json:"measured"`
	Met      bool   `json:"met"`
}

// judge fills r.Goals from the targets.
func (r *Report) judge() {
	r.Goals = []Goal{
		{"1,000 concurrent open shells", fmt.Sprintf("%d opened", r.ShellsOpened), r.ShellsOpened >= 1000},
		{">= 3,000 cmdlets/s sustained", fmt.Sprintf("%.0f/s", r.Throughput), r.Throughput >= 3000},
		{"p99 <= 50 ms", fmt.Sprintf("%.1f ms", r.Latency.P99), r.Latency.P99 <= 50 && r.Completed > 0},
		{"zero errors", fmt.Sprintf("%d", r.Errors), r.Errors == 0},
	}
	if s := r.Server; s != nil {
		v, what, ok := s.perShellGoal()
		r.Goals = append(r.Goals,
			Goal{"<= 100 KiB memory per idle shell", fmt.Sprintf("%.1f KiB %s; RSS %.1f KiB", v/1024, what, s.RSSPerShell/1024), ok && v <= 100*1024},
			Goal{"no goroutine growth after close", fmt.Sprintf("%+.0f", s.GoroutineGrowth), s.GoroutineGrowth <= 0})
	}
	r.Goals = append(r.Goals, Goal{"every acknowledged write visible", fmt.Sprintf("%d/%d visible, %d lost", r.Writes.Visible, r.Writes.Policies, r.Writes.LostCount),
		r.Writes.LostCount == 0 && r.Writes.CheckErrors == 0 && r.Writes.Visible == r.Writes.Policies})
}

// WriteText renders the report as aligned tables.
func (r *Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	p := func(format string, a ...any) { fmt.Fprintf(tw, format, a...) }
	p("ippsload %s\trun %s\n", r.Mode, r.RunID)
	p("mix\t%s\n", r.Mix)
	if r.Rate > 0 {
		p("offered\t%.0f cmdlets/s, paced over the shells (open loop; latency from each call's scheduled start)\n", r.Rate)
	} else {
		p("offered\tclosed loop (each shell back to back; mean latency = shells / throughput)\n")
	}
	p("warm-up\t%d unmeasured rounds of one Get per shell, all shells at once (connections and TLS handshakes before the clock)\n", WarmupRounds)
	p("users × shells\t%d × %d = %d wanted, %d opened (sign-in %.1fs, open %.1fs)\n", r.Users, r.ShellsPerUser, r.ShellsWanted, r.ShellsOpened, r.SignInSeconds, r.OpenSeconds)
	p("cmdlets completed\t%d in %.1fs = %.1f/s\n", r.Completed, r.DurationSeconds, r.Throughput)
	p("latency ms\tp50 %.2f  p90 %.2f  p99 %.2f  max %.2f  mean %.2f\n", r.Latency.P50, r.Latency.P90, r.Latency.P99, r.Latency.Max, r.Latency.Mean)
	p("errors\t%d\n", r.Errors)
	if c := r.CPU; c != nil {
		p("cpu per cmdlet\tippsd %.3f ms + ippsload %.3f ms = %.3f ms (%.1f + %.1f CPU-s over %d cmdlets; server counted %.0f, %.0f before the clock)\n",
			c.ServerMs, c.ClientMs, c.ServerMs+c.ClientMs, c.ServerSeconds, c.ClientSeconds, c.Cmdlets, c.ServerCmdlets, c.BeforeClock)
		switch {
		case c.Ceiling > 0 && r.Rate > 0:
			p("cpu busy\t%.2f of %d cores (paced below capacity, CPU per cmdlet includes idle wake-ups; a closed loop gives the ceiling)\n", c.Busy, c.Cores)
		case c.Ceiling > 0:
			p("cpu-bound ceiling\t%.0f cmdlets/s (%d cores shared by ippsd and ippsload at this cost per cmdlet; %.2f busy)\n", c.Ceiling, c.Cores, c.Busy)
		}
	}
	p("\n")
	p("CMDLET\tCOMPLETED\tERRORS\tP50 ms\tP99 ms\n")
	for _, c := range r.Cmdlets {
		p("%s\t%d\t%d\t%.2f\t%.2f\n", c.Cmdlet, c.Completed, c.Errors, c.P50, c.P99)
	}
	p("\n")
	p("TARGET\tSHELLS\tCOMPLETED\tLOST SHELLS\tERRORS BY KIND\n")
	for _, t := range r.Targets {
		p("%s\t%d\t%d\t%d\t%s\n", t.Name, t.Shells, t.Completed, t.ShellsLost, kinds(t))
	}
	for _, t := range r.Targets {
		for _, k := range slices.Sorted(maps.Keys(t.ErrorExamples)) {
			p("  %s %s e.g.\t%s\n", t.Name, k, t.ErrorExamples[k])
		}
	}
	if s := r.Server; s != nil {
		p("\nSERVER (/metrics)\tBEFORE OPEN\tIDLE WITH SHELLS\tAFTER CLOSE\n")
		p("open shells\t%.0f\t%.0f\t%.0f\n", s.Before.OpenShells, s.Idle.OpenShells, s.AfterClose.OpenShells)
		p("heap in use MiB\t%.1f\t%.1f\t%.1f\n", s.Before.HeapInuse/(1<<20), s.Idle.HeapInuse/(1<<20), s.AfterClose.HeapInuse/(1<<20))
		p("RSS MiB\t%.1f\t%.1f\t%.1f\n", s.Before.RSS/(1<<20), s.Idle.RSS/(1<<20), s.AfterClose.RSS/(1<<20))
		p("goroutines\t%.0f\t%.0f\t%.0f\n", s.Before.Goroutines, s.Idle.Goroutines, s.AfterClose.Goroutines)
		p("stack in use MiB\t%.1f\t%.1f\t%.1f\n", s.Before.StackInuse/(1<<20), s.Idle.StackInuse/(1<<20), s.AfterClose.StackInuse/(1<<20))
		p("heap goal MiB\t%.1f\t%.1f\t%.1f\n", s.Before.NextGC/(1<<20), s.Idle.NextGC/(1<<20), s.AfterClose.NextGC/(1<<20))
		live := "n/a (no GC after the shells opened; try a longer --wait-gc, or run ippsd with IPPSD_DEBUG_PPROF=1 so the load tool can force one)"
		if s.LiveHeapValid {
			live = fmt.Sprintf("%.1f KiB", s.LiveHeapPerShell/1024)
			if r.ForcedGC {
				live += " (after a GC forced through /debug/pprof)"
			}
		}
		p("per idle shell\theap in use %.1f KiB, live heap %s, stack %.1f KiB, RSS %.1f KiB\n", s.HeapPerShell/1024, live, s.StackPerShell/1024, s.RSSPerShell/1024)
	}
	wr := r.Writes
	p("\nwrites\t%d acknowledged on %d policies; %d checked, %d visible, %d lost, %d check errors, %d indeterminate (failed calls)\n",
		wr.Acknowledged, wr.Policies, wr.Checked, wr.Visible, wr.LostCount, wr.CheckErrors, wr.Indeterminate)
	for _, l := range wr.Lost {
		p("  lost\t%s\n", l)
	}
	if f := r.Fault; f != nil {
		f.writeText(p)
	}
	if len(r.Goals) > 0 {
		p("\nGOAL\tMEASURED\tMET\n")
		for _, g := range r.Goals {
			p("%s\t%s\t%s\n", g.Goal, g.Measured, map[bool]string{true: "yes", false: "NO"}[g.Met])
		}
	}
	for _, w := range r.Warnings {
		p("warning: %s\n", w)
	}
	return tw.Flush()
}

func kinds(t TargetLine) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(t.OpenErrors)) {
		parts = append(parts, fmt.Sprintf("open %s=%d", k, t.OpenErrors[k]))
	}
	for _, k := range slices.Sorted(maps.Keys(t.Errors)) {
		parts = append(parts, fmt.Sprintf("%s=%d", k, t.Errors[k]))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}
