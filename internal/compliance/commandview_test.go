package compliance

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/ipps/ipps/internal/runspace"
)

// viewOf returns the commandView a runspace was opened with.
func viewOf(t *testing.T, p *Provider, rs runspace.Runspace) *commandView {
	t.Helper()
	r, ok := rs.(*Runspace)
	if !ok {
		t.Fatalf("runspace is %T", rs)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	v := p.open[r.shellID]
	if v == nil {
		t.Fatalf("shell %s holds no view", r.shellID)
	}
	return v
}

// TestCommandViewShared: shells whose users hold the same role groups
// share one view (grants, restricted cmdlets, metadata); other groups get
// their own; the cache empties when the last shell closes.
func TestCommandViewShared(t *testing.T) {
	e := newEnv(t, sqliteBackend())
	ctx := context.Background()
	ann := e.user("ann@contoso.com", "Compliance Administrator")
	ben := e.user("ben@contoso.com", "Compliance Administrator")
	cat := e.user("cat@contoso.com", "Global Reader")
	a1, a2, b1, c1 := e.open(e.scc, ann), e.open(e.scc, ann), e.open(e.scc, ben), e.open(e.scc, cat)
	va := viewOf(t, e.scc, a1)
	if viewOf(t, e.scc, a2) != va || viewOf(t, e.scc, b1) != va {
		t.Error("same role groups, different views")
	}
	if viewOf(t, e.scc, c1) == va {
		t.Error("different role groups, same view")
	}
	if n := e.scc.views.len(); n != 2 {
		t.Errorf("%d views cached, want 2", n)
	}
	// The administrator's role set adds a third view.
	adm := e.open(e.scc, e.admin)
	if n := e.scc.views.len(); n != 3 {
		t.Errorf("%d views cached, want 3", n)
	}
	// What the shells see is unchanged by the sharing.
	if got := commandNames(t, b1); !slices.Equal(got, sorted(retentionCmdlets, tagCmdlets, []string{"Get-User"})) {
		t.Errorf("ben's commands %v", got)
	}
	for _, rs := range []runspace.Runspace{a1, a2, b1, c1, adm} {
		if err := rs.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := e.scc.views.len(); n != 0 {
		t.Errorf("%d views cached after every shell closed", n)
	}
}

// TestRBACChangeAppliesToNewShells: Add-RoleGroupMember and
// Remove-RoleGroupMember take effect for the user's next shell; a shell
// already open keeps what it was opened with, and other holders of the old
// role set are unaffected.
func TestRBACChangeAppliesToNewShells(t *testing.T) {
	e := newEnv(t, sqliteBackend())
	admin := e.open(e.scc, e.admin)
	dan := e.user("dan@contoso.com", "Global Reader")
	eve := e.user("eve@contoso.com", "Global Reader")
	readOnly := sorted([]string{"Get-RetentionCompliancePolicy", "Get-RetentionComplianceRule", "Get-ComplianceTag", "Get-User"})
	before := e.open(e.scc, dan)
	if got := commandNames(t, before); !slices.Equal(got, readOnly) {
		t.Fatalf("before: %v", got)
	}

	must(t, admin, "Add-RoleGroupMember", A("", "Records Management"), A("Member", "dan@contoso.com"))
	after := e.open(e.scc, dan)
	if got := commandNames(t, after); !slices.Contains(got, "New-ComplianceTag") {
		t.Errorf("new shell after Add-RoleGroupMember: %v", got)
	}
	if got := commandNames(t, before); !slices.Equal(got, readOnly) {
		t.Errorf("open shell changed: %v", got)
	}
	if got := commandNames(t, e.open(e.scc, eve)); !slices.Equal(got, readOnly) {
		t.Errorf("another Global Reader: %v", got)
	}
	must(t, after, "New-ComplianceTag", A("", "Plain"), A("RetentionAction", "Keep"), A("RetentionDuration", int32(30)))

	must(t, admin, "Remove-RoleGroupMember", A("", "Records Management"), A("Member", "dan@contoso.com"), noConfirm())
	again := e.open(e.scc, dan)
	if got := commandNames(t, again); !slices.Equal(got, readOnly) {
		t.Errorf("new shell after Remove-RoleGroupMember: %v", got)
	}
	if msg, _ := failText(t, again, "New-ComplianceTag", A("", "Other")); msg == "" {
		t.Error("removed member may still create labels")
	}
}

// TestCommandViewConcurrentOpen opens and closes shells of one role set
// from many goroutines (run with -race): one view, counted exactly.
func TestCommandViewConcurrentOpen(t *testing.T) {
	e := newEnv(t, sqliteBackend())
	ctx := context.Background()
	const users = 4
	var wg sync.WaitGroup
	shells := make([][]runspace.Runspace, users)
	for i := range users {
		u := e.user(uuid.NewString()+"@contoso.com", "Compliance Administrator")
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				rs, err := e.scc.Open(ctx, principal(u), uuid.NewString())
				if err != nil {
					t.Error(err)
					return
				}
				shells[i] = append(shells[i], rs)
			}
		}()
	}
	wg.Wait()
	if n := e.scc.views.len(); n != 1 {
		t.Fatalf("%d views for one role set", n)
	}
	v := viewOf(t, e.scc, shells[0][0])
	e.scc.views.mu.Lock()
	refs := v.refs
	e.scc.views.mu.Unlock()
	if refs != users*5 {
		t.Errorf("view held %d times, want %d", refs, users*5)
	}
	for _, list := range shells {
		for _, rs := range list {
			wg.Add(1)
			go func() { defer wg.Done(); rs.Close(ctx) }()
		}
	}
	wg.Wait()
	if n := e.scc.views.len(); n != 0 {
		t.Errorf("%d views left after close", n)
	}
}
