package compliance

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/cmdlet"
	"github.com/ipps/ipps/internal/storage"
)

// TypeTag is the output type of *-ComplianceTag.
const TypeTag = "Microsoft.Office.CompliancePolicy.Tasks.PsComplianceTag"

const maxLabels = 1000

var retentionTypes = []string{"CreationAgeInDays", "EventAgeInDays", "ModificationAgeInDays", "TaggedAgeInDays"}

// tagBody is the stored JSON body of a retention label.
type tagBody struct {
	RetentionAction          string   `json:"retentionAction,omitempty"`
	RetentionDuration        string   `json:"retentionDuration,omitempty"`
	RetentionType            string   `json:"retentionType,omitempty"`
	IsRecordLabel            bool     `json:"isRecordLabel,omitempty"`
	Regulatory               bool     `json:"regulatory,omitempty"`
	EventType                string   `json:"eventType,omitempty"`
	FilePlanProperty         string   `json:"filePlanProperty,omitempty"`
	ReviewerEmail            []string `json:"reviewerEmail,omitempty"`
	Notes                    string   `json:"notes,omitempty"`
	Comment                  string   `json:"comment,omitempty"`
	MultiStageReviewProperty string   `json:"multiStageReviewProperty,omitempty"`
	CreatedBy                string   `json:"createdBy,omitempty"`
	LastModifiedBy           string   `json:"lastModifiedBy,omitempty"`
}

func tagIdentity(mandatory bool) *cmdlet.Param {
	return &cmdlet.Param{Name: "Identity", Kind: cmdlet.Identity, Type: "Microsoft.Office.CompliancePolicy.Tasks.ComplianceRuleIdParameter",
		Mandatory: mandatory, Position: 1, FromPipeline: true, Help: "The label: Name, DistinguishedName or GUID."}
}

func (s *Service) tagCmdlets() []*cmdlet.Cmdlet {
	common := func() []*cmdlet.Param {
		return []*cmdlet.Param{
			{Name: "RetentionDuration", Kind: cmdlet.Unlimited, Help: "Days, or Unlimited."},
			{Name: "Comment", Kind: cmdlet.String}, {Name: "Notes", Kind: cmdlet.String},
			{Name: "EventType", Kind: cmdlet.String}, {Name: "FilePlanProperty", Kind: cmdlet.String, Help: "JSON."},
			{Name: "ReviewerEmail", Kind: cmdlet.String, Multi: true, Type: "Microsoft.Exchange.Data.SmtpAddress[]"},
			{Name: "MultiStageReviewProperty", Kind: cmdlet.String},
			{Name: "Force", Kind: cmdlet.Switch},
		}
	}
	newParams := append([]*cmdlet.Param{
		{Name: "Name", Kind: cmdlet.String, Mandatory: true, Position: 1, Length: &cmdlet.Range{Min: 1, Max: 64}},
		{Name: "RetentionAction", Kind: cmdlet.Enum, Type: "System.String", Values: retentionActions},
		{Name: "RetentionType", Kind: cmdlet.Enum, Type: "System.String", Values: retentionTypes},
		{Name: "IsRecordLabel", Kind: cmdlet.Bool, Help: "A record label can't be removed from content once applied."},
		{Name: "Regulatory", Kind: cmdlet.Bool},
	}, common()...)
	return []*cmdlet.Cmdlet{
		{Name: "Get-ComplianceTag", Synopsis: "Views retention labels.", OutputTypes: []string{TypeTag}, Run: s.getTag,
			Params: []*cmdlet.Param{tagIdentity(false), {Name: "IncludingLabelState", Kind: cmdlet.Switch}, {Name: "PriorityCleanup", Kind: cmdlet.Switch}}},
		{Name: "New-ComplianceTag", Synopsis: "Creates a retention label.", OutputTypes: []string{TypeTag}, ShouldProcess: true, Run: s.newTag, Params: newParams},
		{Name: "Set-ComplianceTag", Synopsis: "Modifies a retention label (action and type can't change).", ShouldProcess: true, Run: s.setTag,
			Params: append([]*cmdlet.Param{tagIdentity(true)}, common()...)},
		{Name: "Remove-ComplianceTag", Synopsis: "Removes a retention label.", ShouldProcess: true, Run: s.removeTag,
			Params: []*cmdlet.Param{tagIdentity(true), {Name: "ForceDeletion", Kind: cmdlet.Switch}}},
	}
}

