package sql

import (
	"context"
	"slices"
	"strings"

	"github.com/ipps/ipps/internal/storage"
)

const roleCols = `tenant_id, name, description, entries, created_at`

func scanRole(r interface{ Scan(...any) error }) (storage.Role, error) {
	var ro storage.Role
	err := r.Scan(&ro.TenantID, &ro.Name, &ro.Description, jc(&ro.Entries), tc(&ro.CreatedAt))
	ro.Entries = nonEmpty(ro.Entries)
	for i := range ro.Entries {
		ro.Entries[i].Parameters = nonEmpty(ro.Entries[i].Parameters)
	}
	return ro, err
}

// CreateRole implements storage.RBACStore.
func (s *Store) CreateRole(ctx context.Context, r storage.Role) error {
	_, err := s.exec(ctx, `INSERT INTO roles (tenant_id, name, name_lower, description, entries, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		r.TenantID, r.Name, strings.ToLower(r.Name), r.Description, jv(r.Entries), tv(r.CreatedAt))
	return s.wrap("create role", err)
}

// GetRole implements storage.RBACStore.
func (s *Store) GetRole(ctx context.Context, tenantID, name string) (storage.Role, error) {
	r, err := scanRole(s.queryRow(ctx, `SELECT `+roleCols+` FROM roles WHERE tenant_id = $1 AND name_lower = $2`, tenantID, strings.ToLower(name)))
	return r, s.wrap("get role", err)
}

// ListRoles implements storage.RBACStore.
func (s *Store) ListRoles(ctx context.Context, tenantID string) ([]storage.Role, error) {
	return collect(s, ctx, "list roles", scanRole, `SELECT `+roleCols+` FROM roles WHERE tenant_id = $1 ORDER BY name_lower`, tenantID)
}

// UpdateRole implements storage.RBACStore. Renames are allowed.
func (s *Store) UpdateRole(ctx context.Context, tenantID, name string, fn func(storage.Role) (storage.Role, error)) (storage.Role, error) {
	var out storage.Role
	err := s.withTx(ctx, txLocking, func(tx *Store) error {
		old, err := scanRole(tx.queryRow(ctx, `SELECT `+roleCols+` FROM roles WHERE tenant_id = $1 AND name_lower = $2 FOR UPDATE`, tenantID, strings.ToLower(name)))
		if err != nil {
			return err
		}
		r, err := fn(old)
		if err != nil {
			return err
		}
		r.TenantID = old.TenantID
		_, err = tx.exec(ctx, `UPDATE roles SET name = $3, name_lower = $4, description = $5, entries = $6, created_at = $7
			WHERE tenant_id = $1 AND name_lower = $2`,
			tenantID, strings.ToLower(old.Name), r.Name, strings.ToLower(r.Name), r.Description, jv(r.Entries), tv(r.CreatedAt))
		out = r
		return err
	})
	return out, s.wrap("update role", err)
}

// DeleteRole implements storage.RBACStore.
func (s *Store) DeleteRole(ctx context.Context, tenantID, name string) error {
	return s.deleteOne(ctx, "delete role", `DELETE FROM roles WHERE tenant_id = $1 AND name_lower = $2`, tenantID, strings.ToLower(name))
}

const groupCols = `id, tenant_id, name, display_name, description, roles, created_at, modified_at`

func scanGroup(r interface{ Scan(...any) error }) (storage.RoleGroup, error) {
	var g storage.RoleGroup
	err := r.Scan(&g.ID, &g.TenantID, &g.Name, &g.DisplayName, &g.Description, jc(&g.Roles), tc(&g.CreatedAt), tc(&g.ModifiedAt))
	g.Roles = nonEmpty(g.Roles)
	return g, err
}

// loadMembers fills Members of each group.
func (s *Store) loadMembers(ctx context.Context, groups []storage.RoleGroup) error {
	for i := range groups {
		rows, err := s.query(ctx, `SELECT user_id FROM role_group_members WHERE group_id = $1 ORDER BY user_id`, groups[i].ID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var u string
			if err := rows.Scan(&u); err != nil {
				rows.Close()
				return err
			}
			groups[i].Members = append(groups[i].Members, u)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) setMembers(ctx context.Context, groupID string, members []string) error {
	if _, err := s.exec(ctx, `DELETE FROM role_group_members WHERE group_id = $1`, groupID); err != nil {
		return err
	}
	for _, m := range members {
		if _, err := s.exec(ctx, `INSERT INTO role_group_members (group_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, groupID, m); err != nil {
			return err
		}
	}
	return nil
}

