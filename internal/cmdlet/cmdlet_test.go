package cmdlet

import (
	"slices"
	"strings"
	"testing"
)

func TestCmdletDeclarationHelpers(t *testing.T) {
	if newPolicy.Verb() != "New" {
		t.Error(newPolicy.Verb())
	}
	if got := newPolicy.SetNames(); !slices.Equal(got, []string{"Default", "TeamLocation", "AdaptiveScopeLocation"}) {
		t.Errorf("sets %v", got)
	}
	if got := getThing.SetNames(); !slices.Equal(got, []string{AllSets}) {
		t.Errorf("sets %v", got)
	}
	if newPolicy.Param("exchangelocation") == nil || newPolicy.Param("Nope") != nil {
		t.Error("Param lookup")
	}
	r := newPolicy.Restrict(func(p string) bool { return p == "Name" })
	if len(r.Params) != 1 || len(newPolicy.Params) != 4 {
		t.Errorf("Restrict %d / original %d", len(r.Params), len(newPolicy.Params))
	}
	for _, tt := range []struct {
		p    Param
		want bool
	}{
		{Param{Name: "Password", Kind: String}, true},
		{Param{Name: "Key", Kind: SecureString}, true},
		{Param{Name: "Token", Secret: true}, true},
		{Param{Name: "Credential"}, true},
		{Param{Name: "Name"}, false},
	} {
		if tt.p.IsSecret() != tt.want {
			t.Errorf("IsSecret(%s) = %v", tt.p.Name, !tt.want)
		}
	}
}

// TestIsSecretNames checks the allocation-free name test against the
// lowercase-and-contains rule it replaces.
func TestIsSecretNames(t *testing.T) {
	for _, n := range []string{"Password", "NewPassword", "ClientSecret", "SECRETS", "Credential", "credentials", "Name", "Identity",
		"Pass", "Secre", "xPaSsWoRdx", "Crédential", "Pässword", "Secret\u00e9", ""} {
		l := strings.ToLower(n)
		want := strings.Contains(l, "password") || strings.Contains(l, "secret") || strings.Contains(l, "credential")
		if got := (&Param{Name: n, Kind: String}).IsSecret(); got != want {
			t.Errorf("IsSecret(%q) = %v, want %v", n, got, want)
		}
	}
}

// A restricted cmdlet's sets are those of its own parameters, also when
// it is restricted again, and are computed once.
func TestRestrictSetNames(t *testing.T) {
	all := newPolicy.Restrict(func(string) bool { return true })
	if got := all.SetNames(); !slices.Equal(got, newPolicy.SetNames()) {
		t.Errorf("sets %v, want %v", got, newPolicy.SetNames())
	}
	if &all.SetNames()[0] != &all.SetNames()[0] {
		t.Error("restricted sets computed again")
	}
	name := all.Restrict(func(p string) bool { return p == "Name" })
	want := (&Cmdlet{DefaultSet: name.DefaultSet, Params: name.Params}).SetNames()
	if got := name.SetNames(); !slices.Equal(got, want) {
		t.Errorf("restricted again: sets %v, want %v", got, want)
	}
}
