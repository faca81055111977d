package compliance

import (
	"context"
	"fmt"
	"strings"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/cmdlet"
	"github.com/ipps/ipps/internal/rbac"
	"github.com/ipps/ipps/internal/storage"
)

// Output types of the recipient cmdlets.
const (
	TypeUser    = "Microsoft.Exchange.Data.Directory.Management.User"
	TypeMailbox = "Microsoft.Exchange.Data.Directory.Management.Mailbox"
)

func equalFold(a, b string) bool { return a != "" && strings.EqualFold(a, b) }

func (s *Service) resolveUser(ctx context.Context, tenant, id string) (storage.User, error) {
	return rbac.ResolveUser(ctx, s.store(ctx), tenant, id)
}

func (s *Service) userCmdlets() []*cmdlet.Cmdlet {
	userID := &cmdlet.Param{Name: "Identity", Kind: cmdlet.Identity, Type: "Microsoft.Exchange.Configuration.Tasks.UserIdParameter",
		Sets: []cmdlet.SetSpec{{Name: "Identity", Position: 1}}, FromPipeline: true, Help: "Name, UPN, DN, Canonical DN or GUID."}
	anr := &cmdlet.Param{Name: "Anr", Kind: cmdlet.String, Sets: []cmdlet.SetSpec{{Name: "AnrSet", Mandatory: true}}}
	filter := &cmdlet.Param{Name: "Filter", Kind: cmdlet.String, Help: "OPATH, e.g. 'RemotePowerShellEnabled -eq $false'."}
	size := &cmdlet.Param{Name: "ResultSize", Kind: cmdlet.Unlimited}
	details := &cmdlet.Param{Name: "RecipientTypeDetails", Kind: cmdlet.String, Multi: true}
	return []*cmdlet.Cmdlet{
		{Name: "Get-User", Synopsis: "Views user objects.", OutputTypes: []string{TypeUser}, DefaultSet: "Identity", Run: s.getUser,
			Params: []*cmdlet.Param{userID, anr, filter, size, details, {Name: "IsVIP", Kind: cmdlet.Switch},
				{Name: "OrganizationalUnit", Kind: cmdlet.String}, {Name: "SortBy", Kind: cmdlet.String}}},
		{Name: "Set-User", Synopsis: "Modifies user objects.", ShouldProcess: true, Run: s.setUser, Params: []*cmdlet.Param{
			{Name: "Identity", Kind: cmdlet.Identity, Type: userID.Type, Mandatory: true, Position: 1, FromPipeline: true},
			{Name: "RemotePowerShellEnabled", Kind: cmdlet.Bool, Help: "$false blocks remote PowerShell for the user."},
			{Name: "EXOModuleEnabled", Kind: cmdlet.Bool, Help: "Kept equal to RemotePowerShellEnabled."},
			{Name: "DisplayName", Kind: cmdlet.String, Length: &cmdlet.Range{Min: 1, Max: 256}},
		}},
		{Name: "Get-Mailbox", Synopsis: "Views mailbox objects.", OutputTypes: []string{TypeMailbox}, DefaultSet: "Identity", Run: s.getMailbox,
			Params: []*cmdlet.Param{
				{Name: "Identity", Kind: cmdlet.Identity, Type: "Microsoft.Exchange.Configuration.Tasks.MailboxIdParameter",
					Sets: []cmdlet.SetSpec{{Name: "Identity", Position: 1}}, FromPipeline: true},
				{Name: "Anr", Kind: cmdlet.String, Sets: []cmdlet.SetSpec{{Name: "AnrSet", Mandatory: true}}},
				{Name: "Filter", Kind: cmdlet.String}, {Name: "ResultSize", Kind: cmdlet.Unlimited},
				{Name: "RecipientTypeDetails", Kind: cmdlet.String, Multi: true},
				{Name: "Archive", Kind: cmdlet.Switch}, {Name: "InactiveMailboxOnly", Kind: cmdlet.Switch},
				{Name: "IncludeInactiveMailbox", Kind: cmdlet.Switch}, {Name: "SoftDeletedMailbox", Kind: cmdlet.Switch},
			}},
	}
}

func alias(u storage.User) string {
	a, _, _ := strings.Cut(u.UPN, "@")
	return a
}

func userName(u storage.User) string {
	if u.DisplayName != "" {
		return u.DisplayName
	}
	return alias(u)
}

// userProps are the filterable properties of a user.
func userProps(u storage.User) map[string]any {
	return map[string]any{
		"name": userName(u), "displayname": userName(u), "userprincipalname": u.UPN, "alias": alias(u),
		"remotepowershellenabled": u.RemotePowerShellEnabled, "exomoduleenabled": u.EXOModuleEnabled,
		"accountdisabled": !u.Enabled, "windowsemailaddress": u.UPN, "primarysmtpaddress": u.UPN,
		"externaldirectoryobjectid": u.ID, "recipienttype": "UserMailbox", "recipienttypedetails": "UserMailbox",
	}
}

func userObject(u storage.User) *clixml.Object {
	name := userName(u)
	return typed(TypeUser, name,
		clixml.Property{Name: "Name", Value: name},
		clixml.Property{Name: "DisplayName", Value: name},
		clixml.Property{Name: "UserPrincipalName", Value: u.UPN},
		clixml.Property{Name: "RecipientType", Value: "UserMailbox"},
		clixml.Property{Name: "RecipientTypeDetails", Value: "UserMailbox"},
		clixml.Property{Name: "RemotePowerShellEnabled", Value: u.RemotePowerShellEnabled},
		clixml.Property{Name: "EXOModuleEnabled", Value: u.EXOModuleEnabled},
		clixml.Property{Name: "AccountDisabled", Value: !u.Enabled},
		clixml.Property{Name: "WindowsEmailAddress", Value: u.UPN},
		clixml.Property{Name: "ExternalDirectoryObjectId", Value: u.ID},
		clixml.Property{Name: "Identity", Value: name},
		clixml.Property{Name: "Id", Value: name},
		clixml.Property{Name: "Guid", Value: guid(u.ID)},
		clixml.Property{Name: "IsValid", Value: true},
		clixml.Property{Name: "WhenCreatedUTC", Value: dt(u.CreatedAt)},
		clixml.Property{Name: "WhenChangedUTC", Value: dt(u.UpdatedAt)},
	)
}

