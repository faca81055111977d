package compliance

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/cmdlet"
	"github.com/ipps/ipps/internal/storage"
)

// TypeRule is the output type of *-RetentionComplianceRule.
const TypeRule = "Microsoft.Office.CompliancePolicy.Tasks.PsRetentionComplianceRule"

var (
	retentionActions  = []string{"Delete", "Keep", "KeepAndDelete"}
	expirationOptions = []string{"CreationAgeInDays", "ModificationAgeInDays"}
	displayHints      = []string{"Days", "Months", "Years"}
)

// ruleBody is the stored JSON body of a retention rule; the policy is the
// object's Parent.
type ruleBody struct {
	Comment                             string     `json:"comment,omitempty"`
	Disabled                            bool       `json:"disabled,omitempty"`
	RetentionDuration                   string     `json:"retentionDuration,omitempty"` // days or "Unlimited"
	RetentionDurationDisplayHint        string     `json:"retentionDurationDisplayHint,omitempty"`
	RetentionComplianceAction           string     `json:"retentionComplianceAction,omitempty"`
	ExpirationDateOption                string     `json:"expirationDateOption,omitempty"`
	ContentMatchQuery                   string     `json:"contentMatchQuery,omitempty"`
	ExcludedItemClasses                 []string   `json:"excludedItemClasses,omitempty"`
	ApplyComplianceTag                  string     `json:"applyComplianceTag,omitempty"`
	PublishComplianceTag                string     `json:"publishComplianceTag,omitempty"`
	ContentContainsSensitiveInformation string     `json:"sensitiveInformation,omitempty"`
	ContentDateFrom                     *time.Time `json:"contentDateFrom,omitempty"`
	ContentDateTo                       *time.Time `json:"contentDateTo,omitempty"`
	CreatedBy                           string     `json:"createdBy,omitempty"`
	LastModifiedBy                      string     `json:"lastModifiedBy,omitempty"`
}

// ruleType names the rule's kind for RetentionRuleTypes.
func (r ruleBody) ruleType() string {
	switch {
	case r.ApplyComplianceTag != "":
		return "ApplyComplianceTag"
	case r.PublishComplianceTag != "":
		return "PublishComplianceTag"
	case r.ContentMatchQuery != "":
		return "Query"
	}
	return "Default"
}

func ruleIdentity(mandatory bool) *cmdlet.Param {
	return &cmdlet.Param{Name: "Identity", Kind: cmdlet.Identity, Type: "Microsoft.Office.CompliancePolicy.Tasks.ComplianceRuleIdParameter",
		Mandatory: mandatory, Position: 1, FromPipeline: true, Help: "The rule: Name, DistinguishedName or GUID."}
}

