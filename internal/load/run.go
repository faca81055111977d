package load

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
)

// RunConfig configures Run.
type RunConfig struct {
	Target   Target
	Accounts []Account
	// ShellsPerUser is how many shells each user opens (at most the
	// server's per-user limit, 5 by default).
	ShellsPerUser int
	Mix           Mix
	Duration      time.Duration
	// Rate, when positive, offers that many cmdlets per second in all,
	// paced evenly over the shells, and measures latency from each
	// call's scheduled start (open loop). 0: closed loop, every shell
	// back to back, where by Little's law mean latency is shells /
	// throughput.
	Rate float64
	// Idle is how long the shells sit idle before the memory scrape
	// (default 3 s).
	Idle time.Duration
	// WaitGC, if positive, extends the idle period (up to WaitGC) until
	// the server has run a GC after the shells opened, so the live-heap
	// per-shell figure is valid. Go forces a GC at least every 2 minutes.
	WaitGC time.Duration
	// CallTimeout bounds each cmdlet (default 30 s).
	CallTimeout time.Duration
	// SignInConcurrency and OpenConcurrency: see Fleet.
	SignInConcurrency, OpenConcurrency int
	RunID                              string
	Log                                *slog.Logger
}

// Run signs the accounts in, opens their shells, scrapes /metrics with
// the shells idle, drives the mix for cfg.Duration, verifies every
// acknowledged write, closes the shells and scrapes again. The returned
// report is complete even when the load saw errors; err is only for a
// run that could not be carried out (sign-in refused, metrics missing).
func Run(ctx context.Context, cfg RunConfig) (*Report, error) {
	cfg.Idle = cmp.Or(cfg.Idle, 3*time.Second)
	cfg.CallTimeout = cmp.Or(cfg.CallTimeout, 30*time.Second)
	log := cfg.Log
	scrape := scrapeClient(cfg.Target.HTTP)
	metricsURL := strings.TrimRight(cfg.Target.BaseURL, "/") + "/metrics"
	f := &Fleet{Targets: []Target{cfg.Target}, Accounts: cfg.Accounts, ShellsPerUser: cfg.ShellsPerUser, RunID: cfg.RunID, Log: log,
		SignInConcurrency: cfg.SignInConcurrency, OpenConcurrency: cfg.OpenConcurrency}
	r := &Report{Mode: "run", RunID: cfg.RunID, Mix: cfg.Mix.String(), Rate: cfg.Rate, Users: len(cfg.Accounts), ShellsPerUser: cfg.ShellsPerUser,
		ShellsWanted: len(cfg.Accounts) * cfg.ShellsPerUser}

	start := time.Now()
	if err := f.SignIn(ctx); err != nil {
		return nil, err
	}
	r.SignInSeconds = time.Since(start).Seconds()
	log.InfoContext(ctx, "signed in", "users", len(cfg.Accounts), "seconds", r.SignInSeconds)

	cfg.Target.closeIdle()
	// Where the server lets us, both memory scrapes follow a forced GC,
	// so that their difference is live memory, not garbage.
	canGC := forceGC(ctx, scrape, cfg.Target.BaseURL)
	beforeSnap, err := settledSnapshot(ctx, scrape, metricsURL, -1)
	before := beforeSnap.Stats()
	if err != nil {
		return nil, err
	}
	var openErrs ErrorCounts
	start = time.Now()
	r.ShellsOpened = f.Open(ctx, []*ErrorCounts{&openErrs})
	openedAt := time.Now()
	r.OpenSeconds = openedAt.Sub(start).Seconds()
	log.InfoContext(ctx, "shells open", "opened", r.ShellsOpened, "wanted", r.ShellsWanted, "seconds", r.OpenSeconds)
	if err := sleep(ctx, cfg.Idle); err != nil {
		return nil, err
	}
	idle, err := Scrape(ctx, scrape, metricsURL)
	if err == nil && canGC && forceGC(ctx, scrape, cfg.Target.BaseURL) {
		r.ForcedGC = true
		idle, err = Scrape(ctx, scrape, metricsURL)
	}
	for gcDeadline := time.Now().Add(cfg.WaitGC); err == nil && idle.Stats().LastGC < float64(openedAt.UnixNano())/1e9 && time.Now().Before(gcDeadline); {
		if err := sleep(ctx, 2*time.Second); err != nil {
			return nil, err
		}
		idle, err = Scrape(ctx, scrape, metricsURL)
	}
	if err != nil {
		return nil, err
	}
	if got := int(idle.Stats().OpenShells - before.OpenShells); got != r.ShellsOpened {
		r.Warnings = append(r.Warnings, fmt.Sprintf("server reports %d more open shells, client opened %d", got, r.ShellsOpened))
	}

	ledger := &Ledger{}
	stats := f.NewStats()
	clock := &cpuClock{scrape: func(ctx context.Context) (Snapshot, error) { return Scrape(ctx, scrape, metricsURL) }}
	f.Mark = clock.mark
	r.DurationSeconds = f.Drive(ctx, cfg.Duration, cfg.Mix, cfg.Rate, ledger, cfg.CallTimeout, stats).Seconds()
	r.addStats(f, stats, []*ErrorCounts{&openErrs})
	log.InfoContext(ctx, "load done", "completed", r.Completed, "per_second", r.Throughput, "errors", r.Errors)
	if r.CPU, err = clock.report(beforeSnap, r.Completed, r.DurationSeconds, cfg.Target.BaseURL); err != nil {
		r.Warnings = append(r.Warnings, err.Error())
	} else if r.CPU == nil {
		r.Warnings = append(r.Warnings, "no CPU per cmdlet: the server does not export process_cpu_seconds_total, or nothing completed")
	}

	r.Writes = ledger.Verify(ctx, f.Shells(0))
	if live := ledger.Live(); len(live) > 0 {
		removed, failed := Cleanup(ctx, f.Shells(0), live)
		log.InfoContext(ctx, "removed the run's policies", "removed", removed, "failed", failed)
		if failed > 0 {
			r.Warnings = append(r.Warnings, fmt.Sprintf("cleanup: %d of the run's %d policies could not be removed", failed, len(live)))
		}
	}
	closed, failed := f.Close(ctx)
	if failed > 0 {
		r.Warnings = append(r.Warnings, fmt.Sprintf("%d shells failed to close (%d closed)", failed, closed))
	}
	after, err := settledStats(ctx, scrape, metricsURL, before.OpenShells)
	if err != nil {
		return nil, err
	}
	r.Server = newServerReport(before, idle.Stats(), after, r.ShellsOpened, openedAt)
	r.judge()
	return r, nil
}

