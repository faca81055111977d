package compliance

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ipps/ipps/internal/audit"
	"github.com/ipps/ipps/internal/psrp"
	"github.com/ipps/ipps/internal/runspace"
)

func refusal(t *testing.T, err error) *runspace.RefusedError {
	t.Helper()
	var re *runspace.RefusedError
	if !errors.As(err, &re) {
		t.Fatalf("error %v, want *runspace.RefusedError", err)
	}
	return re
}

// TestConnectionLimitAcrossReplicas opens shells through two providers
// (two replicas) on two database handles sharing one database: the limit
// of five is exact across them.
func TestConnectionLimitAcrossReplicas(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			e := newEnv(t, b)
			ctx := context.Background()
			other := e.reopen()
			p1 := e.scc
			p2 := e.provider(other, SecurityCompliance, "r2")
			u := e.user("bob@contoso.com", "Organization Management")
			var open []runspace.Runspace
			for i := range 5 {
				p := p1
				if i%2 == 1 {
					p = p2
				}
				rs, err := p.Open(ctx, principal(u), uuid.NewString())
				if err != nil {
					t.Fatalf("shell %d: %v", i+1, err)
				}
				open = append(open, rs)
			}
			for _, p := range []*Provider{p1, p2} {
				_, err := p.Open(ctx, principal(u), uuid.NewString())
				re := refusal(t, err)
				if re.Kind != runspace.RefusedQuota || !strings.Contains(re.Message, "Fail to create a runspace because you have exceeded the maximum number of connections allowed : 5 for the policy party : MaxConcurrency. Please close existing runspace and try again.") ||
					!strings.HasPrefix(re.Message, "[AuthZRequestId=") {
					t.Errorf("sixth shell: %+v", re)
				}
			}
			// Another user is unaffected.
			if _, err := p2.Open(ctx, principal(e.admin), uuid.NewString()); err != nil {
				t.Errorf("other user: %v", err)
			}
			if err := open[0].Close(ctx); err != nil {
				t.Fatal(err)
			}
			if err := open[0].Close(ctx); err != nil { // idempotent
				t.Fatal(err)
			}
			rs, err := p2.Open(ctx, principal(u), uuid.NewString())
			if err != nil {
				t.Fatalf("after close: %v", err)
			}
			if _, err := run(open[0], "Get-RetentionCompliancePolicy"); err == nil {
				t.Error("closed runspace still runs pipelines")
			}
			rs.Close(ctx)
		})
	}
}

func TestRemotePowerShellDisabled(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		u := e.user("carol@contoso.com", "Organization Management")
		rs := e.open(e.exo, e.admin)
		must(t, rs, "Set-User", A("", "carol@contoso.com"), A("RemotePowerShellEnabled", false))
		got := must(t, rs, "Get-User", A("Filter", "RemotePowerShellEnabled -eq $false"))
		if !slices.Equal(names(got), []string{"carol"}) || propStr(got[0], "UserPrincipalName") != "carol@contoso.com" {
			t.Errorf("filter: %v", names(got))
		}
		if prop(got[0], "EXOModuleEnabled") != false {
			t.Error("EXOModuleEnabled not kept equal")
		}
		for _, p := range []*Provider{e.scc, e.exo} {
			_, err := p.Open(ctx, principal(u), uuid.NewString())
			re := refusal(t, err)
			if re.Kind != runspace.RefusedAccess || re.Message != "Access is denied." {
				t.Errorf("refusal %+v", re)
			}
		}
		n, _ := e.st.CountLeases(ctx, u.ID, time.Now())
		if n != 0 {
			t.Errorf("refused open left %d leases", n)
		}
		must(t, rs, "Set-User", A("", "carol"), A("EXOModuleEnabled", true))
		if _, err := e.scc.Open(ctx, principal(u), uuid.NewString()); err != nil {
			t.Errorf("re-enabled: %v", err)
		}
		// Unknown account: refused the same way.
		_, err := e.scc.Open(ctx, runspace.Principal{UserID: uuid.NewString()}, uuid.NewString())
		if refusal(t, err).Kind != runspace.RefusedAccess {
			t.Error("unknown user not refused")
		}
	})
}

func TestScriptsAndUnknownCommands(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		rs := e.open(e.scc, e.admin)
		c := &capture{}
		err := rs.Invoke(context.Background(), &runspace.Pipeline{Commands: []runspace.Command{{Name: "Get-Process | % { $_ }", IsScript: true}}}, c)
		msg, id := recOf(t, err)
		if msg != "The syntax is not supported by this runspace. This can occur if the runspace is in no-language mode." || id != "ScriptsNotAllowed" {
			t.Errorf("script: %q %q", msg, id)
		}
		msg, id = failText(t, rs, "new-ComplianceSearch", A("", "x"))
		if !strings.HasPrefix(msg, "The term 'new-ComplianceSearch' is not recognized as the name of a cmdlet, function, script file, or operable program.") || id != "CommandNotFoundException" {
			t.Errorf("unknown: %q %q", msg, id)
		}
		// Search-UnifiedAuditLog is EXO-only.
		if msg, _ := failText(t, rs, "Search-UnifiedAuditLog", A("StartDate", "2026-01-01"), A("EndDate", "2026-01-02")); !strings.Contains(msg, "is not recognized") {
			t.Errorf("EXO cmdlet on SCC: %q", msg)
		}
	})
}

func recOf(t *testing.T, err error) (string, string) {
	t.Helper()
	var rec *psrp.ErrorRecord
	if !errors.As(err, &rec) {
		t.Fatalf("error %v, want *psrp.ErrorRecord", err)
	}
	return rec.Message, rec.FullyQualifiedErrorID
}

// TestLeaseRenewal: Run keeps open shells' leases alive; without it they
// expire after LeaseTTL and stop counting toward the limit.
func TestLeaseRenewal(t *testing.T) {
	e := newEnv(t, sqliteBackend())
	ctx := context.Background()
	broker, _ := audit.NewBroker(e.st, audit.Config{HMACKey: []byte("0123456789abcdef0123")}, nil)
	p, err := NewProvider(Config{ReplicaID: "rl", LeaseTTL: 600 * time.Millisecond, MaxConnections: 1}, e.st, broker, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	u := e.user("lease@contoso.com", "Reviewer")
	if _, err := p.Open(ctx, principal(u), uuid.NewString()); err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { p.Run(rctx); close(done) }()
	time.Sleep(900 * time.Millisecond) // past the original expiry
	if _, err := p.Open(ctx, principal(u), uuid.NewString()); refusal(t, err).Kind != runspace.RefusedQuota {
		t.Fatal("renewed lease stopped counting")
	}
	cancel()
	<-done
	time.Sleep(900 * time.Millisecond) // no renewal: the lease expires
	rs, err := p.Open(ctx, principal(u), uuid.NewString())
	if err != nil {
		t.Fatalf("expired lease still counted: %v", err)
	}
	rs.Close(ctx)
}
