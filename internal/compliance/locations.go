package compliance

import (
	"context"
	"fmt"
	"strings"

	"github.com/ipps/ipps/internal/cmdlet"
)

// The static locations of a retention policy: their families, the
// -*Location parameters' rules, and Set-*'s Add*/Remove* lists.

// locationFamily is one static location parameter of a policy. A family
// with exception has a *Exception list; teams marks TeamLocation-set
// families.
type locationFamily struct {
	name       string
	exception  bool
	teams      bool
	siteLimit  bool
	mailboxish bool
	// exceptionName is name+"Exception"; names, add and remove are the
	// location and exception keys and their Set-* Add*/Remove*
	// parameter names (filled by withNames, so no call concatenates).
	exceptionName string
	names         [2]string
	add, remove   [2]string
}

// locationFamilies are the static location parameters of a policy.
var locationFamilies = withNames([]locationFamily{
	{name: "ExchangeLocation", exception: true, mailboxish: true},
	{name: "ModernGroupLocation", exception: true},
	{name: "OneDriveLocation", exception: true, siteLimit: true},
	{name: "SharePointLocation", exception: true, siteLimit: true},
	{name: "SkypeLocation", exception: true},
	{name: "PublicFolderLocation"},
	{name: "TeamsChannelLocation", exception: true, teams: true},
	{name: "TeamsChatLocation", exception: true, teams: true},
})

func withNames(fs []locationFamily) []locationFamily {
	for i := range fs {
		f := &fs[i]
		f.exceptionName = f.name + "Exception"
		f.names = [2]string{f.name, f.exceptionName}
		f.add = [2]string{"Add" + f.name, "Add" + f.exceptionName}
		f.remove = [2]string{"Remove" + f.name, "Remove" + f.exceptionName}
	}
	return fs
}

// checkLocations validates the location lists of b (All alone, exceptions
// only with All, static-scope limits, mailboxes exist).
func (s *Service) checkLocations(ctx context.Context, inv *cmdlet.Invocation, b *policyBody) error {
	for _, f := range locationFamilies {
		vals := b.Locations[f.name]
		hasAll := false
		for _, v := range vals {
			if strings.EqualFold(v, "All") {
				hasAll = true
			}
		}
		if hasAll && len(vals) > 1 {
			return cmdlet.InvalidParameter(fmt.Sprintf("The value \"All\" can't be used together with other values for the %s parameter.", f.name))
		}
		if exc := b.Locations[f.exceptionName]; len(exc) > 0 && !hasAll {
			return cmdlet.InvalidParameter(fmt.Sprintf("%sException can only be used when %s is set to \"All\".", f.name, f.name))
		}
		limit := maxStaticLocation
		if f.siteLimit {
			limit = maxSites
		} else if f.mailboxish {
			limit = maxMailboxes
		}
		if len(vals) > limit {
			return cmdlet.InvalidParameter(fmt.Sprintf("The number of %s values (%d) exceeds the limit of %d for a retention policy.", f.name, len(vals), limit))
		}
		if f.mailboxish && !hasAll {
			for _, v := range vals {
				if _, err := s.resolveUser(ctx, inv.Principal.TenantID, v); err != nil {
					return notFoundOr(inv, v, err)
				}
			}
		}
	}
	return nil
}

// addRemove applies Add*/Remove* lists case-insensitively.
func addRemove(cur, add, rem []string) []string {
	if len(add) == 0 && len(rem) == 0 {
		return cur
	}
	m := &cmdlet.MultiValue{Add: add, Remove: rem}
	return m.Apply(cur)
}
