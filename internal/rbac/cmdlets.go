package rbac

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/cmdlet"
	"github.com/ipps/ipps/internal/storage"
)

// Output type names (compliance-cmdlets.md §5 lists their default views).
const (
	TypeRoleGroup        = "Microsoft.Exchange.Data.Directory.Management.RoleGroup"
	TypeReducedRecipient = "Microsoft.Exchange.Data.Directory.Management.ReducedRecipient"
	TypeManagementRole   = "Microsoft.Exchange.Data.Directory.SystemConfiguration.ExchangeRole"
)

const (
	roleGroupID = "Microsoft.Exchange.Configuration.Tasks.RoleGroupIdParameter"
	principalID = "Microsoft.Exchange.Configuration.Tasks.SecurityPrincipalIdParameter"
	roleID      = "Microsoft.Exchange.Configuration.Tasks.RoleIdParameter"
)

func chainOf(t string) []string {
	return []string{t, "Microsoft.Exchange.Data.Directory.ADObject", "Microsoft.Exchange.Data.ConfigurableObject", "System.Object"}
}

// Cmdlets declares the RBAC cmdlets of one namespace over st: Get-RoleGroup,
// New-RoleGroup, Get-RoleGroupMember, Add-RoleGroupMember,
// Remove-RoleGroupMember and Get-ManagementRole.
func Cmdlets(st storage.Storage, ns Namespace) []*cmdlet.Cmdlet {
	h := &handlers{st: st, ns: ns}
	identity := func(mandatory bool) *cmdlet.Param {
		return &cmdlet.Param{Name: "Identity", Kind: cmdlet.Identity, Type: roleGroupID, Mandatory: mandatory, Position: 1, FromPipeline: true,
			Help: "The role group: Name, DistinguishedName or GUID."}
	}
	member := &cmdlet.Param{Name: "Member", Kind: cmdlet.Identity, Type: principalID, Mandatory: true, FromPipelineByName: true,
		Help: "The user to add or remove: UPN, Name, alias or GUID."}
	bypass := &cmdlet.Param{Name: "BypassSecurityGroupManagerCheck", Kind: cmdlet.Switch}
	resultSize := &cmdlet.Param{Name: "ResultSize", Kind: cmdlet.Unlimited, Help: "Maximum results (default 1000, or Unlimited)."}
	return []*cmdlet.Cmdlet{
		{Name: "Get-RoleGroup", Synopsis: "Returns role groups.", OutputTypes: []string{TypeRoleGroup}, Run: h.getRoleGroup,
			Params: []*cmdlet.Param{identity(false), {Name: "Filter", Kind: cmdlet.String}, resultSize,
				{Name: "ShowPartnerLinked", Kind: cmdlet.Switch}, {Name: "SortBy", Kind: cmdlet.String, Values: []string{"Name", "DisplayName"}}}},
		{Name: "New-RoleGroup", Synopsis: "Creates a role group.", OutputTypes: []string{TypeRoleGroup}, ShouldProcess: true, Run: h.newRoleGroup,
			Params: []*cmdlet.Param{
				{Name: "Name", Kind: cmdlet.String, Mandatory: true, Position: 1, Length: &cmdlet.Range{Min: 1, Max: 64}},
				{Name: "Roles", Kind: cmdlet.Identity, Type: roleID + "[]", Multi: true},
				{Name: "Members", Kind: cmdlet.Identity, Type: principalID + "[]", Multi: true},
				{Name: "ManagedBy", Kind: cmdlet.Identity, Multi: true},
				{Name: "Description", Kind: cmdlet.String},
				{Name: "DisplayName", Kind: cmdlet.String, Length: &cmdlet.Range{Min: 1, Max: 256}},
				{Name: "Force", Kind: cmdlet.Switch},
			}},
		{Name: "Get-RoleGroupMember", Synopsis: "Returns the members of a role group.", OutputTypes: []string{TypeReducedRecipient}, Run: h.getMembers,
			Params: []*cmdlet.Param{identity(true), resultSize}},
		{Name: "Add-RoleGroupMember", Synopsis: "Adds a member to a role group.", ShouldProcess: true, Run: h.addMember,
			Params: []*cmdlet.Param{identity(true), member, bypass}},
		{Name: "Remove-RoleGroupMember", Synopsis: "Removes a member from a role group.", ShouldProcess: true, Run: h.removeMember,
			Params: []*cmdlet.Param{identity(true), member, bypass}},
		{Name: "Get-ManagementRole", Synopsis: "Returns management roles.", OutputTypes: []string{TypeManagementRole}, Run: h.getRole,
			Params: []*cmdlet.Param{
				{Name: "Identity", Kind: cmdlet.Identity, Type: roleID, Position: 1, FromPipeline: true},
				{Name: "Cmdlet", Kind: cmdlet.String},
				{Name: "CmdletParameters", Kind: cmdlet.String, Multi: true},
				{Name: "RoleType", Kind: cmdlet.String},
			}},
	}
}

