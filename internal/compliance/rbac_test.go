package compliance

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/rbac"
	"github.com/ipps/ipps/internal/runspace"
)

var (
	retentionCmdlets = []string{"Get-RetentionCompliancePolicy", "New-RetentionCompliancePolicy", "Set-RetentionCompliancePolicy", "Remove-RetentionCompliancePolicy",
		"Get-RetentionComplianceRule", "New-RetentionComplianceRule", "Set-RetentionComplianceRule", "Remove-RetentionComplianceRule"}
	tagCmdlets  = []string{"Get-ComplianceTag", "New-ComplianceTag", "Set-ComplianceTag", "Remove-ComplianceTag"}
	rbacCmdlets = []string{"Get-RoleGroup", "New-RoleGroup", "Get-RoleGroupMember", "Add-RoleGroupMember", "Remove-RoleGroupMember", "Get-ManagementRole"}
)

func sorted(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	slices.SortFunc(out, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	return out
}

func commandNames(t *testing.T, rs runspace.Runspace) []string {
	t.Helper()
	infos, err := rs.Commands(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, i := range infos {
		out = append(out, i.Name)
	}
	return out
}

// TestDefaultRoleGroups checks what each default SCC role group sees and
// is refused (compliance-cmdlets.md §3.2/§3.3).
func TestDefaultRoleGroups(t *testing.T) {
	e := newEnv(t, sqliteBackend())
	want := map[string][]string{
		"Organization Management":       sorted(retentionCmdlets, tagCmdlets, rbacCmdlets, []string{"Get-User"}),
		"Compliance Administrator":      sorted(retentionCmdlets, tagCmdlets, []string{"Get-User"}),
		"Compliance Data Administrator": sorted(retentionCmdlets, tagCmdlets, []string{"Get-User"}),
		"Records Management":            sorted(retentionCmdlets, tagCmdlets),
		"Global Reader":                 sorted([]string{"Get-RetentionCompliancePolicy", "Get-RetentionComplianceRule", "Get-ComplianceTag", "Get-User"}),
		"eDiscovery Manager":            nil,
		"Data Investigator":             nil,
		"Reviewer":                      nil,
		"Security Administrator":        nil,
		"Security Operator":             nil,
		"Security Reader":               nil,
		"Information Protection":        nil,
	}
	for _, g := range rbac.SCCRoleGroups {
		if _, ok := want[g.Name]; !ok && !strings.HasPrefix(g.Name, "Information Protection") {
			t.Errorf("default group %s has no expectation", g.Name)
		}
	}
	for group, cmds := range want {
		t.Run(group, func(t *testing.T) {
			u := e.user(strings.ReplaceAll(strings.ToLower(group), " ", ".")+"@contoso.com", group)
			rs := e.open(e.scc, u)
			if got := commandNames(t, rs); !slices.Equal(got, cmds) {
				t.Errorf("commands\n got %v\nwant %v", got, cmds)
			}
			if !slices.Contains(cmds, "New-RetentionCompliancePolicy") {
				msg, _ := failText(t, rs, "New-RetentionCompliancePolicy", A("", "p"), A("SharePointLocation", "All"))
				if !strings.HasPrefix(msg, "The term 'New-RetentionCompliancePolicy' is not recognized as the name of a cmdlet") {
					t.Errorf("refusal %q", msg)
				}
			}
			if !slices.Contains(cmds, "Get-RoleGroup") {
				if msg, _ := failText(t, rs, "Get-RoleGroup"); !strings.Contains(msg, "is not recognized") {
					t.Errorf("Get-RoleGroup refusal %q", msg)
				}
			}
		})
	}
	t.Run("exo", func(t *testing.T) {
		ro := e.user("viewer@contoso.com", "exo:View-Only Organization Management")
		if got := commandNames(t, e.open(e.exo, ro)); !slices.Equal(got, []string{"Get-ComplianceTag", "Get-Mailbox", "Get-User"}) {
			t.Errorf("EXO view-only: %v", got)
		}
		all := commandNames(t, e.open(e.exo, e.admin))
		for _, c := range append([]string{"Search-UnifiedAuditLog", "Search-AdminAuditLog", "Set-User", "Get-Mailbox"}, rbacCmdlets...) {
			if !slices.Contains(all, c) {
				t.Errorf("EXO Organization Management lacks %s", c)
			}
		}
		// SCC membership grants nothing on EXO.
		scc := e.user("sccadmin@contoso.com", "Organization Management")
		if got := commandNames(t, e.open(e.exo, scc)); len(got) != 0 {
			t.Errorf("SCC group leaked into EXO: %v", got)
		}
	})
}

// TestParameterGrants: a role group holding only Retention Management
// lacks the record-label parameters; they vanish from metadata and binding
// reports NamedParameterNotFound.
func TestParameterGrants(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		dave := e.user("dave@contoso.com")
		admin := e.open(e.scc, e.admin)
		objs := must(t, admin, "New-RoleGroup", A("", "Retention Only"), A("Roles", clixml.NewStringList("Retention Management")), A("Members", clixml.NewStringList("dave@contoso.com")))
		if len(objs) != 1 || propStr(objs[0], "Name") != "Retention Only" {
			t.Fatalf("New-RoleGroup: %v", objs)
		}
		rs := e.open(e.scc, dave)
		infos, _ := rs.Commands(context.Background())
		for _, i := range infos {
			if i.Name != "New-ComplianceTag" {
				continue
			}
			var ps []string
			for _, p := range i.Parameters {
				ps = append(ps, p.Name)
			}
			if slices.Contains(ps, "IsRecordLabel") || !slices.Contains(ps, "RetentionAction") || !slices.Contains(ps, "ErrorAction") || !slices.Contains(ps, "Confirm") {
				t.Errorf("New-ComplianceTag parameters for dave: %v", ps)
			}
		}
		msg, id := failText(t, rs, "New-ComplianceTag", A("", "Record"), A("IsRecordLabel", true))
		if msg != "A parameter cannot be found that matches parameter name 'IsRecordLabel'." || id != "NamedParameterNotFound,New-ComplianceTag" {
			t.Errorf("%q %q", msg, id)
		}
		must(t, rs, "New-ComplianceTag", A("", "Plain"), A("RetentionAction", "Keep"), A("RetentionDuration", int32(30)))
		// The admin (RecordManagement via Organization Management) may.
		must(t, admin, "New-ComplianceTag", A("", "Record"), A("IsRecordLabel", true), A("RetentionAction", "Keep"), A("RetentionDuration", "Unlimited"))
	})
}

