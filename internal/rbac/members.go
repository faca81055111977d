package rbac

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/cmdlet"
	"github.com/ipps/ipps/internal/psrp"
	"github.com/ipps/ipps/internal/storage"
)

// ResolveUser finds a tenant user by object ID, UPN, display name or alias
// (the UPN's local part), case-insensitively. It returns an error wrapping
// storage.ErrNotFound when nothing (or more than one user by name) matches.
func ResolveUser(ctx context.Context, st storage.DirectoryStore, tenantID, id string) (storage.User, error) {
	if u, err := st.GetUser(ctx, id); err == nil && u.TenantID == tenantID {
		return u, nil
	}
	if u, err := st.GetUserByUPN(ctx, id); err == nil && u.TenantID == tenantID {
		return u, nil
	}
	var found []storage.User
	page := storage.Page{Size: storage.MaxPageSize}
	for {
		users, next, err := st.ListUsers(ctx, tenantID, page)
		if err != nil {
			return storage.User{}, fmt.Errorf("rbac: list users: %w", err)
		}
		for _, u := range users {
			alias, _, _ := strings.Cut(u.UPN, "@")
			if strings.EqualFold(u.DisplayName, id) || strings.EqualFold(alias, id) {
				found = append(found, u)
			}
		}
		if next == "" {
			break
		}
		page.Cursor = next
	}
	if len(found) != 1 {
		return storage.User{}, fmt.Errorf("rbac: user %q: %w", id, storage.ErrNotFound)
	}
	return found[0], nil
}

// RecipientObject is the ReducedRecipient Get-RoleGroupMember emits.
func RecipientObject(u storage.User) *clixml.Object {
	alias, _, _ := strings.Cut(u.UPN, "@")
	name := orDefault(u.DisplayName, alias)
	o := clixml.NewTypedObject(chainOf(TypeReducedRecipient),
		clixml.Property{Name: "Name", Value: name},
		clixml.Property{Name: "RecipientType", Value: "UserMailbox"},
		clixml.Property{Name: "Alias", Value: alias},
		clixml.Property{Name: "DisplayName", Value: name},
		clixml.Property{Name: "PrimarySmtpAddress", Value: u.UPN},
		clixml.Property{Name: "WindowsLiveID", Value: u.UPN},
		clixml.Property{Name: "ExternalDirectoryObjectId", Value: u.ID},
		clixml.Property{Name: "Identity", Value: name},
		clixml.Property{Name: "Guid", Value: u.ID},
	)
	o.ToString = clixml.Str(name)
	return o
}

func (h *handlers) getMembers(ctx context.Context, inv *cmdlet.Invocation) error {
	g, err := h.findGroup(ctx, inv, inv.Bound.String("Identity"))
	if err != nil {
		return err
	}
	limit := resultLimit(inv.Bound)
	for i, id := range g.Members {
		if i == limit {
			break
		}
		u, err := h.store(ctx).GetUser(ctx, id)
		if err != nil {
			continue // deleted user: membership row is being cleaned up
		}
		if err := inv.WriteObject(RecipientObject(u)); err != nil {
			return err
		}
	}
	return nil
}

// groupAndMember resolves -Identity (a role group) and -Member (a user of
// the caller's tenant) for Add/Remove-RoleGroupMember; m is -Member as
// given, for error texts.
func (h *handlers) groupAndMember(ctx context.Context, inv *cmdlet.Invocation) (g storage.RoleGroup, u storage.User, m string, err error) {
	if g, err = h.findGroup(ctx, inv, inv.Bound.String("Identity")); err != nil {
		return g, u, "", err
	}
	m = inv.Bound.String("Member")
	if u, err = ResolveUser(ctx, h.store(ctx), inv.Principal.TenantID, m); err != nil {
		return g, u, m, notFoundOr(inv, m, err)
	}
	return g, u, m, nil
}

