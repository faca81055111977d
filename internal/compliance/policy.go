package compliance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/cmdlet"
	"github.com/ipps/ipps/internal/psrp"
	"github.com/ipps/ipps/internal/storage"
)

// TypePolicy is the output type of *-RetentionCompliancePolicy.
const TypePolicy = "Microsoft.Office.CompliancePolicy.Tasks.PsRetentionCompliancePolicy"

// Limits (compliance-cmdlets.md §2.2).
const (
	maxPolicies       = 10000
	maxMailboxes      = 1000
	maxSites          = 100
	maxStaticLocation = 1000
)

var errNonInteractive = &cmdlet.TaskError{Exception: "System.Management.Automation.Host.HostException", Category: psrp.CategoryInvalidOperation,
	Message: "PowerShell is in NonInteractive mode. Read and Prompt functionality is not available."}

// policyBody is the stored JSON body of a retention policy.
type policyBody struct {
	Comment              string              `json:"comment,omitempty"`
	Enabled              bool                `json:"enabled"`
	RestrictiveRetention bool                `json:"restrictiveRetention,omitempty"`
	IsSimulation         bool                `json:"isSimulation,omitempty"`
	TeamsPolicy          bool                `json:"teamsPolicy,omitempty"`
	Applications         []string            `json:"applications,omitempty"`
	Locations            map[string][]string `json:"locations,omitempty"`
	AdaptiveScopes       []string            `json:"adaptiveScopes,omitempty"`
	PolicyRBACScopes     []string            `json:"policyRBACScopes,omitempty"`
	DistributionStatus   string              `json:"distributionStatus"`
	DistributionResults  []string            `json:"distributionResults,omitempty"`
	LastStatusUpdateTime time.Time           `json:"lastStatusUpdateTime,omitzero"`
	CreatedBy            string              `json:"createdBy,omitempty"`
	LastModifiedBy       string              `json:"lastModifiedBy,omitempty"`
}

func policyIdentity(mandatory bool) *cmdlet.Param {
	return &cmdlet.Param{Name: "Identity", Kind: cmdlet.Identity, Type: "Microsoft.Office.CompliancePolicy.Tasks.PolicyIdParameter",
		Mandatory: mandatory, Position: 1, FromPipeline: true, Help: "The policy: Name, DistinguishedName or GUID."}
}

func multi(name, set string, help string) *cmdlet.Param {
	p := &cmdlet.Param{Name: name, Kind: cmdlet.String, Multi: true, AddRemove: true, Help: help}
	if set != "" {
		p.Sets = []cmdlet.SetSpec{{Name: set}}
	}
	return p
}

func inSets(p *cmdlet.Param, sets ...string) *cmdlet.Param {
	for _, s := range sets {
		p.Sets = append(p.Sets, cmdlet.SetSpec{Name: s})
	}
	return p
}