type handlers struct {
	st storage.Storage
	ns Namespace
}

// findGroup resolves a role-group identity (name, display name or GUID).
func (h *handlers) findGroup(ctx context.Context, inv *cmdlet.Invocation, id string) (storage.RoleGroup, error) {
	tenant := inv.Principal.TenantID
	if g, err := h.store(ctx).GetRoleGroupByName(ctx, tenant, h.ns.Stored(id)); err == nil {
		return g, nil
	}
	if _, err := uuid.Parse(id); err == nil {
		if g, err := h.store(ctx).GetRoleGroup(ctx, id); err == nil && g.TenantID == tenant {
			if _, ok := h.ns.Display(g.Name); ok {
				return g, nil
			}
		}
	}
	groups, err := h.store(ctx).ListRoleGroups(ctx, tenant)
	if err != nil {
		return storage.RoleGroup{}, fmt.Errorf("rbac: list role groups: %w", err)
	}
	for _, g := range groups {
		if name, ok := h.ns.Display(g.Name); ok && (strings.EqualFold(g.DisplayName, id) || strings.EqualFold(name, id)) {
			return g, nil
		}
	}
	return storage.RoleGroup{}, inv.NotFound(id)
}

func (h *handlers) groupObject(g storage.RoleGroup) *clixml.Object {
	name, _ := h.ns.Display(g.Name)
	roles := make([]string, 0, len(g.Roles))
	for _, r := range g.Roles {
		d, _ := h.ns.Display(r)
		roles = append(roles, d)
	}
	assignments := make([]string, len(roles))
	for i, r := range roles {
		assignments[i] = r + "-" + name
	}
	o := clixml.NewTypedObject(chainOf(TypeRoleGroup),
		clixml.Property{Name: "Name", Value: name},
		clixml.Property{Name: "DisplayName", Value: orDefault(g.DisplayName, name)},
		clixml.Property{Name: "Description", Value: g.Description},
		clixml.Property{Name: "Roles", Value: clixml.NewStringList(roles...)},
		clixml.Property{Name: "AssignedRoles", Value: clixml.NewStringList(roles...)},
		clixml.Property{Name: "RoleAssignments", Value: clixml.NewStringList(assignments...)},
		clixml.Property{Name: "ManagedBy", Value: clixml.NewStringList()},
		clixml.Property{Name: "Members", Value: clixml.NewStringList(g.Members...)},
		clixml.Property{Name: "RoleGroupType", Value: "Standard"},
		clixml.Property{Name: "Identity", Value: name},
		clixml.Property{Name: "Guid", Value: g.ID},
		clixml.Property{Name: "IsValid", Value: true},
		clixml.Property{Name: "WhenCreatedUTC", Value: utc(g.CreatedAt)},
		clixml.Property{Name: "WhenChangedUTC", Value: utc(g.ModifiedAt)},
	)
	o.ToString = clixml.Str(name)
	return o
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func utc(t time.Time) clixml.Value {
	if t.IsZero() {
		return nil
	}
	return clixml.DateTime{Time: t.UTC(), Kind: clixml.KindUtc}
}

func (h *handlers) getRoleGroup(ctx context.Context, inv *cmdlet.Invocation) error {
	if id := inv.Bound.String("Identity"); id != "" && !strings.ContainsAny(id, "*?") {
		g, err := h.findGroup(ctx, inv, id)
		if err != nil {
			return err
		}
		return inv.WriteObject(h.groupObject(g))
	}
	groups, err := h.store(ctx).ListRoleGroups(ctx, inv.Principal.TenantID)
	if err != nil {
		return fmt.Errorf("rbac: list role groups: %w", err)
	}
	pattern := strings.ToLower(inv.Bound.String("Identity"))
	limit := resultLimit(inv.Bound)
	n := 0
	for _, g := range groups {
		name, ok := h.ns.Display(g.Name)
		if !ok {
			continue
		}
		if pattern != "" {
			if m, _ := path.Match(pattern, strings.ToLower(name)); !m {
				continue
			}
		}
		if n == limit {
			return inv.WriteWarning(fmt.Sprintf("By default, only the first %d items are returned. Use the ResultSize parameter to specify the number of items returned. To return all items, specify \"-ResultSize Unlimited\".", limit))
		}
		n++
		if err := inv.WriteObject(h.groupObject(g)); err != nil {
			return err
		}
	}
	return nil
}

// resultLimit returns -ResultSize (default 1000, -1 for Unlimited).
func resultLimit(b *cmdlet.Bound) int {
	if u, ok := b.Unlimited("ResultSize"); ok {
		if u.Unlimited {
			return -1
		}
		return int(u.Value)
	}
	return 1000
}

func (h *handlers) newRoleGroup(ctx context.Context, inv *cmdlet.Invocation) error {
	tenant := inv.Principal.TenantID
	name := inv.Bound.String("Name")
	var roles []string
	for _, r := range inv.Bound.Strings("Roles") {
		role, err := h.store(ctx).GetRole(ctx, tenant, h.ns.Stored(r))
		if err != nil {
			if errors.Is(err, storage.ErrNotFound) {
				return inv.NotFound(r)
			}
			return fmt.Errorf("rbac: get role: %w", err)
		}
		roles = append(roles, role.Name)
	}
	var members []string
	for _, m := range inv.Bound.Strings("Members") {
		u, err := ResolveUser(ctx, h.store(ctx), tenant, m)
		if err != nil {
			return notFoundOr(inv, m, err)
		}
		members = append(members, u.ID)
	}
	slices.Sort(members)
	members = slices.Compact(members)
	g := storage.RoleGroup{ID: uuid.NewString(), TenantID: tenant, Name: h.ns.Stored(name),
		DisplayName: orDefault(inv.Bound.String("DisplayName"), name), Description: inv.Bound.String("Description"),
		Roles: roles, Members: members, CreatedAt: time.Now().UTC()}
	if err := h.store(ctx).CreateRoleGroup(ctx, g); err != nil {
		if errors.Is(err, storage.ErrAlreadyExists) {
			return cmdlet.AlreadyExists("role group", name)
		}
		return fmt.Errorf("rbac: create role group: %w", err)
	}
	g, err := h.store(ctx).GetRoleGroup(ctx, g.ID)
	if err != nil {
		return fmt.Errorf("rbac: reread role group: %w", err)
	}
	return inv.WriteObject(h.groupObject(g))
}

func notFoundOr(inv *cmdlet.Invocation, id string, err error) error {
	if errors.Is(err, storage.ErrNotFound) {
		return inv.NotFound(id)
	}
	return err
}

// store returns the Storage a cmdlet must use: the audit transaction a
// mutating cmdlet runs in (storage.InTx), or the root store.
func (h *handlers) store(ctx context.Context) storage.Storage { return storage.InTx(ctx, h.st) }
