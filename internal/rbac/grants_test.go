package rbac

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/ipps/ipps/internal/cmdlet"
	"github.com/ipps/ipps/internal/storage"
	storesql "github.com/ipps/ipps/internal/storage/sql"
)

func TestFromRolesDeniesByDefault(t *testing.T) {
	g := FromRoles(
		storage.Role{Name: "A", Entries: []storage.RoleEntry{{Cmdlet: "Get-X", Parameters: []string{"Identity"}}}},
		storage.Role{Name: "B", Entries: []storage.RoleEntry{{Cmdlet: "get-x", Parameters: []string{"Filter"}}, {Cmdlet: "Set-X", Parameters: []string{"*"}}}},
	)
	tests := []struct {
		cmdlet, param string
		want          bool
	}{
		{"Get-X", "Identity", true}, {"GET-X", "filter", true}, {"Get-X", "ResultSize", false},
		{"Set-X", "Anything", true}, {"Remove-X", "Identity", false},
	}
	for _, tt := range tests {
		if got := g.Param(tt.cmdlet, tt.param); got != tt.want {
			t.Errorf("Param(%s, %s) = %v", tt.cmdlet, tt.param, got)
		}
	}
	if !slices.Equal(g.Roles("Get-X"), []string{"A", "B"}) || g.Cmdlet("Remove-X") {
		t.Errorf("roles %v", g.Roles("Get-X"))
	}
	var none *Grants
	if none.Cmdlet("Get-X") || none.Param("Get-X", "Identity") {
		t.Error("nil grants allowed something")
	}
	run := func(context.Context, *cmdlet.Invocation) error { return nil }
	tbl := cmdlet.MustTable(
		&cmdlet.Cmdlet{Name: "Get-X", Run: run, Params: []*cmdlet.Param{{Name: "Identity"}, {Name: "Filter"}, {Name: "ResultSize"}}},
		&cmdlet.Cmdlet{Name: "Remove-X", Run: run},
	)
	f := g.Filter(tbl)
	if len(f) != 1 || len(f[0].Params) != 2 {
		t.Fatalf("filter %v", f)
	}
}

func TestSeedAndCompile(t *testing.T) {
	ctx := context.Background()
	st, err := storesql.OpenSQLite(ctx, "sqlite://"+filepath.Join(t.TempDir(), "r.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tenant := uuid.NewString()
	if err := st.CreateTenant(ctx, storage.Tenant{ID: tenant, Name: "t"}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := Seed(ctx, st, tenant); err != nil {
			t.Fatal(err)
		}
	}
	groups, _ := st.ListRoleGroups(ctx, tenant)
	if len(groups) != len(SCCRoleGroups)+len(EXORoleGroups) {
		t.Errorf("%d groups", len(groups))
	}
	u := storage.User{ID: uuid.NewString(), TenantID: tenant, UPN: "u@t", Enabled: true, MFAState: storage.MFADisabled}
	if err := st.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	rev, _ := st.GetRoleGroupByName(ctx, tenant, "Records Management")
	if err := st.AddRoleGroupMember(ctx, rev.ID, u.ID); err != nil {
		t.Fatal(err)
	}
	g, err := Compile(ctx, st, tenant, u.ID, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !g.Param("New-ComplianceTag", "IsRecordLabel") || g.Cmdlet("Get-RoleGroup") || !slices.Equal(g.Groups(), []string{"Records Management"}) {
		t.Errorf("records management grants wrong: %v", g.Groups())
	}
	// The same user has nothing on EXO, unless implicitly Organization Management.
	if g, _ := Compile(ctx, st, tenant, u.ID, Options{Namespace: EXO}); g.Cmdlet("Get-User") {
		t.Error("SCC membership granted EXO")
	}
	if g, _ := Compile(ctx, st, tenant, u.ID, Options{Namespace: EXO, ImplicitGroups: []string{"Organization Management"}}); !g.Cmdlet("Set-User") || !g.Cmdlet("Search-UnifiedAuditLog") {
		t.Error("implicit EXO Organization Management missing")
	}
}

func TestNamespace(t *testing.T) {
	if n, ok := EXO.Display("exo:Organization Management"); !ok || n != "Organization Management" {
		t.Error(n)
	}
	if _, ok := SCC.Display("exo:Organization Management"); ok {
		t.Error("SCC sees EXO group")
	}
	if _, ok := EXO.Display("Reviewer"); ok {
		t.Error("EXO sees SCC group")
	}
	if !IsBuiltIn(SCC, "reviewer") || IsBuiltIn(EXO, "Reviewer") {
		t.Error("IsBuiltIn")
	}
}
