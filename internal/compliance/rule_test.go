package compliance

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/clixml"
)

func TestRetentionRulesAndLabels(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		rs := e.open(e.scc, e.admin)
		dist := NewDistributor(e.st, DistributorConfig{}, nil)
		must(t, rs, "New-RetentionCompliancePolicy", A("", "Mail"), A("ExchangeLocation", "All"))
		must(t, rs, "New-RetentionCompliancePolicy", A("", "Teams"), A("TeamsChatLocation", "All"))
		dist.Step(context.Background())

		// Labels.
		if msg, _ := failText(t, rs, "New-ComplianceTag", A("", "L"), A("RetentionAction", "Keep")); msg != "The RetentionDuration parameter is required when RetentionAction is specified." {
			t.Errorf("tag without duration: %q", msg)
		}
		if msg, id := failText(t, rs, "New-ComplianceTag", A("", "L"), A("RetentionAction", "Archive"), A("RetentionDuration", int32(1))); !strings.Contains(msg, "Unable to match the identifier name Archive to a valid enumerator name.") || id != "CannotConvertArgumentNoMessage,New-ComplianceTag" {
			t.Errorf("bad enum: %q %q", msg, id)
		}
		tag := must(t, rs, "New-ComplianceTag", A("", "Seven Years"), A("RetentionAction", "KeepAndDelete"), A("RetentionDuration", int32(2555)), A("Comment", "tax"))
		if propStr(tag[0], "RetentionDuration") != "2555" || propStr(tag[0], "RetentionType") != "CreationAgeInDays" || !tag[0].(*clixml.Object).IsA(TypeTag) {
			t.Errorf("tag %v %v", prop(tag[0], "RetentionDuration"), prop(tag[0], "RetentionType"))
		}
		must(t, rs, "Set-ComplianceTag", A("", "Seven Years"), A("Notes", "n1"), A("RetentionDuration", "Unlimited"))
		if got := must(t, rs, "Get-ComplianceTag", A("", "seven years")); propStr(got[0], "Notes") != "n1" || propStr(got[0], "RetentionDuration") != "Unlimited" {
			t.Errorf("after set %v", got)
		}

		// Rules: one per policy, tags must exist, no tags on Teams rules.
		r := must(t, rs, "New-RetentionComplianceRule", A("", "MailRule"), A("Policy", "Mail"), A("RetentionDuration", int32(365)),
			A("RetentionComplianceAction", "Keep"), A("RetentionDurationDisplayHint", "Days"), A("ExpirationDateOption", "ModificationAgeInDays"))
		if propStr(r[0], "RetentionDuration") != "365" || prop(r[0], "Disabled") != false || propStr(r[0], "PolicyName") != "Mail" {
			t.Errorf("rule %v", r)
		}
		if got := must(t, rs, "Get-RetentionCompliancePolicy", A("", "Mail")); propStr(got[0], "DistributionStatus") != StatusPending {
			t.Error("rule creation did not redistribute the policy")
		}
		if got := must(t, rs, "Get-RetentionCompliancePolicy", A("", "Mail"), A("-RetentionRuleTypes")); prop(got[0], "HasRules") != true {
			t.Error("HasRules false with -RetentionRuleTypes")
		}
		if msg, _ := failText(t, rs, "New-RetentionComplianceRule", A("", "Second"), A("Policy", "Mail"), A("RetentionDuration", int32(1))); !strings.Contains(msg, "already has a rule") {
			t.Errorf("second rule: %q", msg)
		}
		if msg, _ := failText(t, rs, "New-RetentionComplianceRule", A("Policy", "Teams"), A("ApplyComplianceTag", "Seven Years")); !strings.Contains(msg, "aren't supported for Teams") {
			t.Errorf("teams tag: %q", msg)
		}
		if msg, _ := failText(t, rs, "New-RetentionComplianceRule", A("Name", "x"), A("Policy", "Teams"), A("ApplyComplianceTag", "Seven Years")); msg != "Parameter set cannot be resolved using the specified named parameters." {
			t.Errorf("Name with ApplyComplianceTag: %q", msg)
		}
		must(t, rs, "New-RetentionCompliancePolicy", A("", "Labels"), A("SharePointLocation", "All"))
		if msg, _ := failText(t, rs, "New-RetentionComplianceRule", A("Policy", "Labels"), A("ApplyComplianceTag", "Missing")); !strings.Contains(msg, "object 'Missing' couldn't be found") {
			t.Errorf("missing tag: %q", msg)
		}
		sens := clixml.NewList(clixml.NewHashtable(clixml.Entry{Key: "Name", Value: "Credit Card Number"}, clixml.Entry{Key: "minCount", Value: "2"}))
		lr := must(t, rs, "New-RetentionComplianceRule", A("Policy", "Labels"), A("ApplyComplianceTag", "Seven Years"), A("ContentContainsSensitiveInformation", sens))
		if !strings.HasPrefix(propStr(lr[0], "Name"), "Labels_") || !strings.Contains(propStr(lr[0], "ContentContainsSensitiveInformation"), "Credit Card Number") {
			t.Errorf("label rule %v", names(lr))
		}
		if msg, _ := failText(t, rs, "Remove-ComplianceTag", A("", "Seven Years"), noConfirm()); !strings.Contains(msg, "is used by the retention rule") {
			t.Errorf("remove used tag: %q", msg)
		}
		if got := names(must(t, rs, "Get-RetentionComplianceRule", A("Policy", "Mail"))); len(got) != 1 || got[0] != "MailRule" {
			t.Errorf("rules of Mail: %v", got)
		}
		must(t, rs, "Set-RetentionComplianceRule", A("", "MailRule"), A("ContentDateFrom", "2020-01-01"), A("Comment", "c"))
		got := must(t, rs, "Get-RetentionComplianceRule", A("", "MailRule"))
		if d, ok := prop(got[0], "ContentDateFrom").(clixml.DateTime); !ok || !d.Time.Equal(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)) || propStr(got[0], "Comment") != "c" {
			t.Errorf("after set rule: %v", prop(got[0], "ContentDateFrom"))
		}
		must(t, rs, "Remove-RetentionComplianceRule", A("", "MailRule"), noConfirm())
		if got := must(t, rs, "Get-RetentionComplianceRule", A("Policy", "Mail")); len(got) != 0 {
			t.Errorf("rule not removed")
		}
		// Removing a policy removes its rules (storage cascades children).
		must(t, rs, "Remove-RetentionCompliancePolicy", A("", "Labels"), noConfirm(), A("-ForceDeletion"))
		must(t, rs, "Remove-ComplianceTag", A("", "Seven Years"), noConfirm())
		if got := must(t, rs, "Get-ComplianceTag"); len(got) != 0 {
			t.Errorf("tags left %v", names(got))
		}
	})
}