func (s *Service) policyCmdlets() []*cmdlet.Cmdlet {
	newParams := []*cmdlet.Param{
		{Name: "Name", Kind: cmdlet.String, Mandatory: true, Position: 1, Length: &cmdlet.Range{Min: 1, Max: 64}, Help: "Unique policy name."},
		{Name: "Comment", Kind: cmdlet.String},
		{Name: "Enabled", Kind: cmdlet.Bool, Help: "Default $true."},
		{Name: "RestrictiveRetention", Kind: cmdlet.Bool, Help: "Preservation Lock; irreversible. Default $false."},
		{Name: "RetainCloudAttachment", Kind: cmdlet.Bool},
		{Name: "IsSimulation", Kind: cmdlet.Switch},
		{Name: "PriorityCleanup", Kind: cmdlet.Switch},
		{Name: "SkipPriorityCleanupConfirmation", Kind: cmdlet.Switch},
		{Name: "Force", Kind: cmdlet.Switch},
		inSets(&cmdlet.Param{Name: "Applications", Kind: cmdlet.String, Multi: true}, "Default", "AdaptiveScopeLocation"),
		inSets(&cmdlet.Param{Name: "PolicyRBACScopes", Kind: cmdlet.String, Multi: true}, "Default"),
		inSets(&cmdlet.Param{Name: "PolicyTemplateInfo", Kind: cmdlet.Hashtable}, "Default"),
		{Name: "AdaptiveScopeLocation", Kind: cmdlet.String, Multi: true, Sets: []cmdlet.SetSpec{{Name: "AdaptiveScopeLocation", Mandatory: true}}},
	}
	setParams := []*cmdlet.Param{
		policyIdentity(true),
		{Name: "StartSimulation", Kind: cmdlet.Bool},
		{Name: "EnforceSimulationPolicy", Kind: cmdlet.Bool},
		inSets(&cmdlet.Param{Name: "Comment", Kind: cmdlet.String}, "Identity", "AdaptiveScopeLocation", "TeamLocation"),
		inSets(&cmdlet.Param{Name: "Enabled", Kind: cmdlet.Bool}, "Identity", "AdaptiveScopeLocation", "TeamLocation"),
		inSets(&cmdlet.Param{Name: "RestrictiveRetention", Kind: cmdlet.Bool}, "Identity", "AdaptiveScopeLocation", "TeamLocation"),
		inSets(&cmdlet.Param{Name: "Force", Kind: cmdlet.Switch}, "Identity", "AdaptiveScopeLocation", "TeamLocation"),
		inSets(&cmdlet.Param{Name: "Applications", Kind: cmdlet.String, Multi: true}, "Identity", "AdaptiveScopeLocation"),
		inSets(&cmdlet.Param{Name: "DeletedResources", Kind: cmdlet.String, Multi: true}, "Identity"),
		multi("AddAdaptiveScopeLocation", "AdaptiveScopeLocation", ""),
		multi("RemoveAdaptiveScopeLocation", "AdaptiveScopeLocation", ""),
		{Name: "RetryDistribution", Kind: cmdlet.Switch, Sets: []cmdlet.SetSpec{{Name: "RetryDistribution", Mandatory: true}}},
	}
	for _, f := range locationFamilies {
		set := "Default"
		sset := "Identity"
		if f.teams {
			set, sset = "TeamLocation", "TeamLocation"
		}
		newParams = append(newParams, multi(f.name, set, "Comma list of locations, or All alone."))
		setParams = append(setParams, multi("Add"+f.name, sset, ""), multi("Remove"+f.name, sset, ""))
		if f.exception {
			newParams = append(newParams, multi(f.name+"Exception", set, "Only meaningful when the location is All."))
			setParams = append(setParams, multi("Add"+f.name+"Exception", sset, ""), multi("Remove"+f.name+"Exception", sset, ""))
		}
	}
	return []*cmdlet.Cmdlet{
		{Name: "Get-RetentionCompliancePolicy", Synopsis: "Views retention policies.", OutputTypes: []string{TypePolicy}, Run: s.getPolicy,
			Description: "Without -DistributionDetail, DistributionStatus and location values may be inaccurate. A $null or non-existent Identity returns all policies.",
			Params: []*cmdlet.Param{policyIdentity(false),
				{Name: "DistributionDetail", Kind: cmdlet.Switch}, {Name: "ErrorPolicyOnly", Kind: cmdlet.Switch},
				{Name: "ExcludeTeamsPolicy", Kind: cmdlet.Switch}, {Name: "IncludeTestModeResults", Kind: cmdlet.Switch},
				{Name: "PriorityCleanup", Kind: cmdlet.Switch}, {Name: "RetentionRuleTypes", Kind: cmdlet.Switch},
				{Name: "TeamsPolicyOnly", Kind: cmdlet.Switch}}},
		{Name: "New-RetentionCompliancePolicy", Synopsis: "Creates a retention policy.", OutputTypes: []string{TypePolicy}, ShouldProcess: true,
			Description: "At least one location is required; a policy is not valid until a rule is added.", Run: s.newPolicy, Params: newParams},
		{Name: "Set-RetentionCompliancePolicy", Synopsis: "Modifies a retention policy.", ShouldProcess: true, DefaultSet: "Identity",
			Description: "Each Set re-distributes the whole policy.", Run: s.setPolicy, Params: setParams},
		{Name: "Remove-RetentionCompliancePolicy", Synopsis: "Removes a retention policy.", ShouldProcess: true, Run: s.removePolicy,
			Params: []*cmdlet.Param{policyIdentity(true), {Name: "ForceDeletion", Kind: cmdlet.Switch}, {Name: "PriorityCleanup", Kind: cmdlet.Switch}}},
	}
}

