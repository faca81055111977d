package compliance

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/runspace"
)

func TestRetentionPolicyLifecycle(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.user("alice@contoso.com")
		rs := e.open(e.scc, e.admin)
		dist := NewDistributor(e.st, DistributorConfig{}, nil)

		objs := must(t, rs, "New-RetentionCompliancePolicy", A("", "Finance"), A("ExchangeLocation", clixml.NewStringList("alice@contoso.com")), A("Comment", "keep"))
		if len(objs) != 1 || propStr(objs[0], "DistributionStatus") != StatusPending || propStr(objs[0], "Name") != "Finance" {
			t.Fatalf("new policy: %v", objs)
		}
		o := objs[0].(*clixml.Object)
		if !o.IsA(TypePolicy) || propStr(o, "Workload") != "Exchange, SharePoint, OneDriveForBusiness, Skype, ModernGroup" || prop(o, "Enabled") != true {
			t.Errorf("shape: %v", o.TypeNames)
		}
		if n, err := dist.Step(ctx); err != nil || n != 1 {
			t.Fatalf("distributor step: %d %v", n, err)
		}
		got := must(t, rs, "Get-RetentionCompliancePolicy", A("Identity", "finance"))
		if len(got) != 1 || propStr(got[0], "DistributionStatus") != StatusSuccess || prop(got[0], "LastStatusUpdateTime") == nil {
			t.Fatalf("after distribution: %v", propStr(got[0], "DistributionStatus"))
		}
		// Lookup by GUID and DN too.
		if g := must(t, rs, "Get-RetentionCompliancePolicy", A("", propStr(o, "Identity"))); len(g) != 1 {
			t.Errorf("by GUID: %d", len(g))
		}
		if g := must(t, rs, "Get-RetentionCompliancePolicy", A("", propStr(o, "DistinguishedName"))); len(g) != 1 {
			t.Errorf("by DN: %d", len(g))
		}

		// Errors with exact texts.
		if msg, id := failText(t, rs, "New-RetentionCompliancePolicy", A("Name", "X")); msg != "Parameter set cannot be resolved using the specified named parameters." || id != "AmbiguousParameterSet,New-RetentionCompliancePolicy" {
			t.Errorf("no locations: %q %q", msg, id)
		}
		if msg, _ := failText(t, rs, "New-RetentionCompliancePolicy", A("Name", "Finance"), A("SharePointLocation", "All")); msg != "The policy 'Finance' already exists." {
			t.Errorf("duplicate: %q", msg)
		}
		if msg, _ := failText(t, rs, "New-RetentionCompliancePolicy", A("Name", "Y"), A("ExchangeLocation", "nobody@contoso.com")); msg != "The operation couldn't be performed because object 'nobody@contoso.com' couldn't be found on 'SRV01.IPPS.TEST'." {
			t.Errorf("unknown mailbox: %q", msg)
		}
		if msg, _ := failText(t, rs, "New-RetentionCompliancePolicy", A("Name", "Y"), A("ExchangeLocation", clixml.NewStringList("All", "alice@contoso.com"))); !strings.Contains(msg, "\"All\" can't be used together") {
			t.Errorf("All with others: %q", msg)
		}
		if msg, _ := failText(t, rs, "New-RetentionCompliancePolicy", A("Name", strings.Repeat("n", 65)), A("SharePointLocation", "All")); !strings.HasPrefix(msg, "Cannot validate argument on parameter 'Name'. The character length of the 65 argument is too long.") {
			t.Errorf("length: %q", msg)
		}

		// Set re-distributes and applies Add/Remove.
		must(t, rs, "Set-RetentionCompliancePolicy", A("", "Finance"), A("AddExchangeLocation", "All"), A("RemoveExchangeLocation", "alice@contoso.com"), A("Enabled", false))
		got = must(t, rs, "Get-RetentionCompliancePolicy", A("", "Finance"))
		if propStr(got[0], "DistributionStatus") != StatusPending || prop(got[0], "Enabled") != false {
			t.Errorf("after set: %s", propStr(got[0], "DistributionStatus"))
		}
		if loc, _ := clixml.AsList(prop(got[0], "ExchangeLocation")); len(loc) != 1 || loc[0] != "All" {
			t.Errorf("ExchangeLocation %v", loc)
		}

		// A non-existent identity on Get returns everything (documented caution).
		must(t, rs, "New-RetentionCompliancePolicy", A("", "HR"), A("SharePointLocation", "All"))
		if all := must(t, rs, "Get-RetentionCompliancePolicy", A("Identity", "does-not-exist")); len(all) != 2 {
			t.Errorf("nonexistent identity returned %d", len(all))
		}
		if wc := must(t, rs, "Get-RetentionCompliancePolicy", A("", "F*")); len(wc) != 1 {
			t.Errorf("wildcard returned %d", len(wc))
		}

		// Remove: prompts by default, which a NoLanguage endpoint can't do.
		if msg, _ := failText(t, rs, "Remove-RetentionCompliancePolicy", A("", "HR")); msg != "PowerShell is in NonInteractive mode. Read and Prompt functionality is not available." {
			t.Errorf("remove without confirm: %q", msg)
		}
		// -WhatIf changes nothing.
		must(t, rs, "Remove-RetentionCompliancePolicy", A("", "HR"), noConfirm(), A("-WhatIf"))
		must(t, rs, "Remove-RetentionCompliancePolicy", A("", "HR"), noConfirm())
		got = must(t, rs, "Get-RetentionCompliancePolicy", A("", "HR"))
		if propStr(got[0], "DistributionStatus") != StatusPendingDeletion {
			t.Errorf("after remove: %s", propStr(got[0], "DistributionStatus"))
		}
		if msg, _ := failText(t, rs, "New-RetentionCompliancePolicy", A("", "HR"), A("SharePointLocation", "All")); msg != "The policy 'HR' already exists." {
			t.Errorf("name reuse while pending deletion: %q", msg)
		}
		if _, err := dist.Step(ctx); err != nil {
			t.Fatal(err)
		}
		if left := names(must(t, rs, "Get-RetentionCompliancePolicy")); !slices.Equal(left, []string{"Finance"}) {
			t.Errorf("after deletion pass: %v", left)
		}
		if msg, _ := failText(t, rs, "Set-RetentionCompliancePolicy", A("", "HR"), A("Comment", "x")); !strings.Contains(msg, "object 'HR' couldn't be found") {
			t.Errorf("set removed: %q", msg)
		}
	})
}

