// Package rbac compiles a user's management-role grants (role groups →
// roles → role entries of cmdlet + parameters) and answers, denying by
// default, which cmdlets and parameters the user may see. Read takes the
// user's Assignment from the store when a runspace opens; its Key lets
// callers share one compiled Grants between users whose assignments are
// equal. It also seeds the default Security & Compliance and Exchange Online
// role groups and declares the role-group cmdlets.
//
// Security & Compliance and Exchange Online role groups are separate even
// where names match; both live in one tenant's RBAC store, Exchange Online
// ones under the "exo:" Namespace prefix, which the cmdlets hide.
package rbac

import (
	"context"
	"slices"
	"strings"

	"github.com/ipps/ipps/internal/cmdlet"
	"github.com/ipps/ipps/internal/storage"
)

// Namespace separates the role groups and roles of one endpoint: stored
// names carry it as a prefix.
type Namespace string

// Namespaces.
const (
	SCC Namespace = ""
	EXO Namespace = "exo:"
)

// Stored returns the stored name of a role or group called name.
func (ns Namespace) Stored(name string) string { return string(ns) + name }

// Display strips the namespace from a stored name; ok is false when the
// stored name belongs to another namespace.
func (ns Namespace) Display(stored string) (string, bool) {
	if ns == SCC {
		return stored, !strings.HasPrefix(stored, string(EXO))
	}
	if len(stored) >= len(ns) && strings.EqualFold(stored[:len(ns)], string(ns)) {
		return stored[len(ns):], true
	}
	return "", false
}

// grant is what one cmdlet is granted.
type grant struct {
	all    bool
	params map[string]bool // lowercased
	roles  []string        // granting roles (display names)
}

// Grants is a compiled, immutable view of one user's rights. The zero
// value (and a nil *Grants) grants nothing.
type Grants struct {
	cmdlets map[string]*grant // lowercased cmdlet name
	groups  []string
}

// Options adjust compilation.
type Options struct {
	Namespace Namespace
	// ImplicitGroups are extra role groups (display names) the user holds
	// without being a listed member, e.g. Organization Management for a
	// global administrator.
	ImplicitGroups []string
}

// Compile reads the groups userID belongs to (plus opts.ImplicitGroups) in
// opts.Namespace and unions their roles' entries. Roles named by a group
// but missing from the store grant nothing. It is Read followed by
// Assignment.Compile.
func Compile(ctx context.Context, st storage.RBACStore, tenantID, userID string, opts Options) (*Grants, error) {
	a, err := Read(ctx, st, tenantID, userID, opts)
	if err != nil {
		return nil, err
	}
	return a.Compile(), nil
}

// FromRoles compiles grants directly from roles (for tests and app-only
// principals whose roles come from the token).
func FromRoles(roles ...storage.Role) *Grants {
	g := &Grants{cmdlets: map[string]*grant{}}
	for _, r := range roles {
		g.add(r.Name, r.Entries)
	}
	return g
}

func (g *Grants) add(role string, entries []storage.RoleEntry) {
	for _, e := range entries {
		k := strings.ToLower(e.Cmdlet)
		gr := g.cmdlets[k]
		if gr == nil {
			gr = &grant{params: map[string]bool{}}
			g.cmdlets[k] = gr
		}
		if !slices.Contains(gr.roles, role) {
			gr.roles = append(gr.roles, role)
		}
		for _, p := range e.Parameters {
			if p == "*" {
				gr.all = true
			}
			gr.params[strings.ToLower(p)] = true
		}
	}
}

// Groups lists the role groups (display names) that contributed.
func (g *Grants) Groups() []string {
	if g == nil {
		return nil
	}
	return g.groups
}

// Cmdlet reports whether any role grants the cmdlet.
func (g *Grants) Cmdlet(name string) bool {
	if g == nil {
		return false
	}
	_, ok := g.cmdlets[strings.ToLower(name)]
	return ok
}

// Param reports whether the cmdlet is granted with the parameter.
func (g *Grants) Param(cmdletName, param string) bool {
	if g == nil {
		return false
	}
	gr, ok := g.cmdlets[strings.ToLower(cmdletName)]
	return ok && (gr.all || gr.params[strings.ToLower(param)])
}

// Roles lists the roles granting the cmdlet, for audit records.
func (g *Grants) Roles(cmdletName string) []string {
	if g == nil {
		return nil
	}
	if gr, ok := g.cmdlets[strings.ToLower(cmdletName)]; ok {
		return gr.roles
	}
	return nil
}

// Filter returns the cmdlets of t the user holds, each restricted to its
// granted parameters, sorted by name.
func (g *Grants) Filter(t *cmdlet.Table) []*cmdlet.Cmdlet {
	var out []*cmdlet.Cmdlet
	for _, c := range t.All() {
		if !g.Cmdlet(c.Name) {
			continue
		}
		name := c.Name
		out = append(out, c.Restrict(func(p string) bool { return g.Param(name, p) }))
	}
	return out
}