func (s *Service) ruleCmdlets() []*cmdlet.Cmdlet {
	policy := func(mandatory bool) *cmdlet.Param {
		return &cmdlet.Param{Name: "Policy", Kind: cmdlet.Identity, Type: "Microsoft.Office.CompliancePolicy.Tasks.PolicyIdParameter", Mandatory: mandatory}
	}
	action := &cmdlet.Param{Name: "RetentionComplianceAction", Kind: cmdlet.Enum, Type: "Microsoft.Office.CompliancePolicy.Tasks.RetentionComplianceAction", Values: retentionActions}
	expiry := &cmdlet.Param{Name: "ExpirationDateOption", Kind: cmdlet.Enum, Type: "Microsoft.Office.CompliancePolicy.Tasks.ExpirationDateOption", Values: expirationOptions}
	duration := &cmdlet.Param{Name: "RetentionDuration", Kind: cmdlet.Unlimited, Help: "Days, or Unlimited."}
	hint := &cmdlet.Param{Name: "RetentionDurationDisplayHint", Kind: cmdlet.Enum, Type: "Microsoft.Office.CompliancePolicy.Tasks.HoldDurationHint", Values: displayHints}
	sensitive := &cmdlet.Param{Name: "ContentContainsSensitiveInformation", Kind: cmdlet.Hashtable, Multi: true, Type: "Microsoft.Office.CompliancePolicy.Tasks.PswsHashtable[]"}
	return []*cmdlet.Cmdlet{
		{Name: "Get-RetentionComplianceRule", Synopsis: "Views retention rules.", OutputTypes: []string{TypeRule}, Run: s.getRule,
			Params: []*cmdlet.Param{ruleIdentity(false), policy(false), {Name: "PriorityCleanup", Kind: cmdlet.Switch}}},
		{Name: "New-RetentionComplianceRule", Synopsis: "Creates the retention rule of a policy (one rule per policy).", OutputTypes: []string{TypeRule},
			ShouldProcess: true, Run: s.newRule, Params: []*cmdlet.Param{
				{Name: "Name", Kind: cmdlet.String, Length: &cmdlet.Range{Min: 1, Max: 64}, Sets: []cmdlet.SetSpec{{Name: "Default", Mandatory: true, Position: 1}}},
				policy(true), expiry, action, {Name: "PriorityCleanup", Kind: cmdlet.Switch},
				inSets(&cmdlet.Param{Name: "Comment", Kind: cmdlet.String}, "Default", "ComplianceTag"),
				inSets(&cmdlet.Param{Name: "ExcludedItemClasses", Kind: cmdlet.String, Multi: true}, "Default"),
				inSets(duration, "Default"), inSets(hint, "Default"),
				inSets(&cmdlet.Param{Name: "ContentMatchQuery", Kind: cmdlet.String}, "Default", "ComplianceTag"),
				{Name: "ApplyComplianceTag", Kind: cmdlet.String, Sets: []cmdlet.SetSpec{{Name: "ComplianceTag", Mandatory: true}}},
				inSets(sensitive, "ComplianceTag"),
				{Name: "PublishComplianceTag", Kind: cmdlet.String, Sets: []cmdlet.SetSpec{{Name: "PublishComplianceTag", Mandatory: true}}},
			}},
		{Name: "Set-RetentionComplianceRule", Synopsis: "Modifies a retention rule.", ShouldProcess: true, Run: s.setRule, Params: []*cmdlet.Param{
			ruleIdentity(true), {Name: "ApplyComplianceTag", Kind: cmdlet.String}, {Name: "Comment", Kind: cmdlet.String},
			{Name: "ContentContainsSensitiveInformation", Kind: cmdlet.Hashtable, Multi: true, Type: sensitive.Type},
			{Name: "ContentDateFrom", Kind: cmdlet.DateTime}, {Name: "ContentDateTo", Kind: cmdlet.DateTime},
			{Name: "ContentMatchQuery", Kind: cmdlet.String}, {Name: "ExcludedItemClasses", Kind: cmdlet.String, Multi: true},
			{Name: "ExpirationDateOption", Kind: cmdlet.Enum, Type: expiry.Type, Values: expirationOptions},
			{Name: "RetentionComplianceAction", Kind: cmdlet.Enum, Type: action.Type, Values: retentionActions},
			{Name: "RetentionDuration", Kind: cmdlet.Unlimited},
			{Name: "RetentionDurationDisplayHint", Kind: cmdlet.Enum, Type: hint.Type, Values: displayHints},
		}},
		{Name: "Remove-RetentionComplianceRule", Synopsis: "Removes a retention rule; its policy becomes invalid.", ShouldProcess: true, Run: s.removeRule,
			Params: []*cmdlet.Param{ruleIdentity(true), {Name: "ForceDeletion", Kind: cmdlet.Switch}}},
	}
}

func (s *Service) ruleObject(ctx context.Context, o storage.Object, b ruleBody) *clixml.Object {
	policyName := ""
	if p, err := s.store(ctx).GetObject(ctx, o.TenantID, KindPolicy, o.Parent); err == nil {
		policyName = p.Name
	}
	mode := "Enforce"
	var from, to clixml.Value
	if b.ContentDateFrom != nil {
		from = dt(*b.ContentDateFrom)
	}
	if b.ContentDateTo != nil {
		to = dt(*b.ContentDateTo)
	}
	props := []clixml.Property{
		{Name: "Name", Value: o.Name},
		{Name: "Disabled", Value: b.Disabled},
		{Name: "Mode", Value: mode},
		{Name: "Comment", Value: b.Comment},
		{Name: "Policy", Value: guid(o.Parent)},
		{Name: "PolicyName", Value: policyName},
		{Name: "RetentionDuration", Value: nilIfEmpty(b.RetentionDuration)},
		{Name: "RetentionDurationDisplayHint", Value: nilIfEmpty(b.RetentionDurationDisplayHint)},
		{Name: "RetentionComplianceAction", Value: b.RetentionComplianceAction},
		{Name: "ExpirationDateOption", Value: nilIfEmpty(b.ExpirationDateOption)},
		{Name: "ContentMatchQuery", Value: b.ContentMatchQuery},
		{Name: "ExcludedItemClasses", Value: strs(b.ExcludedItemClasses)},
		{Name: "ApplyComplianceTag", Value: b.ApplyComplianceTag},
		{Name: "PublishComplianceTag", Value: b.PublishComplianceTag},
		{Name: "ContentContainsSensitiveInformation", Value: b.ContentContainsSensitiveInformation},
		{Name: "ContentDateFrom", Value: from},
		{Name: "ContentDateTo", Value: to},
		{Name: "Workload", Value: "Exchange, SharePoint, OneDriveForBusiness, Skype, ModernGroup"},
		{Name: "CreatedBy", Value: b.CreatedBy},
		{Name: "LastModifiedBy", Value: b.LastModifiedBy},
	}
	return typed(TypeRule, o.Name, append(props, base(o)...)...)
}

