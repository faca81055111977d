package cmdlet

import (
	"strings"
	"testing"

	"github.com/ipps/ipps/internal/runspace"
)

func TestMetadataListsCommonParameters(t *testing.T) {
	info := removeThing.Metadata()
	got := map[string]string{}
	for _, p := range info.Parameters {
		got[p.Name] = p.Type
	}
	for _, n := range append(CommonParameterNames(), "WhatIf", "Confirm", "Identity", "Comment") {
		if _, ok := got[n]; !ok {
			t.Errorf("metadata lacks %s", n)
		}
	}
	if got["Confirm"] != "System.Management.Automation.SwitchParameter" || got["ErrorAction"] != "System.Management.Automation.ActionPreference" {
		t.Errorf("types: %v", got)
	}
	if info.CommandType != CommandTypeCmdlet || info.Name != "Remove-Thing" {
		t.Errorf("info %+v", info)
	}
	if m := getThing.Metadata(); !strings.HasPrefix(typeOf(m.Parameters, "Locations"), "Microsoft.Exchange.Data.MultiValuedProperty") || typeOf(m.Parameters, "Tags") != "System.String[]" {
		t.Errorf("multi types %q %q", typeOf(m.Parameters, "Locations"), typeOf(m.Parameters, "Tags"))
	}
}

func typeOf(ps []runspace.ParameterInfo, name string) string {
	for _, p := range ps {
		if p.Name == name {
			return p.Type
		}
	}
	return ""
}

func TestSyntax(t *testing.T) {
	s := newPolicy.Syntax()
	if len(s) != 3 {
		t.Fatalf("syntax %q", s)
	}
	want := "New-Policy [-Name] <String> [-ExchangeLocation <String[]>] [-WhatIf] [-Confirm] [<CommonParameters>]"
	if s[0] != want {
		t.Errorf("got  %s\nwant %s", s[0], want)
	}
	if !strings.Contains(s[2], "-AdaptiveScopeLocation <String[]>") || strings.Contains(s[2], "[-AdaptiveScopeLocation") {
		t.Errorf("mandatory not shown as mandatory: %s", s[2])
	}
}