// tagProps is how many properties a label output object has.
const tagProps = 17 + baseProps

func tagObject(o storage.Object, b tagBody) *clixml.Object {
	lists := make(listSlab, 1)
	name := clixml.Value(o.Name)
	props := make([]clixml.Property, 0, tagProps)
	props = append(props,
		clixml.Property{Name: "Name", Value: name},
		clixml.Property{Name: "Priority", Value: int32(0)},
		clixml.Property{Name: "RetentionAction", Value: b.RetentionAction},
		clixml.Property{Name: "RetentionDuration", Value: nilIfEmpty(b.RetentionDuration)},
		clixml.Property{Name: "RetentionType", Value: b.RetentionType},
		clixml.Property{Name: "Workload", Value: "Exchange, SharePoint, OneDriveForBusiness, ModernGroup"},
		clixml.Property{Name: "IsRecordLabel", Value: b.IsRecordLabel},
		clixml.Property{Name: "Regulatory", Value: b.Regulatory},
		clixml.Property{Name: "EventType", Value: b.EventType},
		clixml.Property{Name: "FilePlanMetadata", Value: b.FilePlanProperty},
		clixml.Property{Name: "ReviewerEmail", Value: lists.list(b.ReviewerEmail)},
		clixml.Property{Name: "Notes", Value: b.Notes},
		clixml.Property{Name: "Comment", Value: b.Comment},
		clixml.Property{Name: "MultiStageReviewProperty", Value: b.MultiStageReviewProperty},
		clixml.Property{Name: "Mode", Value: "Enforce"},
		clixml.Property{Name: "CreatedBy", Value: b.CreatedBy},
		clixml.Property{Name: "LastModifiedBy", Value: b.LastModifiedBy},
	)
	return newOut(tagChain, o.Name, appendBase(props, o, name))
}

func (s *Service) getTag(ctx context.Context, inv *cmdlet.Invocation) error {
	return getAll(ctx, s.store(ctx), inv, KindTag, func(o storage.Object) error {
		e, err := s.tags.entry(o)
		if err != nil {
			return err
		}
		return inv.WriteObject(e.out.output(o, func() *clixml.Object { return tagObject(o, e.v) })) // read-only: tagObject only reads e.v
	})
}

func applyTagCommon(bd *cmdlet.Bound, b *tagBody) {
	for _, f := range []struct {
		name string
		dst  *string
	}{{"Comment", &b.Comment}, {"Notes", &b.Notes}, {"EventType", &b.EventType}, {"FilePlanProperty", &b.FilePlanProperty}, {"MultiStageReviewProperty", &b.MultiStageReviewProperty}} {
		if bd.Has(f.name) {
			*f.dst = bd.String(f.name)
		}
	}
	if bd.Has("ReviewerEmail") {
		b.ReviewerEmail = bd.Strings("ReviewerEmail")
	}
	if u, ok := bd.Unlimited("RetentionDuration"); ok {
		b.RetentionDuration = u.String()
	}
}