func TestRoleGroupCmdlets(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		rs := e.open(e.scc, e.admin)
		e.user("erin@contoso.com")
		groups := names(must(t, rs, "Get-RoleGroup"))
		if len(groups) != len(rbac.SCCRoleGroups) || !slices.Contains(groups, "Reviewer") {
			t.Errorf("Get-RoleGroup: %v", groups)
		}
		g := must(t, rs, "Get-RoleGroup", A("", "Organization Management"))
		roles, _ := clixml.AsList(prop(g[0], "Roles"))
		if len(roles) == 0 || !slices.Contains(toStrings(roles), "Role Management") {
			t.Errorf("roles %v", roles)
		}
		must(t, rs, "Add-RoleGroupMember", A("", "Reviewer"), A("Member", "erin@contoso.com"))
		if msg, _ := failText(t, rs, "Add-RoleGroupMember", A("", "Reviewer"), A("Member", "erin")); msg != `The recipient "erin@contoso.com" is already a member of the group "Reviewer".` {
			t.Errorf("twice: %q", msg)
		}
		if m := names(must(t, rs, "Get-RoleGroupMember", A("", "Reviewer"))); !slices.Equal(m, []string{"erin"}) {
			t.Errorf("members %v", m)
		}
		must(t, rs, "Remove-RoleGroupMember", A("", "Reviewer"), A("Member", "erin"), noConfirm())
		if m := must(t, rs, "Get-RoleGroupMember", A("", "Reviewer")); len(m) != 0 {
			t.Errorf("after remove %v", names(m))
		}
		if msg, _ := failText(t, rs, "Get-RoleGroupMember", A("", "Nope")); msg != "The operation couldn't be performed because object 'Nope' couldn't be found on 'SRV01.IPPS.TEST'." {
			t.Errorf("missing group %q", msg)
		}
		if r := names(must(t, rs, "Get-ManagementRole", A("", "Retention*"))); !slices.Equal(r, []string{"Retention Management"}) {
			t.Errorf("roles %v", r)
		}
		if r := names(must(t, rs, "Get-ManagementRole", A("Cmdlet", "New-ComplianceTag"), A("CmdletParameters", "IsRecordLabel"))); !slices.Contains(r, "RecordManagement") || slices.Contains(r, "Retention Management") {
			t.Errorf("roles holding IsRecordLabel %v", r)
		}
		// A global administrator is implicitly Organization Management.
		ga := e.user("ga@contoso.com")
		pr := principal(ga)
		pr.Roles = []string{"62e90394-69f5-4237-9190-012177145e10"}
		grs, err := e.scc.Open(context.Background(), pr, uuid.NewString())
		if err != nil {
			t.Fatal(err)
		}
		defer grs.Close(context.Background())
		if got := commandNames(t, grs); !slices.Contains(got, "Add-RoleGroupMember") {
			t.Errorf("GA commands %v", got)
		}
		if m := names(must(t, rs, "Get-RoleGroupMember", A("", "Organization Management"))); slices.Contains(m, "ga") {
			t.Error("implicit GA listed as member")
		}
	})
}

func toStrings(vs []clixml.Value) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i], _ = clixml.AsString(v)
	}
	return out
}
