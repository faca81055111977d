package load

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/ipps/ipps/internal/remoting"
	"github.com/ipps/ipps/internal/runspace"
)

// Live lists the acknowledged policies whose removal was not
// acknowledged, sorted.
func (l *Ledger) Live() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for n, p := range l.policies {
		if !p.removed {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// Cleanup removes names (policies this run created) through shells, so
// that repeated runs do not grow the tenant: every listing and count the
// server does would otherwise get slower run after run. It runs after
// Verify and is not measured. It returns how many removals succeeded and
// failed.
func Cleanup(ctx context.Context, shells []*remoting.Client, names []string) (removed, failed int) {
	if len(shells) == 0 {
		return 0, len(names)
	}
	var ok, bad, next atomic.Int64
	var wg sync.WaitGroup
	for _, sh := range shells[:min(len(shells), 64)] {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(names) || ctx.Err() != nil {
					return
				}
				cmd := runspace.Command{Name: "Remove-RetentionCompliancePolicy",
					Args: []runspace.Arg{{Name: "Identity", Value: names[i]}, {Name: "Confirm", Value: false}}}
				if err := invoke(ctx, sh, cmd, nil); err != nil {
					bad.Add(1)
					continue
				}
				ok.Add(1)
			}
		})
	}
	wg.Wait()
	return int(ok.Load()), int(bad.Load()) + max(0, len(names)-int(ok.Load()+bad.Load()))
}
