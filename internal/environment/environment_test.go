package environment

import (
	"strings"
	"testing"
)

func TestLookupDefaultsAndCase(t *testing.T) {
	e, err := Lookup("")
	if err != nil || e.Name != "O365Default" {
		t.Fatalf("default: %+v %v", e, err)
	}
	if e.ComplianceURI != "https://ps.compliance.protection.outlook.com/powershell-liveid/" ||
		e.ComplianceAuthority != "https://login.microsoftonline.com/organizations" {
		t.Fatalf("default SCC values wrong: %+v", e)
	}
	g, err := Lookup("o365GERMANYcloud")
	if err != nil || g.ComplianceAuthority != "https://login.microsoftonline.de/common" {
		t.Fatalf("germany: %+v %v", g, err)
	}
	d, _ := Lookup("O365USGovDoD")
	if d.ComplianceURI != "https://l5.ps.compliance.protection.office365.us/powershell-liveid/" {
		t.Fatalf("dod: %+v", d)
	}
}

func TestLookupUnknownListsValid(t *testing.T) {
	_, err := Lookup("Mars")
	if err == nil || !strings.Contains(err.Error(), `"Mars"`) || !strings.Contains(err.Error(), "O365USGovGCCHigh") {
		t.Fatalf("got %v", err)
	}
}
