package load

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/remoting"
	"github.com/ipps/ipps/internal/runspace"
)

// Ledger remembers every write the server acknowledged: each retention
// policy created, the last comment set on it and whether it was removed.
// A write whose call failed or timed out is not in the ledger (it may or
// may not have happened) but is counted as indeterminate. Safe for
// concurrent use; each policy is only ever written by the shell that
// created it, so the last acknowledged comment is well defined.
type Ledger struct {
	mu       sync.Mutex
	policies map[string]*ackedPolicy
	acks     int
	// indeterminate counts writes sent whose outcome is unknown.
	indeterminate atomic.Int64
}

type ackedPolicy struct {
	target  string
	comment string
	removed bool
}

func (l *Ledger) ack(name string, fn func(p *ackedPolicy)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.policies == nil {
		l.policies = map[string]*ackedPolicy{}
	}
	p := l.policies[name]
	if p == nil {
		p = &ackedPolicy{}
		l.policies[name] = p
	}
	fn(p)
	l.acks++
}

// Created records an acknowledged New-RetentionCompliancePolicy.
func (l *Ledger) Created(target, name string) {
	l.ack(name, func(p *ackedPolicy) { p.target = target })
}

// Commented records an acknowledged Set-RetentionCompliancePolicy -Comment.
func (l *Ledger) Commented(name, comment string) {
	l.ack(name, func(p *ackedPolicy) { p.comment = comment })
}

// Removed records an acknowledged Remove-RetentionCompliancePolicy.
func (l *Ledger) Removed(name string) {
	l.ack(name, func(p *ackedPolicy) { p.removed = true })
}

// WriteReport is the outcome of Verify.
type WriteReport struct {
	Acknowledged  int `json:"acknowledged_writes"`
	Policies      int `json:"policies_created"`
	Checked       int `json:"checked"`
	Visible       int `json:"visible"`
	Indeterminate int `json:"indeterminate_writes"`
	// Lost lists (up to 20) acknowledged policies not found, or found
	// with a stale comment, or found after an acknowledged removal (and
	// not PendingDeletion).
	Lost      []string `json:"lost,omitempty"`
	LostCount int      `json:"lost_count"`
	// CheckErrors counts verification calls that failed outright.
	CheckErrors int `json:"check_errors"`
}

// Verify reads every acknowledged policy back with
// Get-RetentionCompliancePolicy -Identity through shells (spread over
// them) and checks that it exists with its last comment, or is gone if
// its removal was acknowledged.
func (l *Ledger) Verify(ctx context.Context, shells []*remoting.Client) WriteReport {
	l.mu.Lock()
	names := make([]string, 0, len(l.policies))
	want := make(map[string]ackedPolicy, len(l.policies))
	for n, p := range l.policies {
		names = append(names, n)
		want[n] = *p
	}
	r := WriteReport{Acknowledged: l.acks, Policies: len(names), Indeterminate: int(l.indeterminate.Load())}
	l.mu.Unlock()
	slices.Sort(names)
	if len(shells) == 0 {
		r.CheckErrors = len(names)
		return r
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	next := atomic.Int64{}
	for _, sh := range shells {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(names) {
					return
				}
				n, w := names[i], want[names[i]]
				found, comment, status, err := getPolicy(ctx, sh, n)
				// A removed policy stays visible as PendingDeletion
				// until the distributor deletes it.
				if w.removed && found && status == "PendingDeletion" {
					found, status = false, ""
				}
				mu.Lock()
				r.Checked++
				switch {
				case err != nil && !(w.removed && !found):
					r.CheckErrors++
				case w.removed && found, !w.removed && !found, !w.removed && comment != w.comment:
					r.LostCount++
					if len(r.Lost) < 20 {
						r.Lost = append(r.Lost, fmt.Sprintf("%s (found=%v status=%q comment=%q; want removed=%v comment=%q)", n, found, status, comment, w.removed, w.comment))
					}
				default:
					r.Visible++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return r
}

// getPolicy returns whether the named policy exists, its Comment and its
// DistributionStatus. A ManagementObjectNotFound error is "not found",
// not an error.
func getPolicy(ctx context.Context, sh *remoting.Client, name string) (found bool, comment, status string, err error) {
	var out []clixml.Value
	err = invoke(ctx, sh, runspace.Command{Name: "Get-RetentionCompliancePolicy", Args: []runspace.Arg{{Name: "Identity", Value: name}}},
		func(v clixml.Value) { out = append(out, v) })
	if err != nil {
		if classify(err).notFound() {
			return false, "", "", nil
		}
		return false, "", "", err
	}
	// The server answers -Identity of a missing policy with the whole
	// list ("as if Identity were omitted"), so match the name.
	for _, v := range out {
		if strings.EqualFold(propString(v, "Name"), name) {
			return true, propString(v, "Comment"), propString(v, "DistributionStatus"), nil
		}
	}
	return false, "", "", nil
}

func propString(v clixml.Value, name string) string {
	o, ok := v.(*clixml.Object)
	if !ok {
		return ""
	}
	p, ok := o.Get(name)
	if !ok {
		return ""
	}
	s, _ := clixml.AsString(p)
	return s
}