// policyLists and policyProps are how many string lists and properties
// a policy output object has.
var policyLists, policyProps = func() (lists, props int) {
	lists, props = 4+1, 16+2+baseProps // DistributionResults..PolicyRBACScopes, RetentionRuleTypes
	for _, f := range locationFamilies {
		lists, props = lists+1, props+1
		if f.exception {
			lists, props = lists+1, props+1
		}
	}
	return lists, props
}()

func (s *Service) policyObject(ctx context.Context, o storage.Object, b policyBody, inv *cmdlet.Invocation) *clixml.Object {
	mode := "Enforce"
	if b.IsSimulation {
		mode = "Test"
	}
	lists := make(listSlab, policyLists)
	name := clixml.Value(o.Name)
	props := make([]clixml.Property, 0, policyProps)
	props = append(props,
		clixml.Property{Name: "Name", Value: name},
		clixml.Property{Name: "Workload", Value: "Exchange, SharePoint, OneDriveForBusiness, Skype, ModernGroup"},
		clixml.Property{Name: "Enabled", Value: b.Enabled},
		clixml.Property{Name: "Mode", Value: mode},
		clixml.Property{Name: "Comment", Value: b.Comment},
		clixml.Property{Name: "DistributionStatus", Value: b.DistributionStatus},
		clixml.Property{Name: "DistributionResults", Value: lists.list(b.DistributionResults)},
		clixml.Property{Name: "LastStatusUpdateTime", Value: dt(b.LastStatusUpdateTime)},
		clixml.Property{Name: "RestrictiveRetention", Value: b.RestrictiveRetention},
		clixml.Property{Name: "TeamsPolicy", Value: b.TeamsPolicy},
		clixml.Property{Name: "Applications", Value: lists.list(b.Applications)},
		clixml.Property{Name: "AdaptiveScopeLocation", Value: lists.list(b.AdaptiveScopes)},
		clixml.Property{Name: "PolicyRBACScopes", Value: lists.list(b.PolicyRBACScopes)},
		clixml.Property{Name: "Type", Value: "RetentionCompliancePolicy"},
		clixml.Property{Name: "CreatedBy", Value: b.CreatedBy},
		clixml.Property{Name: "LastModifiedBy", Value: b.LastModifiedBy},
	)
	for _, f := range locationFamilies {
		props = append(props, clixml.Property{Name: f.name, Value: lists.list(b.Locations[f.name])})
		if f.exception {
			props = append(props, clixml.Property{Name: f.exceptionName, Value: lists.list(b.Locations[f.exceptionName])})
		}
	}
	var types []string
	if inv != nil && inv.Bound.Switch("RetentionRuleTypes") {
		_ = each(ctx, s.store(ctx), o.TenantID, KindRule, o.ID, func(r storage.Object) error {
			rb, err := decode[ruleBody](r)
			if err == nil {
				types = append(types, rb.ruleType())
			}
			return nil
		})
	}
	props = append(props, clixml.Property{Name: "RetentionRuleTypes", Value: lists.list(types)}, clixml.Property{Name: "HasRules", Value: len(types) > 0})
	return newOut(policyChain, o.Name, appendBase(props, o, name))
}

