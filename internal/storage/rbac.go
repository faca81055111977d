package storage

import (
	"context"
	"time"
)

// RoleEntry grants one cmdlet with a set of its parameters. Parameters
// nil or empty means the cmdlet without parameters; "*" means all.
type RoleEntry struct {
	Cmdlet     string
	Parameters []string
}

// Role is a management role: a named list of role entries. Name is unique
// per tenant, case-insensitively.
type Role struct {
	TenantID    string
	Name        string
	Description string
	Entries     []RoleEntry
	CreatedAt   time.Time
}

// RoleGroup is a set of roles and the users who hold them. Name is unique
// per tenant, case-insensitively. Members lists user IDs, sorted.
type RoleGroup struct {
	ID          string
	TenantID    string
	Name        string
	DisplayName string
	Description string
	Roles       []string
	Members     []string
	CreatedAt   time.Time
	ModifiedAt  time.Time
}

// RBACStore stores roles and role groups. It evaluates nothing: the rbac
// package compiles what it reads here.
type RBACStore interface {
	CreateRole(ctx context.Context, r Role) error
	GetRole(ctx context.Context, tenantID, name string) (Role, error)
	// ListRoles lists the tenant's roles ordered by lowercased name.
	ListRoles(ctx context.Context, tenantID string) ([]Role, error)
	UpdateRole(ctx context.Context, tenantID, name string, fn func(Role) (Role, error)) (Role, error)
	DeleteRole(ctx context.Context, tenantID, name string) error

	// CreateRoleGroup stores g including its Members.
	CreateRoleGroup(ctx context.Context, g RoleGroup) error
	GetRoleGroup(ctx context.Context, id string) (RoleGroup, error)
	GetRoleGroupByName(ctx context.Context, tenantID, name string) (RoleGroup, error)
	// ListRoleGroups lists the tenant's groups ordered by lowercased name.
	ListRoleGroups(ctx context.Context, tenantID string) ([]RoleGroup, error)
	// UpdateRoleGroup applies fn atomically; Members set by fn replace
	// the membership. ModifiedAt is set by the backend.
	UpdateRoleGroup(ctx context.Context, id string, fn func(RoleGroup) (RoleGroup, error)) (RoleGroup, error)
	DeleteRoleGroup(ctx context.Context, id string) error
	// AddRoleGroupMember returns ErrAlreadyExists if userID is a member,
	// ErrNotFound if the group or user does not exist.
	AddRoleGroupMember(ctx context.Context, groupID, userID string) error
	// RemoveRoleGroupMember returns ErrNotFound if userID is not a member.
	RemoveRoleGroupMember(ctx context.Context, groupID, userID string) error
	// ListRoleGroupsForUser lists the tenant's groups that have userID as
	// a direct member, ordered by lowercased name.
	ListRoleGroupsForUser(ctx context.Context, tenantID, userID string) ([]RoleGroup, error)
}
