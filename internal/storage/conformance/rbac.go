package conformance

import (
	"context"
	"reflect"
	"testing"

	"github.com/ipps/ipps/internal/storage"
)

func testRole(t *testing.T, s storage.Storage) {
	ctx := context.Background()
	ten := newTenant(t, s)
	r := storage.Role{TenantID: ten.ID, Name: "Retention Management", Description: "d", CreatedAt: base,
		Entries: []storage.RoleEntry{{Cmdlet: "Get-RetentionCompliancePolicy", Parameters: []string{"Identity", "DistributionDetail"}},
			{Cmdlet: "Get-ComplianceTag"}}}
	must(t, s.CreateRole(ctx, r))
	wantErr(t, s.CreateRole(ctx, storage.Role{TenantID: ten.ID, Name: "RETENTION management"}), storage.ErrAlreadyExists)
	other := newTenant(t, s)
	must(t, s.CreateRole(ctx, storage.Role{TenantID: other.ID, Name: r.Name})) // per-tenant uniqueness
	got, err := s.GetRole(ctx, ten.ID, "retention MANAGEMENT")
	must(t, err)
	if !reflect.DeepEqual(got, r) {
		t.Fatalf("got %+v\nwant %+v", got, r)
	}
	_, err = s.UpdateRole(ctx, ten.ID, r.Name, func(o storage.Role) (storage.Role, error) {
		o.Name = "Retention Mgmt"
		o.Entries = o.Entries[:1]
		return o, nil
	})
	must(t, err)
	_, err = s.GetRole(ctx, ten.ID, r.Name)
	wantErr(t, err, storage.ErrNotFound)
	roles, err := s.ListRoles(ctx, ten.ID)
	must(t, err)
	if len(roles) != 1 || roles[0].Name != "Retention Mgmt" || len(roles[0].Entries) != 1 {
		t.Fatalf("roles %+v", roles)
	}
	must(t, s.DeleteRole(ctx, ten.ID, "retention mgmt"))
	wantErr(t, s.DeleteRole(ctx, ten.ID, "retention mgmt"), storage.ErrNotFound)
}

func testRoleGroup(t *testing.T, s storage.Storage) {
	ctx := context.Background()
	ten := newTenant(t, s)
	u1, u2, u3 := newUser(t, s, ten.ID), newUser(t, s, ten.ID), newUser(t, s, ten.ID)
	g := storage.RoleGroup{ID: id("rg"), TenantID: ten.ID, Name: "eDiscoveryManager", DisplayName: "eDiscovery Manager",
		Description: "d", Roles: []string{"Case Management", "Search"}, Members: []string{u1.ID}, CreatedAt: base, ModifiedAt: base}
	must(t, s.CreateRoleGroup(ctx, g))
	wantErr(t, s.CreateRoleGroup(ctx, storage.RoleGroup{ID: id("rg"), TenantID: ten.ID, Name: "EDISCOVERYMANAGER"}), storage.ErrAlreadyExists)
	got, err := s.GetRoleGroupByName(ctx, ten.ID, "ediscoverymanager")
	must(t, err)
	if !reflect.DeepEqual(got, g) {
		t.Fatalf("got %+v\nwant %+v", got, g)
	}
	must(t, s.AddRoleGroupMember(ctx, g.ID, u2.ID))
	wantErr(t, s.AddRoleGroupMember(ctx, g.ID, u2.ID), storage.ErrAlreadyExists)
	wantErr(t, s.AddRoleGroupMember(ctx, g.ID, "no-such-user"), storage.ErrNotFound)
	wantErr(t, s.AddRoleGroupMember(ctx, "no-such-group", u1.ID), storage.ErrNotFound)
	g2 := storage.RoleGroup{ID: id("rg"), TenantID: ten.ID, Name: "ComplianceAdministrator", Members: []string{u2.ID}}
	must(t, s.CreateRoleGroup(ctx, g2))

	groups, err := s.ListRoleGroupsForUser(ctx, ten.ID, u2.ID)
	must(t, err)
	if len(groups) != 2 || groups[0].ID != g2.ID || groups[1].ID != g.ID {
		t.Fatalf("groups of u2: %+v", groups)
	}
	groups, err = s.ListRoleGroupsForUser(ctx, ten.ID, u3.ID)
	must(t, err)
	if len(groups) != 0 {
		t.Fatalf("groups of u3: %+v", groups)
	}
	must(t, s.RemoveRoleGroupMember(ctx, g.ID, u1.ID))
	wantErr(t, s.RemoveRoleGroupMember(ctx, g.ID, u1.ID), storage.ErrNotFound)

	up, err := s.UpdateRoleGroup(ctx, g.ID, func(o storage.RoleGroup) (storage.RoleGroup, error) {
		o.Members = append(o.Members, u3.ID, u3.ID)
		o.Roles = []string{"Search"}
		return o, nil
	})
	must(t, err)
	got, err = s.GetRoleGroup(ctx, g.ID)
	must(t, err)
	if !reflect.DeepEqual(got, up) || len(got.Members) != 2 || len(got.Roles) != 1 {
		t.Fatalf("after update got %+v\nreturned %+v", got, up)
	}
	all, err := s.ListRoleGroups(ctx, ten.ID)
	must(t, err)
	if len(all) != 2 {
		t.Fatalf("list %d groups", len(all))
	}
	// Deleting a user removes its memberships.
	must(t, s.DeleteUser(ctx, u3.ID))
	got, _ = s.GetRoleGroup(ctx, g.ID)
	if len(got.Members) != 1 || got.Members[0] != u2.ID {
		t.Fatalf("members after user delete: %v", got.Members)
	}
	must(t, s.DeleteRoleGroup(ctx, g.ID))
	_, err = s.GetRoleGroup(ctx, g.ID)
	wantErr(t, err, storage.ErrNotFound)
}
