package daemon_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ipps/ipps/internal/authority"
	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/daemon"
	"github.com/ipps/ipps/internal/daemon/daemontest"
	"github.com/ipps/ipps/internal/psrp"
	"github.com/ipps/ipps/internal/remoting"
	"github.com/ipps/ipps/internal/runspace"
)

// TestTenantIsolation: two tenants on one server, admins of both with the
// same rights. Neither can see, change or remove the other's objects or
// users, and each audit log holds only its own records.
func TestTenantIsolation(t *testing.T) {
	s := daemontest.Start(t, nil)
	ctx := context.Background()
	type tenantAdmin struct{ scc, exo *remoting.Client }
	admins := map[string]tenantAdmin{}
	for _, dom := range []string{"contoso.test", "fabrikam.test"} {
		upn := "admin@" + dom
		password := s.OrgAdmin(t, upn)
		scc := s.Dial(t, daemon.CompliancePath, upn, s.PasswordToken(t, upn, password, authority.ResourceCompliance))
		exo := s.Dial(t, daemon.ExchangePath, upn, s.PasswordToken(t, upn, password, authority.ResourceExchange))
		t.Cleanup(func() { scc.Close(ctx); exo.Close(ctx) })
		admins[dom] = tenantAdmin{scc, exo}
		// The same policy name in both tenants is fine: names are per tenant.
		if _, err := run(t, scc, "New-RetentionCompliancePolicy", runspace.Arg{Name: "Name", Value: "Shared Name"},
			runspace.Arg{Name: "ExchangeLocation", Value: "All"}, runspace.Arg{Name: "Comment", Value: "owned by " + dom}); err != nil {
			t.Fatalf("%s: %v", dom, err)
		}
	}
	contoso, fabrikam := admins["contoso.test"], admins["fabrikam.test"]

	out, err := run(t, fabrikam.scc, "Get-RetentionCompliancePolicy")
	if err != nil || len(out) != 1 {
		t.Fatalf("fabrikam sees %d policies: %v", len(out), err)
	}
	if c, _ := clixml.AsString(mustGet(t, out[0], "Comment")); c != "owned by fabrikam.test" {
		t.Fatalf("fabrikam sees contoso's policy: %q", c)
	}
	// Changing "Shared Name" from fabrikam changes only fabrikam's.
	if _, err := run(t, fabrikam.scc, "Set-RetentionCompliancePolicy", runspace.Arg{Name: "Identity", Value: "Shared Name"},
		runspace.Arg{Name: "Comment", Value: "changed by fabrikam"}); err != nil {
		t.Fatal(err)
	}
	out, _ = run(t, contoso.scc, "Get-RetentionCompliancePolicy", runspace.Arg{Name: "Identity", Value: "Shared Name"})
	if c, _ := clixml.AsString(mustGet(t, out[0], "Comment")); c != "owned by contoso.test" {
		t.Fatalf("fabrikam changed contoso's policy: %q", c)
	}
	// Another tenant's user is not found (a non-terminating error, as
	// Exchange writes it) and cannot be changed.
	for _, cmd := range []runspace.Command{
		{Name: "Get-User", Args: []runspace.Arg{{Name: "Identity", Value: "admin@contoso.test"}}},
		{Name: "Set-User", Args: []runspace.Arg{{Name: "Identity", Value: "admin@contoso.test"}, {Name: "RemotePowerShellEnabled", Value: false}}},
	} {
		var out []clixml.Value
		var errs []string
		err := fabrikam.exo.Invoke(ctx, []runspace.Command{cmd}, nil, remoting.Handlers{
			Output: func(v clixml.Value) { out = append(out, v) },
			Error:  func(r *psrp.ErrorRecord) { errs = append(errs, r.Message) },
		})
		if err != nil {
			errs = append(errs, err.Error())
		}
		if len(out) != 0 || len(errs) != 1 || !strings.Contains(errs[0], "couldn't be found") {
			t.Fatalf("fabrikam %s on contoso's admin: output %v, errors %v", cmd.Name, out, errs)
		}
	}
	if u, _ := s.Store.GetUserByUPN(ctx, "admin@contoso.test"); !u.RemotePowerShellEnabled {
		t.Fatal("fabrikam disabled contoso's admin")
	}
	// Each audit log holds only its own tenant's records.
	recs, err := run(t, fabrikam.exo, "Search-UnifiedAuditLog", runspace.Arg{Name: "StartDate", Value: "01/01/2020"},
		runspace.Arg{Name: "EndDate", Value: "01/01/2100"}, runspace.Arg{Name: "ResultSize", Value: int32(5000)})
	if err != nil || len(recs) == 0 {
		t.Fatalf("fabrikam audit: %d records, %v", len(recs), err)
	}
	for _, r := range recs {
		o := r.(*clixml.Object)
		user, _ := clixml.AsString(mustGet(t, o, "UserIds"))
		if !strings.HasSuffix(user, "@fabrikam.test") {
			t.Fatalf("fabrikam's audit log holds a record of %q", user)
		}
	}
}