func nilIfEmpty(s string) clixml.Value {
	if s == "" {
		return nil
	}
	return s
}

func (s *Service) getRule(ctx context.Context, inv *cmdlet.Invocation) error {
	parent := ""
	if p := inv.Bound.String("Policy"); p != "" {
		po, err := findOrNotFound(ctx, s.store(ctx), inv, KindPolicy, p)
		if err != nil {
			return err
		}
		parent = po.ID
	}
	return getAll(ctx, s.store(ctx), inv, KindRule, func(o storage.Object) error {
		if parent != "" && o.Parent != parent {
			return nil
		}
		b, err := decode[ruleBody](o)
		if err != nil {
			return err
		}
		return inv.WriteObject(s.ruleObject(ctx, o, b))
	})
}

// markPolicyPending re-distributes the policy after a rule change.
func (s *Service) markPolicyPending(ctx context.Context, tenant, policyID, by string) error {
	_, err := s.store(ctx).UpdateObject(ctx, tenant, KindPolicy, policyID, func(o storage.Object) (storage.Object, error) {
		b, err := decode[policyBody](o)
		if err != nil {
			return o, err
		}
		if b.DistributionStatus != StatusPendingDeletion {
			b.DistributionStatus = StatusPending
		}
		b.LastModifiedBy = by
		o.Body = encode(b)
		return o, nil
	})
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("compliance: redistribute policy: %w", err)
	}
	return nil
}

func sensitiveJSON(v any) string {
	if v == nil {
		return ""
	}
	return string(encode(jsonish(v)))
}

// jsonish maps clixml hashtables and lists to JSON-friendly values.
func jsonish(v any) any {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonish(e)
		}
		return out
	case *clixml.Object:
		if x.Kind == clixml.Dictionary {
			m := map[string]any{}
			for _, e := range x.Entries {
				m[fmt.Sprint(e.Key)] = jsonish(e.Value)
			}
			return m
		}
		if items, ok := clixml.AsList(x); ok {
			return jsonish(anySlice(items))
		}
		if x.Primitive != nil {
			return x.Primitive
		}
		if x.ToString != nil {
			return *x.ToString
		}
		return nil
	default:
		return x
	}
}

func anySlice(vs []clixml.Value) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = v
	}
	return out
}

func (s *Service) newRule(ctx context.Context, inv *cmdlet.Invocation) error {
	if err := promptRequested(inv); err != nil {
		return err
	}
	bd := inv.Bound
	po, err := findOrNotFound(ctx, s.store(ctx), inv, KindPolicy, bd.String("Policy"))
	if err != nil {
		return err
	}
	pb, err := decode[policyBody](po)
	if err != nil {
		return err
	}
	var existing int
	_ = each(ctx, s.store(ctx), po.TenantID, KindRule, po.ID, func(storage.Object) error { existing++; return nil })
	if existing > 0 {
		return cmdlet.InvalidOperation(po.Name, fmt.Sprintf("The policy '%s' already has a rule. A retention policy can have only one rule.", po.Name))
	}
	b := ruleBody{Comment: bd.String("Comment"), RetentionComplianceAction: bd.String("RetentionComplianceAction"),
		ExpirationDateOption: bd.String("ExpirationDateOption"), RetentionDurationDisplayHint: bd.String("RetentionDurationDisplayHint"),
		ContentMatchQuery: bd.String("ContentMatchQuery"), ExcludedItemClasses: bd.Strings("ExcludedItemClasses"),
		ApplyComplianceTag: bd.String("ApplyComplianceTag"), PublishComplianceTag: bd.String("PublishComplianceTag"),
		ContentContainsSensitiveInformation: sensitiveJSON(bd.Value("ContentContainsSensitiveInformation")),
		CreatedBy:                           inv.Principal.UPN, LastModifiedBy: inv.Principal.UPN}
	if u, ok := bd.Unlimited("RetentionDuration"); ok {
		b.RetentionDuration = u.String()
	}
	if pb.TeamsPolicy && (b.ContentMatchQuery != "" || b.ApplyComplianceTag != "" || b.PublishComplianceTag != "") {
		return cmdlet.InvalidParameter("Retention labels and ContentMatchQuery aren't supported for Teams retention rules.")
	}
	for _, tag := range []string{b.ApplyComplianceTag, b.PublishComplianceTag} {
		if tag != "" {
			if _, err := findOrNotFound(ctx, s.store(ctx), inv, KindTag, tag); err != nil {
				return err
			}
		}
	}
	name := bd.String("Name")
	if name == "" { // ComplianceTag / PublishComplianceTag sets take no -Name
		name = po.Name + "_" + uuid.NewString()[:8]
	}
	if whatIf(inv) {
		return nil
	}
	o, err := s.store(ctx).CreateObject(ctx, storage.Object{TenantID: po.TenantID, Kind: KindRule, ID: uuid.NewString(), Name: name, Parent: po.ID, Body: encode(b)})
	if errors.Is(err, storage.ErrAlreadyExists) {
		return cmdlet.AlreadyExists("rule", name)
	}
	if err != nil {
		return fmt.Errorf("compliance: create rule: %w", err)
	}
	if err := s.markPolicyPending(ctx, po.TenantID, po.ID, inv.Principal.UPN); err != nil {
		return err
	}
	return inv.WriteObject(s.ruleObject(ctx, o, b))
}