func (s *Service) getPolicy(ctx context.Context, inv *cmdlet.Invocation) error {
	return getAll(ctx, s.store(ctx), inv, KindPolicy, func(o storage.Object) error {
		e, err := s.policies.entry(o)
		if err != nil {
			return err
		}
		b := e.v // read-only: policyObject only reads b
		switch {
		case inv.Bound.Switch("TeamsPolicyOnly") && !b.TeamsPolicy,
			inv.Bound.Switch("ExcludeTeamsPolicy") && b.TeamsPolicy,
			inv.Bound.Switch("ErrorPolicyOnly") && b.DistributionStatus != StatusError:
			return nil
		}
		if inv.Bound.Switch("RetentionRuleTypes") { // reads the rules too
			return inv.WriteObject(s.policyObject(ctx, o, b, inv))
		}
		return inv.WriteObject(e.out.output(o, func() *clixml.Object { return s.policyObject(ctx, o, b, nil) }))
	})
}

func notFoundOr(inv *cmdlet.Invocation, id string, err error) error {
	if errors.Is(err, storage.ErrNotFound) {
		return inv.NotFound(id)
	}
	return err
}

func (s *Service) newPolicy(ctx context.Context, inv *cmdlet.Invocation) error {
	if err := promptRequested(inv); err != nil {
		return err
	}
	bd := inv.Bound
	b := policyBody{Comment: bd.String("Comment"), Enabled: bd.Bool("Enabled", true), RestrictiveRetention: bd.Bool("RestrictiveRetention", false),
		IsSimulation: bd.Switch("IsSimulation"), Applications: bd.Strings("Applications"), PolicyRBACScopes: bd.Strings("PolicyRBACScopes"),
		AdaptiveScopes: bd.Strings("AdaptiveScopeLocation"), Locations: map[string][]string{}, DistributionStatus: StatusPending,
		CreatedBy: inv.Principal.UPN, LastModifiedBy: inv.Principal.UPN, TeamsPolicy: bd.Set == "TeamLocation"}
	for _, f := range locationFamilies {
		for _, n := range f.names {
			if v := bd.Strings(n); len(v) > 0 {
				b.Locations[n] = v
			}
		}
	}
	if len(b.Locations) == 0 && len(b.AdaptiveScopes) == 0 {
		return cmdlet.InvalidParameter("At least one location must be specified for the policy.")
	}
	if err := s.checkLocations(ctx, inv, &b); err != nil {
		return err
	}
	if whatIf(inv) {
		return nil
	}
	tenant := inv.Principal.TenantID
	n, err := s.store(ctx).CountObjects(ctx, tenant, KindPolicy)
	if err != nil {
		return fmt.Errorf("compliance: count policies: %w", err)
	}
	if n >= maxPolicies {
		return cmdlet.InvalidOperation(bd.String("Name"), fmt.Sprintf("The number of policies in your organization has reached the limit of %d.", maxPolicies))
	}
	o, err := s.store(ctx).CreateObject(ctx, storage.Object{TenantID: tenant, Kind: KindPolicy, ID: uuid.NewString(), Name: bd.String("Name"), Body: encode(b)})
	if errors.Is(err, storage.ErrAlreadyExists) {
		return cmdlet.AlreadyExists("policy", bd.String("Name"))
	}
	if err != nil {
		return fmt.Errorf("compliance: create policy: %w", err)
	}
	return inv.WriteObject(s.policyObject(ctx, o, b, nil))
}