func TestPreservationLock(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		rs := e.open(e.scc, e.admin)
		must(t, rs, "New-RetentionCompliancePolicy", A("", "Locked"), A("SharePointLocation", "All"), A("RestrictiveRetention", true))
		must(t, rs, "New-RetentionComplianceRule", A("", "LockedRule"), A("Policy", "Locked"), A("RetentionDuration", int32(365)), A("RetentionComplianceAction", "Keep"))
		for _, tc := range []struct {
			cmd  string
			args []any
		}{
			{"Remove-RetentionCompliancePolicy", nil},
			{"Set-RetentionCompliancePolicy", []any{"Enabled", false}},
			{"Set-RetentionCompliancePolicy", []any{"RemoveSharePointLocation", "All"}},
		} {
			args := []runspace.Arg{A("", "Locked"), noConfirm()}
			if tc.args != nil {
				args = append(args, A(tc.args[0].(string), tc.args[1]))
			}
			if msg, _ := failText(t, rs, tc.cmd, args...); !strings.Contains(msg, "Preservation Lock") {
				t.Errorf("%s %v: %q", tc.cmd, tc.args, msg)
			}
		}
		if msg, _ := failText(t, rs, "Set-RetentionComplianceRule", A("", "LockedRule"), A("RetentionDuration", int32(30))); !strings.Contains(msg, "can only be extended") {
			t.Errorf("shorten: %q", msg)
		}
		must(t, rs, "Set-RetentionComplianceRule", A("", "LockedRule"), A("RetentionDuration", "Unlimited"))
		must(t, rs, "Set-RetentionCompliancePolicy", A("", "Locked"), A("AddSharePointLocationException", "https://contoso.sharepoint.com/sites/x"))
	})
}

// Remove marks the policy for the distributor and keeps the rest of its
// body as stored.
func TestRemovePolicyMarksPendingDeletion(t *testing.T) {
	e := newEnv(t, sqliteBackend())
	rs := e.open(e.scc, e.admin)
	must(t, rs, "New-RetentionCompliancePolicy", A("", "Gone"), A("ExchangeLocation", "All"), A("Comment", "kept"))
	before, err := e.st.GetObjectByName(context.Background(), e.tenant, KindPolicy, "Gone")
	if err != nil {
		t.Fatal(err)
	}
	must(t, rs, "Remove-RetentionCompliancePolicy", A("", "Gone"), noConfirm())
	after, err := e.st.GetObjectByName(context.Background(), e.tenant, KindPolicy, "Gone")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := decode[policyBody](before)
	want.DistributionStatus, want.LastModifiedBy = StatusPendingDeletion, e.admin.UPN
	if got := string(after.Body); got != string(encode(want)) {
		t.Fatalf("body %s, want %s", got, encode(want))
	}
}