func (h *handlers) addMember(ctx context.Context, inv *cmdlet.Invocation) error {
	g, u, m, err := h.groupAndMember(ctx, inv)
	if err != nil {
		return err
	}
	if err := h.store(ctx).AddRoleGroupMember(ctx, g.ID, u.ID); err != nil {
		if errors.Is(err, storage.ErrAlreadyExists) {
			name, _ := h.ns.Display(g.Name)
			return &cmdlet.TaskError{Exception: "Microsoft.Exchange.Management.Tasks.MemberAlreadyExistsException", Category: psrp.CategoryInvalidArgument, Target: m,
				Message: fmt.Sprintf("The recipient \"%s\" is already a member of the group \"%s\".", u.UPN, name)}
		}
		return fmt.Errorf("rbac: add member: %w", err)
	}
	return nil
}

func (h *handlers) removeMember(ctx context.Context, inv *cmdlet.Invocation) error {
	g, u, m, err := h.groupAndMember(ctx, inv)
	if err != nil {
		return err
	}
	if err := h.store(ctx).RemoveRoleGroupMember(ctx, g.ID, u.ID); err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			name, _ := h.ns.Display(g.Name)
			return &cmdlet.TaskError{Exception: "Microsoft.Exchange.Management.Tasks.MemberNotFoundException", Category: psrp.CategoryInvalidArgument, Target: m,
				Message: fmt.Sprintf("The recipient \"%s\" isn't a member of the group \"%s\".", u.UPN, name)}
		}
		return fmt.Errorf("rbac: remove member: %w", err)
	}
	return nil
}

// roleObject renders a role with its entries as "(module) Cmdlet -P1 -P2".
func (h *handlers) roleObject(r storage.Role) *clixml.Object {
	name, _ := h.ns.Display(r.Name)
	entries := make([]string, len(r.Entries))
	for i, e := range r.Entries {
		ps := make([]string, len(e.Parameters))
		for j, p := range e.Parameters {
			ps[j] = "-" + p
		}
		entries[i] = strings.TrimSpace("(Microsoft.Exchange.Management.PowerShell.E2010) " + e.Cmdlet + " " + strings.Join(ps, " "))
	}
	o := clixml.NewTypedObject(chainOf(TypeManagementRole),
		clixml.Property{Name: "Name", Value: name},
		clixml.Property{Name: "RoleType", Value: strings.ReplaceAll(name, " ", "")},
		clixml.Property{Name: "RoleEntries", Value: clixml.NewStringList(entries...)},
		clixml.Property{Name: "Description", Value: r.Description},
		clixml.Property{Name: "IsRootRole", Value: true},
		clixml.Property{Name: "Identity", Value: name},
		clixml.Property{Name: "IsValid", Value: true},
	)
	o.ToString = clixml.Str(name)
	return o
}

func (h *handlers) getRole(ctx context.Context, inv *cmdlet.Invocation) error {
	roles, err := h.store(ctx).ListRoles(ctx, inv.Principal.TenantID)
	if err != nil {
		return fmt.Errorf("rbac: list roles: %w", err)
	}
	id := strings.ToLower(inv.Bound.String("Identity"))
	wantCmdlet := inv.Bound.String("Cmdlet")
	wantParams := inv.Bound.Strings("CmdletParameters")
	found := false
	for _, r := range roles {
		name, ok := h.ns.Display(r.Name)
		if !ok {
			continue
		}
		if id != "" {
			if m, _ := path.Match(id, strings.ToLower(name)); !m {
				continue
			}
		}
		if !roleHas(r, wantCmdlet, wantParams) {
			continue
		}
		found = true
		if err := inv.WriteObject(h.roleObject(r)); err != nil {
			return err
		}
	}
	if !found && id != "" && !strings.ContainsAny(id, "*?") {
		return inv.NotFound(inv.Bound.String("Identity"))
	}
	return nil
}

// roleHas reports whether r has an entry for cmdletName ("" = any) holding
// all of params.
func roleHas(r storage.Role, cmdletName string, params []string) bool {
	if cmdletName == "" && len(params) == 0 {
		return true
	}
	for _, e := range r.Entries {
		if cmdletName != "" && !strings.EqualFold(e.Cmdlet, cmdletName) {
			continue
		}
		ok := true
		for _, p := range params {
			ok = ok && (slices.Contains(e.Parameters, "*") || slices.ContainsFunc(e.Parameters, func(q string) bool { return strings.EqualFold(p, q) }))
		}
		if ok {
			return true
		}
	}
	return false
}
