package rbac

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/ipps/ipps/internal/storage"
	storesql "github.com/ipps/ipps/internal/storage/sql"
)

// seededStore returns a store with one seeded tenant.
func seededStore(t *testing.T) (storage.Storage, string) {
	t.Helper()
	ctx := context.Background()
	st, err := storesql.OpenSQLite(ctx, "sqlite://"+filepath.Join(t.TempDir(), "r.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	tenant := uuid.NewString()
	if err := st.CreateTenant(ctx, storage.Tenant{ID: tenant, Name: "t"}); err != nil {
		t.Fatal(err)
	}
	if err := Seed(ctx, st, tenant); err != nil {
		t.Fatal(err)
	}
	return st, tenant
}

// member creates a user in the named groups (stored names).
func member(t *testing.T, st storage.Storage, tenant string, groups ...string) string {
	t.Helper()
	ctx := context.Background()
	u := storage.User{ID: uuid.NewString(), TenantID: tenant, UPN: uuid.NewString() + "@t", Enabled: true, MFAState: storage.MFADisabled}
	if err := st.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	for _, name := range groups {
		g, err := st.GetRoleGroupByName(ctx, tenant, name)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.AddRoleGroupMember(ctx, g.ID, u.ID); err != nil {
			t.Fatal(err)
		}
	}
	return u.ID
}

func read(t *testing.T, st storage.Storage, tenant, user string, opts Options) *Assignment {
	t.Helper()
	a, err := Read(context.Background(), st, tenant, user, opts)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestAssignmentKey: users holding the same groups share a Key; any change
// to what the grants are compiled from (membership, a role's entries)
// changes it, and equal Keys compile to equal answers.
func TestAssignmentKey(t *testing.T) {
	ctx := context.Background()
	st, tenant := seededStore(t)
	alice := member(t, st, tenant, "Records Management")
	bob := member(t, st, tenant, "Records Management")
	carol := member(t, st, tenant, "Global Reader")
	a, b, c := read(t, st, tenant, alice, Options{}), read(t, st, tenant, bob, Options{}), read(t, st, tenant, carol, Options{})
	if len(a.Key()) != 32 || a.Key() != b.Key() {
		t.Fatalf("same groups, keys %x and %x", a.Key(), b.Key())
	}
	if a.Key() == c.Key() {
		t.Fatal("different groups, same key")
	}
	if !slices.Equal(a.Groups(), []string{"Records Management"}) {
		t.Errorf("groups %v", a.Groups())
	}
	ga, gb := a.Compile(), b.Compile()
	for _, cm := range []string{"New-ComplianceTag", "Get-RoleGroup", "Get-User"} {
		if ga.Cmdlet(cm) != gb.Cmdlet(cm) || ga.Param(cm, "IsRecordLabel") != gb.Param(cm, "IsRecordLabel") || !slices.Equal(ga.Roles(cm), gb.Roles(cm)) {
			t.Errorf("%s: equal keys, different grants", cm)
		}
	}

	// A new membership changes the key of a fresh Read, not of the old
	// snapshot.
	rev, err := st.GetRoleGroupByName(ctx, tenant, "Reviewer")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.AddRoleGroupMember(ctx, rev.ID, bob); err != nil {
		t.Fatal(err)
	}
	if b2 := read(t, st, tenant, bob, Options{}); b2.Key() == a.Key() || b.Key() != a.Key() {
		t.Error("membership change not reflected in the key")
	}

	// So does a role whose entries change, for every holder.
	g, err := st.GetRoleGroupByName(ctx, tenant, "Records Management")
	if err != nil {
		t.Fatal(err)
	}
	_, err = st.UpdateRole(ctx, tenant, g.Roles[0], func(r storage.Role) (storage.Role, error) {
		r.Entries = append(slices.Clone(r.Entries), storage.RoleEntry{Cmdlet: "Get-RoleGroup", Parameters: []string{"Identity"}})
		return r, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	a2 := read(t, st, tenant, alice, Options{})
	if a2.Key() == a.Key() || !a2.Compile().Cmdlet("Get-RoleGroup") {
		t.Error("role entry change not reflected")
	}
}

// TestAssignmentImplicitGroups: an implicit group counts like a membership
// (same key as a listed member), and namespaces stay apart.
func TestAssignmentImplicitGroups(t *testing.T) {
	st, tenant := seededStore(t)
	listed := member(t, st, tenant, "Organization Management")
	implicit := member(t, st, tenant)
	l := read(t, st, tenant, listed, Options{})
	i := read(t, st, tenant, implicit, Options{ImplicitGroups: []string{"Organization Management"}})
	if l.Key() != i.Key() {
		t.Error("implicit Organization Management differs from membership")
	}
	if e := read(t, st, tenant, listed, Options{Namespace: EXO}); len(e.Groups()) != 0 || e.Compile().Cmdlet("Get-User") {
		t.Errorf("SCC membership read on EXO: %v", e.Groups())
	}
	none := read(t, st, tenant, implicit, Options{})
	if none.Key() == l.Key() || none.Compile().Cmdlet("Get-User") {
		t.Error("no membership grants something")
	}
}