func (s *Service) lockedPolicy(ctx context.Context, tenant, policyID string) bool {
	p, err := s.store(ctx).GetObject(ctx, tenant, KindPolicy, policyID)
	if err != nil {
		return false
	}
	b, err := decode[policyBody](p)
	return err == nil && b.RestrictiveRetention
}

func (s *Service) setRule(ctx context.Context, inv *cmdlet.Invocation) error {
	if err := promptRequested(inv); err != nil {
		return err
	}
	bd := inv.Bound
	o, err := findOrNotFound(ctx, s.store(ctx), inv, KindRule, bd.String("Identity"))
	if err != nil {
		return err
	}
	b, err := decode[ruleBody](o)
	if err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"Comment", &b.Comment}, {"ContentMatchQuery", &b.ContentMatchQuery}, {"ApplyComplianceTag", &b.ApplyComplianceTag},
		{"ExpirationDateOption", &b.ExpirationDateOption}, {"RetentionComplianceAction", &b.RetentionComplianceAction},
		{"RetentionDurationDisplayHint", &b.RetentionDurationDisplayHint}} {
		if bd.Has(f.name) {
			*f.dst = bd.String(f.name)
		}
	}
	if bd.Has("ExcludedItemClasses") {
		b.ExcludedItemClasses = bd.Strings("ExcludedItemClasses")
	}
	if bd.Has("ContentContainsSensitiveInformation") {
		b.ContentContainsSensitiveInformation = sensitiveJSON(bd.Value("ContentContainsSensitiveInformation"))
	}
	if t, ok := bd.Time("ContentDateFrom"); ok {
		b.ContentDateFrom = &t
	}
	if t, ok := bd.Time("ContentDateTo"); ok {
		b.ContentDateTo = &t
	}
	if u, ok := bd.Unlimited("RetentionDuration"); ok {
		if s.lockedPolicy(ctx, o.TenantID, o.Parent) && shorter(u, b.RetentionDuration) {
			return cmdlet.InvalidOperation(o.Name, fmt.Sprintf("The rule '%s' belongs to a policy with Preservation Lock; its retention duration can only be extended.", o.Name))
		}
		b.RetentionDuration = u.String()
	}
	if b.ApplyComplianceTag != "" && bd.Has("ApplyComplianceTag") {
		if _, err := findOrNotFound(ctx, s.store(ctx), inv, KindTag, b.ApplyComplianceTag); err != nil {
			return err
		}
	}
	if whatIf(inv) {
		return nil
	}
	b.LastModifiedBy = inv.Principal.UPN
	if _, err := s.store(ctx).UpdateObject(ctx, o.TenantID, KindRule, o.ID, func(so storage.Object) (storage.Object, error) {
		so.Body = encode(b)
		return so, nil
	}); err != nil {
		return fmt.Errorf("compliance: update rule: %w", err)
	}
	return s.markPolicyPending(ctx, o.TenantID, o.Parent, inv.Principal.UPN)
}

// shorter reports whether u is shorter than the stored duration cur.
func shorter(u cmdlet.UnlimitedValue, cur string) bool {
	if cur == "" || cur == "Unlimited" {
		return !u.Unlimited
	}
	var days int64
	fmt.Sscan(cur, &days)
	return !u.Unlimited && u.Value < days
}

func (s *Service) removeRule(ctx context.Context, inv *cmdlet.Invocation) error {
	if err := confirmed(inv); err != nil {
		return err
	}
	o, err := findOrNotFound(ctx, s.store(ctx), inv, KindRule, inv.Bound.String("Identity"))
	if err != nil {
		return err
	}
	if s.lockedPolicy(ctx, o.TenantID, o.Parent) {
		return cmdlet.InvalidOperation(o.Name, fmt.Sprintf("The rule '%s' belongs to a policy with Preservation Lock and can't be removed.", o.Name))
	}
	if whatIf(inv) {
		return nil
	}
	if err := s.store(ctx).DeleteObject(ctx, o.TenantID, KindRule, o.ID); err != nil && !errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("compliance: delete rule: %w", err)
	}
	return s.markPolicyPending(ctx, o.TenantID, o.Parent, inv.Principal.UPN)
}
