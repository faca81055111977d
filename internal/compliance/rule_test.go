package compliance

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/runspace"
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

// TestPipelineInput: objects flow between stages and from client input,
// bound by value (Identity from the object) and by property name.
func TestPipelineInput(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		rs := e.open(e.scc, e.admin)
		for _, n := range []string{"A", "B", "C"} {
			must(t, rs, "New-RetentionCompliancePolicy", A("", n), A("SharePointLocation", "All"))
		}
		c := &capture{}
		err := rs.Invoke(context.Background(), &runspace.Pipeline{Commands: []runspace.Command{
			{Name: "Get-RetentionCompliancePolicy", Args: []runspace.Arg{A("", "A*")}},
			{Name: "Remove-RetentionCompliancePolicy", Args: []runspace.Arg{noConfirm()}},
		}}, c)
		if err != nil || len(c.errs) != 0 {
			t.Fatalf("pipeline: %v %v", err, c.errs)
		}
		statuses := map[string]string{}
		for _, o := range must(t, rs, "Get-RetentionCompliancePolicy") {
			statuses[propStr(o, "Name")] = propStr(o, "DistributionStatus")
		}
		if statuses["A"] != StatusPendingDeletion || statuses["B"] != StatusPending {
			t.Errorf("statuses %v", statuses)
		}
		// Client-sent input: strings bind to Identity by value; an unknown
		// one yields a non-terminating error and the rest still run.
		in := make(chan clixml.Value, 3)
		in <- "B"
		in <- "nope"
		in <- clixml.NewPSCustomObject(clixml.Property{Name: "Identity", Value: "C"})
		close(in)
		c = &capture{}
		err = rs.Invoke(context.Background(), &runspace.Pipeline{Commands: []runspace.Command{{Name: "Set-RetentionCompliancePolicy", Args: []runspace.Arg{A("Comment", "piped")}}}, Input: in}, c)
		if err != nil || len(c.errs) != 1 || !strings.Contains(c.errs[0].Message, "object 'nope' couldn't be found") {
			t.Fatalf("input pipeline: %v %v", err, c.errs)
		}
		for _, n := range []string{"B", "C"} {
			if got := must(t, rs, "Get-RetentionCompliancePolicy", A("", n)); propStr(got[0], "Comment") != "piped" {
				t.Errorf("%s comment %q", n, propStr(got[0], "Comment"))
			}
		}
		// -ErrorAction Stop turns the non-terminating error into a failure.
		in2 := make(chan clixml.Value, 1)
		in2 <- "nope"
		close(in2)
		err = rs.Invoke(context.Background(), &runspace.Pipeline{Commands: []runspace.Command{{Name: "Set-RetentionCompliancePolicy", Args: []runspace.Arg{A("Comment", "x"), A("ErrorAction", "Stop")}}}, Input: in2}, &capture{})
		if msg, _ := recOf(t, err); !strings.Contains(msg, "couldn't be found") {
			t.Errorf("ErrorAction Stop: %v", err)
		}
		// Empty input: the first command runs once with no input, and a
		// mandatory pipeline parameter is then missing.
		empty := make(chan clixml.Value)
		close(empty)
		err = rs.Invoke(context.Background(), &runspace.Pipeline{Commands: []runspace.Command{{Name: "Remove-RetentionCompliancePolicy", Args: []runspace.Arg{noConfirm()}}}, Input: empty}, &capture{})
		if msg, _ := recOf(t, err); msg != "Cannot process command because of one or more missing mandatory parameters: Identity." {
			t.Errorf("empty input: %q", msg)
		}
	})
}

func TestRecipients(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		e.user("frank@contoso.com")
		rs := e.open(e.exo, e.admin)
		if got := names(must(t, rs, "Get-User")); len(got) != 2 {
			t.Errorf("users %v", got)
		}
		mb := must(t, rs, "Get-Mailbox", A("", "frank@contoso.com"))
		if propStr(mb[0], "Alias") != "frank" || propStr(mb[0], "PrimarySmtpAddress") != "frank@contoso.com" || !mb[0].(*clixml.Object).IsA(TypeMailbox) {
			t.Errorf("mailbox %v", mb)
		}
		if msg, _ := failText(t, rs, "Get-Mailbox", A("", "ghost")); msg != "The operation couldn't be performed because object 'ghost' couldn't be found on 'SRV01.IPPS.TEST'." {
			t.Errorf("ghost: %q", msg)
		}
		if got := names(must(t, rs, "Get-User", A("Anr", "fr"))); len(got) != 1 || got[0] != "frank" {
			t.Errorf("anr %v", got)
		}
		c, err := run(rs, "Get-User", A("ResultSize", int32(1)))
		if err != nil || len(c.objs) != 1 || len(c.warns) != 1 {
			t.Errorf("ResultSize 1: %d objs %v warns %v", len(c.objs), c.warns, err)
		}
		if msg, _ := failText(t, rs, "Get-User", A("Filter", "Name -gt 'x'")); !strings.HasPrefix(msg, "Invalid filter syntax.") {
			t.Errorf("bad filter %q", msg)
		}
		must(t, rs, "Set-User", A("", "frank"), A("DisplayName", "Frank F"))
		if got := must(t, rs, "Get-User", A("", "frank@contoso.com")); propStr(got[0], "DisplayName") != "Frank F" {
			t.Errorf("display name %v", got)
		}
	})
}

func TestDistributorRunStops(t *testing.T) {
	e := newEnv(t, sqliteBackend())
	rs := e.open(e.scc, e.admin)
	must(t, rs, "New-RetentionCompliancePolicy", A("", "D"), A("SharePointLocation", "All"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- NewDistributor(e.st, DistributorConfig{Interval: 10 * time.Millisecond}, testLogger(t)).Run(ctx)
	}()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if got := must(t, rs, "Get-RetentionCompliancePolicy", A("", "D")); propStr(got[0], "DistributionStatus") == StatusSuccess {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("distributor never distributed")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != context.Canceled {
			t.Errorf("Run returned %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop")
	}
}

func TestInvokeHonoursCancellation(t *testing.T) {
	e := newEnv(t, sqliteBackend())
	rs := e.open(e.scc, e.admin)
	for i := range 3 {
		must(t, rs, "New-RetentionCompliancePolicy", A("", string(rune('a'+i))), A("SharePointLocation", "All"))
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &capture{onWrite: func(clixml.Value) error { cancel(); return nil }}
	err := rs.Invoke(ctx, &runspace.Pipeline{Commands: []runspace.Command{{Name: "Get-RetentionCompliancePolicy"}}}, c)
	if err != context.Canceled || len(c.objs) != 1 {
		t.Errorf("err %v after %d objects", err, len(c.objs))
	}
}