func mailboxObject(u storage.User) *clixml.Object {
	name := userName(u)
	return typed(TypeMailbox, name,
		clixml.Property{Name: "Name", Value: name},
		clixml.Property{Name: "Alias", Value: alias(u)},
		clixml.Property{Name: "Database", Value: "IPPSDB01"},
		clixml.Property{Name: "ProhibitSendQuota", Value: "99 GB (106,300,440,576 bytes)"},
		clixml.Property{Name: "ExternalDirectoryObjectId", Value: u.ID},
		clixml.Property{Name: "DisplayName", Value: name},
		clixml.Property{Name: "DistinguishedName", Value: fmt.Sprintf("CN=%s,OU=%s,OU=Microsoft Exchange Hosted Organizations", alias(u), u.TenantID)},
		clixml.Property{Name: "EmailAddresses", Value: strs([]string{"SMTP:" + u.UPN})},
		clixml.Property{Name: "PrimarySmtpAddress", Value: u.UPN},
		clixml.Property{Name: "UserPrincipalName", Value: u.UPN},
		clixml.Property{Name: "RecipientType", Value: "UserMailbox"},
		clixml.Property{Name: "RecipientTypeDetails", Value: "UserMailbox"},
		clixml.Property{Name: "Identity", Value: name},
		clixml.Property{Name: "Id", Value: name},
		clixml.Property{Name: "Guid", Value: guid(u.ID)},
		clixml.Property{Name: "IsValid", Value: true},
	)
}

// recipients implements Get-User / Get-Mailbox: an -Identity must exist
// (Exchange recipient Get-* raise not-found); otherwise list with -Anr,
// -Filter and -ResultSize (default 1000).
func (s *Service) recipients(ctx context.Context, inv *cmdlet.Invocation, render func(storage.User) *clixml.Object) error {
	tenant := inv.Principal.TenantID
	if id := inv.Bound.String("Identity"); id != "" {
		u, err := s.resolveUser(ctx, tenant, id)
		if err != nil {
			return notFoundOr(inv, id, err)
		}
		return inv.WriteObject(render(u))
	}
	match, err := parseFilter(inv.Bound.String("Filter"))
	if err != nil {
		return cmdlet.InvalidParameter(err.Error())
	}
	anr := strings.ToLower(inv.Bound.String("Anr"))
	limit := 1000
	if u, ok := inv.Bound.Unlimited("ResultSize"); ok {
		limit = int(u.Value)
		if u.Unlimited {
			limit = -1
		}
	}
	n := 0
	page := storage.Page{Size: storage.MaxPageSize}
	for {
		users, next, err := s.store(ctx).ListUsers(ctx, tenant, page)
		if err != nil {
			return fmt.Errorf("compliance: list users: %w", err)
		}
		for _, u := range users {
			if anr != "" && !strings.HasPrefix(strings.ToLower(userName(u)), anr) && !strings.HasPrefix(strings.ToLower(u.UPN), anr) {
				continue
			}
			if !match(userProps(u)) {
				continue
			}
			if n == limit {
				return inv.WriteWarning(fmt.Sprintf("By default, only the first %d items are returned. Use the ResultSize parameter to specify the number of items returned. To return all items, specify \"-ResultSize Unlimited\".", limit))
			}
			n++
			if err := inv.WriteObject(render(u)); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		page.Cursor = next
	}
}

func (s *Service) getUser(ctx context.Context, inv *cmdlet.Invocation) error {
	return s.recipients(ctx, inv, userObject)
}

func (s *Service) getMailbox(ctx context.Context, inv *cmdlet.Invocation) error {
	return s.recipients(ctx, inv, mailboxObject)
}

func (s *Service) setUser(ctx context.Context, inv *cmdlet.Invocation) error {
	if err := promptRequested(inv); err != nil {
		return err
	}
	bd := inv.Bound
	id := bd.String("Identity")
	u, err := s.resolveUser(ctx, inv.Principal.TenantID, id)
	if err != nil {
		return notFoundOr(inv, id, err)
	}
	if whatIf(inv) {
		return nil
	}
	_, err = s.store(ctx).UpdateUser(ctx, u.ID, func(cur storage.User) (storage.User, error) {
		// The cloud keeps both flags equal; either parameter sets both.
		if bd.Has("RemotePowerShellEnabled") {
			cur.RemotePowerShellEnabled = bd.Bool("RemotePowerShellEnabled", cur.RemotePowerShellEnabled)
			cur.EXOModuleEnabled = cur.RemotePowerShellEnabled
		}
		if bd.Has("EXOModuleEnabled") {
			cur.EXOModuleEnabled = bd.Bool("EXOModuleEnabled", cur.EXOModuleEnabled)
			cur.RemotePowerShellEnabled = cur.EXOModuleEnabled
		}
		if bd.Has("DisplayName") {
			cur.DisplayName = bd.String("DisplayName")
		}
		return cur, nil
	})
	if err != nil {
		return fmt.Errorf("compliance: update user: %w", err)
	}
	return nil
}