func (s *Service) setPolicy(ctx context.Context, inv *cmdlet.Invocation) error {
	if err := promptRequested(inv); err != nil {
		return err
	}
	bd := inv.Bound
	o, err := findOrNotFound(ctx, s.store(ctx), inv, KindPolicy, bd.String("Identity"))
	if err != nil {
		return err
	}
	var cur policyBody
	if cur, err = decode[policyBody](o); err != nil {
		return err
	}
	if cur.DistributionStatus == StatusPendingDeletion {
		return cmdlet.InvalidOperation(o.Name, fmt.Sprintf("The policy '%s' is pending deletion and can't be modified.", o.Name))
	}
	next := cur
	next.Locations = map[string][]string{}
	for k, v := range cur.Locations {
		next.Locations[k] = append([]string(nil), v...)
	}
	if bd.Has("Comment") {
		next.Comment = bd.String("Comment")
	}
	next.Enabled = bd.Bool("Enabled", cur.Enabled)
	next.RestrictiveRetention = bd.Bool("RestrictiveRetention", cur.RestrictiveRetention)
	if bd.Has("Applications") {
		next.Applications = bd.Strings("Applications")
	}
	next.AdaptiveScopes = addRemove(cur.AdaptiveScopes, bd.Strings("AddAdaptiveScopeLocation"), bd.Strings("RemoveAdaptiveScopeLocation"))
	removed := false
	for _, f := range locationFamilies {
		for i, n := range f.names {
			add, rem := bd.Strings(f.add[i]), bd.Strings(f.remove[i])
			if len(rem) > 0 && n == f.name {
				removed = true
			}
			if v := addRemove(next.Locations[n], add, rem); len(v) > 0 {
				next.Locations[n] = v
			} else {
				delete(next.Locations, n)
			}
		}
	}
	if cur.RestrictiveRetention {
		// Preservation Lock: can't disable, unlock or remove locations.
		if !next.Enabled || !next.RestrictiveRetention || removed {
			return cmdlet.InvalidOperation(o.Name, fmt.Sprintf("The policy '%s' has Preservation Lock enabled (RestrictiveRetention). It can't be disabled, unlocked, or have locations removed.", o.Name))
		}
	}
	if err := s.checkLocations(ctx, inv, &next); err != nil {
		return err
	}
	if whatIf(inv) {
		return nil
	}
	next.DistributionStatus = StatusPending
	next.DistributionResults = nil
	next.LastModifiedBy = inv.Principal.UPN
	if bd.Set == "RetryDistribution" && cur.DistributionStatus == StatusSuccess {
		next.DistributionStatus = StatusSuccess // nothing failed, nothing to re-push
	}
	_, err = s.store(ctx).UpdateObject(ctx, o.TenantID, KindPolicy, o.ID, func(so storage.Object) (storage.Object, error) {
		so.Body = encode(next)
		return so, nil
	})
	if err != nil {
		return fmt.Errorf("compliance: update policy: %w", err)
	}
	return nil
}

func (s *Service) removePolicy(ctx context.Context, inv *cmdlet.Invocation) error {
	if err := confirmed(inv); err != nil {
		return err
	}
	o, err := findOrNotFound(ctx, s.store(ctx), inv, KindPolicy, inv.Bound.String("Identity"))
	if err != nil {
		return err
	}
	b, err := decode[policyBody](o)
	if err != nil {
		return err
	}
	if b.RestrictiveRetention {
		return cmdlet.InvalidOperation(o.Name, fmt.Sprintf("The policy '%s' has Preservation Lock enabled (RestrictiveRetention) and can't be removed.", o.Name))
	}
	if whatIf(inv) {
		return nil
	}
	if inv.Bound.Switch("ForceDeletion") {
		if err := s.store(ctx).DeleteObject(ctx, o.TenantID, KindPolicy, o.ID); err != nil && !errors.Is(err, storage.ErrNotFound) {
			return fmt.Errorf("compliance: delete policy: %w", err)
		}
		return nil
	}
	// The distributor deletes it; until then the name can't be reused.
	_, err = s.store(ctx).UpdateObject(ctx, o.TenantID, KindPolicy, o.ID, func(so storage.Object) (storage.Object, error) {
		nb := b // the row read above, unless it changed since (it can't inside the audit transaction)
		if !bytes.Equal(so.Body, o.Body) {
			var err error
			if nb, err = decode[policyBody](so); err != nil {
				return so, err
			}
		}
		nb.DistributionStatus = StatusPendingDeletion
		nb.LastModifiedBy = inv.Principal.UPN
		so.Body = encode(nb)
		return so, nil
	})
	if err != nil {
		return fmt.Errorf("compliance: mark policy for deletion: %w", err)
	}
	return nil
}
