package load

import (
	"context"
	"errors"
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
	// maybeComments and maybeRemoved come from failed calls that may
	// have taken effect after the server accepted them; Verify accepts
	// them as well as the acknowledged state.
	maybeComments []string
	maybeRemoved  bool
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

// MaybeCommented records a Set -Comment whose call failed: the server
// may or may not have applied it.
func (l *Ledger) MaybeCommented(name, comment string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if p := l.policies[name]; p != nil {
		p.maybeComments = append(p.maybeComments, comment)
	}
}

// MaybeRemoved records a Remove whose call failed: the policy may or may
// not be gone.
func (l *Ledger) MaybeRemoved(name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if p := l.policies[name]; p != nil {
		p.maybeRemoved = true
	}
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

// Verify lists the tenant's retention policies once (through the first
// shell that answers) and checks every acknowledged policy against the
// listing: it exists with its last comment, or is gone (or
// PendingDeletion) if its removal was acknowledged. One listing, not a
// Get -Identity per policy: SCC answers -Identity of a missing policy
// with the whole list, so per-policy checks of removed policies would
// each list the tenant.
func (l *Ledger) Verify(ctx context.Context, shells []*remoting.Client) WriteReport {
	listing, err := listPolicies(ctx, shells)
	return l.check(listing, err)
}

// check compares the ledger with a listing keyed by lowercased name;
// listErr means the listing failed and every policy is a check error.
func (l *Ledger) check(listing map[string]listedPolicy, listErr error) WriteReport {
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
	if listErr != nil {
		r.CheckErrors = len(names)
		return r
	}
	for _, n := range names {
		w := want[n]
		got, found := listing[strings.ToLower(n)]
		// A removed policy stays visible as PendingDeletion until the
		// distributor deletes it.
		if w.removed && found && got.status == "PendingDeletion" {
			found = false
		}
		r.Checked++
		commentOK := got.comment == w.comment || slices.Contains(w.maybeComments, got.comment)
		switch {
		case w.maybeRemoved && !w.removed && !found:
			r.Visible++ // an unacknowledged removal took effect
		case w.removed && found, !w.removed && !found, !w.removed && !commentOK:
			r.LostCount++
			if len(r.Lost) < 20 {
				r.Lost = append(r.Lost, fmt.Sprintf("%s (found=%v status=%q comment=%q; want removed=%v comment=%q)", n, found, got.status, got.comment, w.removed, w.comment))
			}
		default:
			r.Visible++
		}
	}
	return r
}

type listedPolicy struct{ comment, status string }

// listPolicies runs Get-RetentionCompliancePolicy on the first shell
// that completes it and indexes the result by lowercased name.
func listPolicies(ctx context.Context, shells []*remoting.Client) (map[string]listedPolicy, error) {
	err := errors.New("load: no shell to verify writes through")
	for _, sh := range shells {
		out := map[string]listedPolicy{}
		err = invoke(ctx, sh, runspace.Command{Name: "Get-RetentionCompliancePolicy"}, func(v clixml.Value) {
			out[strings.ToLower(propString(v, "Name"))] = listedPolicy{comment: propString(v, "Comment"), status: propString(v, "DistributionStatus")}
		})
		if err == nil {
			return out, nil
		}
	}
	return nil, err
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