// CreateRoleGroup implements storage.RBACStore.
func (s *Store) CreateRoleGroup(ctx context.Context, g storage.RoleGroup) error {
	return s.wrap("create role group", s.withTx(ctx, txLocking, func(tx *Store) error {
		if _, err := tx.exec(ctx, `INSERT INTO role_groups (id, tenant_id, name, name_lower, display_name, description, roles, created_at, modified_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, g.ID, g.TenantID, g.Name, strings.ToLower(g.Name), g.DisplayName,
			g.Description, jv(g.Roles), tv(g.CreatedAt), tv(g.ModifiedAt)); err != nil {
			return err
		}
		return tx.setMembers(ctx, g.ID, g.Members)
	}))
}

func (s *Store) getGroup(ctx context.Context, op, where string, args ...any) (storage.RoleGroup, error) {
	gs, err := collect(s, ctx, op, scanGroup, `SELECT `+groupCols+` FROM role_groups WHERE `+where, args...)
	if err != nil {
		return storage.RoleGroup{}, err
	}
	if len(gs) == 0 {
		return storage.RoleGroup{}, notFound(op)
	}
	return gs[0], s.wrap(op, s.loadMembers(ctx, gs))
}

// GetRoleGroup implements storage.RBACStore.
func (s *Store) GetRoleGroup(ctx context.Context, id string) (storage.RoleGroup, error) {
	return s.getGroup(ctx, "get role group", `id = $1`, id)
}

// GetRoleGroupByName implements storage.RBACStore.
func (s *Store) GetRoleGroupByName(ctx context.Context, tenantID, name string) (storage.RoleGroup, error) {
	return s.getGroup(ctx, "get role group", `tenant_id = $1 AND name_lower = $2`, tenantID, strings.ToLower(name))
}

func (s *Store) listGroups(ctx context.Context, q string, args ...any) ([]storage.RoleGroup, error) {
	gs, err := collect(s, ctx, "list role groups", scanGroup, q, args...)
	if err != nil {
		return nil, err
	}
	return gs, s.wrap("list role groups", s.loadMembers(ctx, gs))
}

// ListRoleGroups implements storage.RBACStore.
func (s *Store) ListRoleGroups(ctx context.Context, tenantID string) ([]storage.RoleGroup, error) {
	return s.listGroups(ctx, `SELECT `+groupCols+` FROM role_groups WHERE tenant_id = $1 ORDER BY name_lower`, tenantID)
}

// ListRoleGroupsForUser implements storage.RBACStore.
func (s *Store) ListRoleGroupsForUser(ctx context.Context, tenantID, userID string) ([]storage.RoleGroup, error) {
	return s.listGroups(ctx, `SELECT `+groupCols+` FROM role_groups WHERE tenant_id = $1
		AND id IN (SELECT group_id FROM role_group_members WHERE user_id = $2) ORDER BY name_lower`, tenantID, userID)
}

// UpdateRoleGroup implements storage.RBACStore.
func (s *Store) UpdateRoleGroup(ctx context.Context, id string, fn func(storage.RoleGroup) (storage.RoleGroup, error)) (storage.RoleGroup, error) {
	var out storage.RoleGroup
	err := s.withTx(ctx, txLocking, func(tx *Store) error {
		old, err := scanGroup(tx.queryRow(ctx, `SELECT `+groupCols+` FROM role_groups WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return err
		}
		olds := []storage.RoleGroup{old}
		if err := tx.loadMembers(ctx, olds); err != nil {
			return err
		}
		g, err := fn(olds[0])
		if err != nil {
			return err
		}
		g.ID, g.TenantID, g.ModifiedAt = old.ID, old.TenantID, tx.now()
		if _, err := tx.exec(ctx, `UPDATE role_groups SET name = $2, name_lower = $3, display_name = $4, description = $5,
			roles = $6, created_at = $7, modified_at = $8 WHERE id = $1`, g.ID, g.Name, strings.ToLower(g.Name),
			g.DisplayName, g.Description, jv(g.Roles), tv(g.CreatedAt), tv(g.ModifiedAt)); err != nil {
			return err
		}
		g.Members = nonEmpty(slices.Compact(slices.Sorted(slices.Values(g.Members))))
		out = g
		return tx.setMembers(ctx, g.ID, g.Members)
	})
	return out, s.wrap("update role group", err)
}

// DeleteRoleGroup implements storage.RBACStore.
func (s *Store) DeleteRoleGroup(ctx context.Context, id string) error {
	return s.deleteOne(ctx, "delete role group", `DELETE FROM role_groups WHERE id = $1`, id)
}

// AddRoleGroupMember implements storage.RBACStore.
func (s *Store) AddRoleGroupMember(ctx context.Context, groupID, userID string) error {
	_, err := s.exec(ctx, `INSERT INTO role_group_members (group_id, user_id) VALUES ($1, $2)`, groupID, userID)
	return s.wrap("add role group member", err)
}

// RemoveRoleGroupMember implements storage.RBACStore.
func (s *Store) RemoveRoleGroupMember(ctx context.Context, groupID, userID string) error {
	return s.deleteOne(ctx, "remove role group member", `DELETE FROM role_group_members WHERE group_id = $1 AND user_id = $2`, groupID, userID)
}