func (s *Service) newTag(ctx context.Context, inv *cmdlet.Invocation) error {
	if err := promptRequested(inv); err != nil {
		return err
	}
	bd := inv.Bound
	b := tagBody{RetentionAction: bd.String("RetentionAction"), RetentionType: bd.String("RetentionType"),
		IsRecordLabel: bd.Bool("IsRecordLabel", false), Regulatory: bd.Bool("Regulatory", false),
		CreatedBy: inv.Principal.UPN, LastModifiedBy: inv.Principal.UPN}
	applyTagCommon(bd, &b)
	if b.RetentionAction != "" && b.RetentionDuration == "" {
		return cmdlet.InvalidParameter("The RetentionDuration parameter is required when RetentionAction is specified.")
	}
	if b.RetentionAction != "" && b.RetentionType == "" {
		b.RetentionType = "CreationAgeInDays"
	}
	if b.RetentionType == "EventAgeInDays" && b.EventType == "" {
		return cmdlet.InvalidParameter("The EventType parameter is required when RetentionType is EventAgeInDays.")
	}
	if b.Regulatory && !b.IsRecordLabel {
		return cmdlet.InvalidParameter("A regulatory label must also be a record label (IsRecordLabel $true).")
	}
	if whatIf(inv) {
		return nil
	}
	n, err := s.store(ctx).CountObjects(ctx, inv.Principal.TenantID, KindTag)
	if err != nil {
		return fmt.Errorf("compliance: count labels: %w", err)
	}
	if n >= maxLabels {
		return cmdlet.InvalidOperation(bd.String("Name"), fmt.Sprintf("The number of retention labels in your organization has reached the limit of %d.", maxLabels))
	}
	o, err := s.store(ctx).CreateObject(ctx, storage.Object{TenantID: inv.Principal.TenantID, Kind: KindTag, ID: uuid.NewString(), Name: bd.String("Name"), Body: encode(b)})
	if errors.Is(err, storage.ErrAlreadyExists) {
		return cmdlet.AlreadyExists("label", bd.String("Name"))
	}
	if err != nil {
		return fmt.Errorf("compliance: create label: %w", err)
	}
	return inv.WriteObject(tagObject(o, b))
}

func (s *Service) setTag(ctx context.Context, inv *cmdlet.Invocation) error {
	if err := promptRequested(inv); err != nil {
		return err
	}
	o, err := findOrNotFound(ctx, s.store(ctx), inv, KindTag, inv.Bound.String("Identity"))
	if err != nil {
		return err
	}
	b, err := decode[tagBody](o)
	if err != nil {
		return err
	}
	applyTagCommon(inv.Bound, &b)
	b.LastModifiedBy = inv.Principal.UPN
	if whatIf(inv) {
		return nil
	}
	if _, err := s.store(ctx).UpdateObject(ctx, o.TenantID, KindTag, o.ID, func(so storage.Object) (storage.Object, error) {
		so.Body = encode(b)
		return so, nil
	}); err != nil {
		return fmt.Errorf("compliance: update label: %w", err)
	}
	return nil
}

func (s *Service) removeTag(ctx context.Context, inv *cmdlet.Invocation) error {
	if err := confirmed(inv); err != nil {
		return err
	}
	o, err := findOrNotFound(ctx, s.store(ctx), inv, KindTag, inv.Bound.String("Identity"))
	if err != nil {
		return err
	}
	inUse := ""
	if err := each(ctx, s.store(ctx), o.TenantID, KindRule, "", func(r storage.Object) error {
		rb, err := decode[ruleBody](r)
		if err == nil && (equalFold(rb.ApplyComplianceTag, o.Name) || equalFold(rb.PublishComplianceTag, o.Name)) {
			inUse = r.Name
		}
		return nil
	}); err != nil {
		return err
	}
	if inUse != "" && !inv.Bound.Switch("ForceDeletion") {
		return cmdlet.InvalidOperation(o.Name, fmt.Sprintf("The label '%s' is used by the retention rule '%s' and can't be removed.", o.Name, inUse))
	}
	if whatIf(inv) {
		return nil
	}
	if err := s.store(ctx).DeleteObject(ctx, o.TenantID, KindTag, o.ID); err != nil && !errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("compliance: delete label: %w", err)
	}
	return nil
}
