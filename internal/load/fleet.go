package load

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/ipps/ipps/internal/remoting"
)

// Fleet is the load users and their shells, spread over one or more
// targets: user i signs in and opens its shells on Targets[i%len].
type Fleet struct {
	Targets  []Target
	Accounts []Account
	// ShellsPerUser must not exceed the server's per-user limit.
	ShellsPerUser int
	// SignInConcurrency and OpenConcurrency bound the parallel sign-ins
	// and shell creations (defaults 8 and 16).
	SignInConcurrency int
	OpenConcurrency   int
	// RunID makes created object names unique across runs.
	RunID string
	Log   *slog.Logger
	// Mark, if set, is called by Drive right before its clock starts
	// (after seeding and warm-up) and right after the last measured call
	// returns, so that figures like CPU time can bracket exactly the
	// measured phase.
	Mark func(ctx context.Context)

	users []*fleetUser
}

type fleetUser struct {
	acct   Account
	target int
	token  string
	mu     sync.Mutex
	shells []*remoting.Client
}

func (f *Fleet) init() {
	if f.users != nil {
		return
	}
	for i, a := range f.Accounts {
		f.users = append(f.users, &fleetUser{acct: a, target: i % len(f.Targets)})
	}
}

// SignIn acquires a token for every user; it fails on the first refused
// sign-in, since a fleet with missing users measures nothing useful.
func (f *Fleet) SignIn(ctx context.Context) error {
	f.init()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(cmp.Or(f.SignInConcurrency, 8))
	for _, u := range f.users {
		g.Go(func() error {
			tok, err := SignIn(gctx, f.Targets[u.target], u.acct)
			u.token = tok
			return err
		})
	}
	return g.Wait()
}

// Open opens ShellsPerUser shells for every user. Failures are counted in
// errs[target] and do not stop the others; it returns how many shells
// opened.
func (f *Fleet) Open(ctx context.Context, errs []*ErrorCounts) int {
	f.init()
	sem := make(chan struct{}, cmp.Or(f.OpenConcurrency, 16))
	var wg sync.WaitGroup
	var opened atomic.Int64
	for j := range f.ShellsPerUser {
		for _, u := range f.users {
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				c, err := OpenShell(ctx, f.Targets[u.target], u.acct.UPN, u.token)
				if err != nil {
					errs[u.target].Add(err)
					f.Log.DebugContext(ctx, "shell refused", "user", u.acct.UPN, "n", j+1, "err", err)
					return
				}
				u.mu.Lock()
				u.shells = append(u.shells, c)
				u.mu.Unlock()
				opened.Add(1)
			})
		}
	}
	wg.Wait()
	return int(opened.Load())
}

// Shells returns the open shells on target t.
func (f *Fleet) Shells(t int) []*remoting.Client {
	var out []*remoting.Client
	for _, u := range f.users {
		if u.target == t {
			u.mu.Lock()
			out = append(out, u.shells...)
			u.mu.Unlock()
		}
	}
	return out
}

// NewStats returns empty statistics, one per target, for Drive.
func (f *Fleet) NewStats() []*Stats {
	stats := make([]*Stats, len(f.Targets))
	for i := range stats {
		stats[i] = &Stats{}
	}
	return stats
}

// Drive runs a worker on every open shell for d (or until ctx ends),
// recording into stats[target] (which may be read while it runs). Each
// call has its own timeout. It returns the length of the measured phase
// (from the clock's start until the last call ended), the time to divide
// completed calls by.
//
// Before the clock starts every worker creates one policy of its own
// (see worker.seed), 32 at a time; a worker whose seed fails still runs.
// Then WarmupRounds rounds of one Get per shell run with every shell at
// once, unmeasured: shells are opened 16 at a time over a few dozen
// connections, and the first concurrent round would otherwise open the
// thousands of connections a loaded fleet keeps — a storm of TLS
// handshakes (a few ms of CPU each, on both sides) inside the measured
// seconds, which says nothing about serving cmdlets.
//
// rate, when positive, is the total cmdlets per second to offer, spread
// evenly over the shells (open loop; see worker.interval); 0 runs every
// shell in a closed loop.
func (f *Fleet) Drive(ctx context.Context, d time.Duration, mix Mix, rate float64, ledger *Ledger, callTimeout time.Duration, stats []*Stats) (measured time.Duration) {
	var workers []*worker
	for ui, u := range f.users {
		for si, sh := range u.shells {
			workers = append(workers, &worker{shell: sh, target: f.Targets[u.target].Name, prefix: fmt.Sprintf("load-%s-u%d-s%d", f.RunID, ui+1, si+1),
				mix: mix, rng: rand.New(rand.NewPCG(uint64(ui), uint64(si))), stats: stats[u.target], ledger: ledger, timeout: callTimeout})
		}
	}
	if rate > 0 && len(workers) > 0 {
		iv := time.Duration(float64(len(workers)) / rate * float64(time.Second))
		for _, w := range workers {
			w.interval = iv
		}
	}
	var seedFailed atomic.Int64
	sem := make(chan struct{}, 32)
	var wg sync.WaitGroup
	for _, w := range workers {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := w.seed(ctx); err != nil {
				seedFailed.Add(1)
			}
		})
	}
	wg.Wait()
	if n := seedFailed.Load(); n > 0 && f.Log != nil {
		f.Log.WarnContext(ctx, "some shells could not create their first policy; their Gets will list the tenant", "shells", n)
	}
	for range WarmupRounds {
		for _, w := range workers {
			wg.Go(func() { w.warm(ctx) })
		}
		wg.Wait()
	}
	if f.Mark != nil {
		f.Mark(ctx)
	}
	start := time.Now()
	dctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	for _, w := range workers {
		wg.Go(func() { w.run(dctx) })
	}
	wg.Wait()
	measured = time.Since(start)
	if f.Mark != nil {
		f.Mark(ctx)
	}
	return measured
}

// WarmupRounds is how many unmeasured all-shells-at-once rounds Drive
// runs before the clock starts.
const WarmupRounds = 2

// Close closes every shell (bounded concurrency) and returns how many
// closed cleanly. Shells on a dead replica fail to close; that is
// expected in the fault scenario.
func (f *Fleet) Close(ctx context.Context) (closed, failed int) {
	var ok, bad atomic.Int64
	sem := make(chan struct{}, 32)
	var wg sync.WaitGroup
	for _, u := range f.users {
		u.mu.Lock()
		shells := u.shells
		u.shells = nil
		u.mu.Unlock()
		for _, sh := range shells {
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				defer cancel()
				if err := sh.Close(cctx); err != nil {
					bad.Add(1)
					return
				}
				ok.Add(1)
			})
		}
	}
	wg.Wait()
	for _, t := range f.Targets {
		t.closeIdle()
	}
	return int(ok.Load()), int(bad.Load())
}