// addStats fills the load figures from the per-target statistics;
// openErrs[i] holds target i's failed shell creations.
func (r *Report) addStats(f *Fleet, stats []*Stats, openErrs []*ErrorCounts) {
	var all Histogram
	per := map[string]*CmdletLine{}
	var perHist = map[string]*Histogram{}
	for i, s := range stats {
		all.Merge(&s.Latency)
		errs, examples := s.Errors.Snapshot()
		oe, oex := openErrs[i].Snapshot()
		for k, v := range oex {
			examples["open "+k] = v
		}
		tl := TargetLine{Name: f.Targets[i].Name, Shells: len(f.Shells(i)), Completed: s.Latency.Count(), ShellsLost: s.lost,
			OpenErrors: oe, Errors: errs, ErrorExamples: examples}
		r.Targets = append(r.Targets, tl)
		r.Errors += tl.errorTotal()
		for name, cs := range s.perCmdlet {
			c := per[name]
			if c == nil {
				c, perHist[name] = &CmdletLine{Cmdlet: name}, &Histogram{}
				per[name] = c
			}
			perHist[name].Merge(&cs.latency)
			c.Errors += cs.errors.Load()
		}
	}
	for _, name := range slices.Sorted(maps.Keys(per)) {
		c, h := per[name], perHist[name]
		l := latencyOf(h)
		c.Completed, c.P50, c.P99 = h.Count(), l.P50, l.P99
		r.Cmdlets = append(r.Cmdlets, *c)
	}
	r.Completed = all.Count()
	if r.DurationSeconds > 0 {
		r.Throughput = float64(r.Completed) / r.DurationSeconds
	}
	r.Latency = latencyOf(&all)
}

// settledStats scrapes until the replica's open-shell gauge is back to
// wantShells (skipped when negative) and the goroutine count stops
// falling, for up to 20 s, then returns the last scrape.
func settledStats(ctx context.Context, client *http.Client, url string, wantShells float64) (ServerStats, error) {
	s, err := settledSnapshot(ctx, client, url, wantShells)
	return s.Stats(), err
}

// settledSnapshot is settledStats returning the whole last scrape.
func settledSnapshot(ctx context.Context, client *http.Client, url string, wantShells float64) (Snapshot, error) {
	deadline := time.Now().Add(20 * time.Second)
	var last Snapshot
	for i := 0; ; i++ {
		s, err := Scrape(ctx, client, url)
		if err != nil {
			return nil, err
		}
		st := s.Stats()
		settled := (wantShells < 0 || st.OpenShells <= wantShells) && i > 0 && st.Goroutines >= last.Stats().Goroutines
		last = s
		if settled || time.Now().After(deadline) {
			return s, nil
		}
		if err := sleep(ctx, time.Second); err != nil {
			return nil, err
		}
	}
}

// forceGC asks the server to collect garbage through net/http/pprof's
// heap endpoint (`?gc=1` runs a GC first), so the live-heap-per-shell
// figure needs no wait. It reports false when the server does not serve
// pprof (ippsd does only with IPPSD_DEBUG_PPROF=1).
func forceGC(ctx context.Context, client *http.Client, baseURL string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(baseURL, "/")+"/debug/pprof/heap?gc=1", nil)
	if err != nil {
		return false
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return err == nil && resp.StatusCode == http.StatusOK
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
