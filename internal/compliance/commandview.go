package compliance

import (
	"strings"
	"sync"

	"github.com/ipps/ipps/internal/cmdlet"
	"github.com/ipps/ipps/internal/rbac"
	"github.com/ipps/ipps/internal/runspace"
)

// commandView is what one endpoint's cmdlet table looks like under one
// rbac.Assignment: the compiled grants, the granted cmdlets restricted to
// their granted parameters, and their metadata for Get-Command. It is
// immutable once built, so every shell whose assignment has the same Key
// shares one view instead of holding its own copy (about 85 KB of live
// heap per shell for Organization Management).
type commandView struct {
	key     string
	grants  *rbac.Grants
	cmdlets map[string]*cmdlet.Cmdlet // lowercased name → restricted cmdlet
	// exact maps each cmdlet's canonical name (as clients usually spell
	// it) to the same cmdlet, so a lookup needs no lowercased copy.
	exact map[string]*cmdlet.Cmdlet
	infos []runspace.CommandInfo // sorted by name

	refs int // shells holding the view; guarded by viewCache.mu
}

// newCommandView compiles a and filters t through the grants.
func newCommandView(a *rbac.Assignment, t *cmdlet.Table) *commandView {
	g := a.Compile()
	granted := g.Filter(t)
	v := &commandView{key: a.Key(), grants: g, cmdlets: make(map[string]*cmdlet.Cmdlet, len(granted)),
		exact: make(map[string]*cmdlet.Cmdlet, len(granted)),
		infos: make([]runspace.CommandInfo, 0, len(granted))}
	for _, c := range granted {
		v.cmdlets[strings.ToLower(c.Name)] = c
		v.exact[c.Name] = c
		v.infos = append(v.infos, c.Metadata())
	}
	return v
}

// lookup returns the granted cmdlet called name (case-insensitive,
// surrounding space ignored).
func (v *commandView) lookup(name string) (*cmdlet.Cmdlet, bool) {
	if c, ok := v.exact[name]; ok {
		return c, true
	}
	c, ok := v.cmdlets[strings.ToLower(strings.TrimSpace(name))]
	return c, ok
}

// runspace returns a new Runspace for one shell over v. The runspace only
// reads v's maps and slices.
func (v *commandView) runspace(p *Provider, pr runspace.Principal, shellID string) *Runspace {
	return &Runspace{p: p, principal: pr, shellID: shellID, view: v}
}

// viewCache holds the commandViews of one Provider's open shells, keyed by
// rbac.Assignment.Key, with a count of the shells holding each.
//
// Invalidation: there is nothing to invalidate. Provider.Open reads the
// user's assignment from the store for every new shell, as it always did,
// and the Key covers everything the view is built from, so an RBAC change
// (Add-RoleGroupMember, New-RoleGroup, an edited role) yields a new Key
// and a new view for shells opened after it, while shells already open
// keep the view they were opened with. A view is dropped when the last
// shell holding it is released, so the cache never outgrows the set of
// distinct assignments among open shells.
type viewCache struct {
	mu    sync.Mutex
	views map[string]*commandView // guarded by mu
}

// acquire returns the view for a, building it on a miss, and counts one
// more holder; pair it with release. Concurrent misses on one Key may each
// build a view, but only the first one stored is kept and returned.
func (c *viewCache) acquire(a *rbac.Assignment, t *cmdlet.Table) *commandView {
	if v := c.hold(a.Key(), nil); v != nil {
		return v
	}
	return c.hold(a.Key(), newCommandView(a, t))
}

// hold counts a holder of the view stored under key, storing built there
// if there is none (when built is non-nil). It returns nil only when
// nothing is stored and built is nil.
func (c *viewCache) hold(key string, built *commandView) *commandView {
	c.mu.Lock()
	defer c.mu.Unlock()
	v := c.views[key]
	if v == nil {
		if built == nil {
			return nil
		}
		if c.views == nil {
			c.views = make(map[string]*commandView)
		}
		v = built
		c.views[key] = v
	}
	v.refs++
	return v
}

// release drops one holder of v; the last one removes v from the cache.
func (c *viewCache) release(v *commandView) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v.refs--
	if v.refs <= 0 && c.views[v.key] == v {
		delete(c.views, v.key)
	}
}

// len reports how many views are cached (for tests).
func (c *viewCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.views)
}
