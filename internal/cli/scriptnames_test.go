package cli

import (
	"context"
	"slices"
	"testing"
)

func TestScriptCommands(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want []string
		ok   bool
	}{
		{"Get-RetentionCompliancePolicy", []string{"Get-RetentionCompliancePolicy"}, true},
		{"Get-ComplianceTag | Where-Object { (Get-X).Count -gt 1 } ; $a = @(Get-Y -Id $(Get-Z)); get-compliancetag",
			[]string{"Get-ComplianceTag", "Where-Object", "Get-X", "Get-Y", "Get-Z"}, true},
		{"@{ k = (Get-H) }; \"$(Get-S)\"; -not (Get-U)", []string{"Get-H", "Get-S", "Get-U"}, true},
		{"1 + 1", []string{}, true},
		{"Get-Help Get-ComplianceTag", nil, false},
		{"Get-Command", nil, false},
		{"Get-X -P 'unterminated", nil, false},
	} {
		got, ok := scriptCommands(tc.src)
		if ok != tc.ok || !slices.Equal(got, tc.want) || (ok && got == nil) {
			t.Errorf("scriptCommands(%q) = %q, %v; want %q, %v", tc.src, got, ok, tc.want, tc.ok)
		}
	}
}

func TestRemoteNames(t *testing.T) {
	names := []string{"Get-EXOMailbox", "Get-exouser", "Get-ComplianceTag", "Get-EXO", "Where-Object", "Get-A*b"}
	if got, want := remoteNames(names, ""), []string{"Get-EXOMailbox", "Get-exouser", "Get-ComplianceTag", "Get-EXO", "Where-Object", "Get-A`*b"}; !slices.Equal(got, want) {
		t.Errorf("no prefix: %q, want %q", got, want)
	}
	if got, want := remoteNames(names, "EXO"), []string{"Get-Mailbox", "Get-user"}; !slices.Equal(got, want) {
		t.Errorf("prefix EXO: %q, want %q", got, want)
	}
}

// TestConnectScriptCommands: with ScriptCommands only the named commands
// are imported, through the prefix; unknown and local names are skipped.
func TestConnectScriptCommands(t *testing.T) {
	ts := newTestServer(t)
	f, _, _ := testFactory(t, "", false, nil)
	conns := NewConnections(f)
	defer conns.CloseAll(context.Background())
	o := ts.options("Cc")
	o.ScriptCommands = []string{"Get-CcComplianceTag", "Get-CcNothing", "Where-Object", "Get-RetentionCompliancePolicy"}
	s, err := conns.Connect(context.Background(), o, Compliance)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ci := range s.Commands() {
		got = append(got, ci.Name)
	}
	if !slices.Equal(got, []string{"Get-ComplianceTag"}) {
		t.Errorf("imported %q, want [Get-ComplianceTag]", got)
	}
	o.ScriptCommands = []string{}
	if s, err = conns.Connect(context.Background(), o, Exchange); err != nil {
		t.Fatal(err)
	}
	if n := len(s.Commands()); n != 0 {
		t.Errorf("imported %d commands for a script naming none", n)
	}
}
