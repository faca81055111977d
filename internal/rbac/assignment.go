package rbac

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash"
	"slices"
	"strings"

	"github.com/ipps/ipps/internal/storage"
)

// Assignment is what Compile reads from the store for one user in one
// namespace: the role groups that contribute (display names, in the order
// the store lists them, implicit groups last) and the roles they hold, each
// with its entries, in first-mention order. It is a snapshot: later
// changes to the store (Add-RoleGroupMember, New-RoleGroup, edited roles)
// are seen only by a new Read.
//
// Grants compiled from an Assignment depend on nothing else, so callers
// may share one compiled *Grants (and anything derived from it) between
// every Assignment with the same Key. An Assignment is immutable and safe
// for concurrent use.
type Assignment struct {
	groups []string
	roles  []assignedRole
	key    string
}

// assignedRole is one role as the store returned it, under its display
// name.
type assignedRole struct {
	name    string
	entries []storage.RoleEntry
}

// Read reads the groups userID belongs to (plus opts.ImplicitGroups) in
// opts.Namespace and the roles they name. Roles named by a group but
// missing from the store are left out (they grant nothing); so is an
// implicit group the store lacks.
func Read(ctx context.Context, st storage.RBACStore, tenantID, userID string, opts Options) (*Assignment, error) {
	groups, err := st.ListRoleGroupsForUser(ctx, tenantID, userID)
	if err != nil {
		return nil, fmt.Errorf("rbac: list groups of %s: %w", userID, err)
	}
	for _, name := range opts.ImplicitGroups {
		g, err := st.GetRoleGroupByName(ctx, tenantID, opts.Namespace.Stored(name))
		if err != nil {
			continue // an absent implicit group grants nothing
		}
		groups = append(groups, g)
	}
	a := &Assignment{}
	seenRole := map[string]bool{}
	for _, grp := range groups {
		name, ok := opts.Namespace.Display(grp.Name)
		if !ok {
			continue
		}
		if !slices.Contains(a.groups, name) {
			a.groups = append(a.groups, name)
		}
		for _, roleName := range grp.Roles {
			key := strings.ToLower(roleName)
			if seenRole[key] {
				continue
			}
			seenRole[key] = true
			role, err := st.GetRole(ctx, tenantID, roleName)
			if err != nil {
				continue
			}
			display, _ := opts.Namespace.Display(role.Name)
			a.roles = append(a.roles, assignedRole{name: display, entries: role.Entries})
		}
	}
	a.key = a.fingerprint()
	return a, nil
}

// Key identifies the Grants a compiles to: two Assignments with equal
// Keys compile to Grants that answer every question the same way (same
// groups in the same order, same cmdlets, parameters and granting roles).
// It is a SHA-256 digest of everything Compile uses, as a 32-byte string;
// the namespace is not part of it, since compiled grants hold display
// names only.
func (a *Assignment) Key() string { return a.key }

// Groups lists the contributing role groups (display names).
func (a *Assignment) Groups() []string { return a.groups }

// Compile builds the Grants of a. Each call returns new Grants.
func (a *Assignment) Compile() *Grants {
	g := &Grants{cmdlets: map[string]*grant{}, groups: a.groups}
	for _, r := range a.roles {
		g.add(r.name, r.entries)
	}
	return g
}

// fingerprint hashes the groups and roles in order, each string length
// prefixed so that no two different inputs share an encoding.
func (a *Assignment) fingerprint() string {
	h := sha256.New()
	writeInt(h, len(a.groups))
	for _, g := range a.groups {
		writeString(h, g)
	}
	writeInt(h, len(a.roles))
	for _, r := range a.roles {
		writeString(h, r.name)
		writeInt(h, len(r.entries))
		for _, e := range r.entries {
			writeString(h, e.Cmdlet)
			writeInt(h, len(e.Parameters))
			for _, p := range e.Parameters {
				writeString(h, p)
			}
		}
	}
	return string(h.Sum(nil))
}

func writeInt(h hash.Hash, n int) {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(n))
	h.Write(b[:])
}

func writeString(h hash.Hash, s string) {
	writeInt(h, len(s))
	h.Write([]byte(s))
}
