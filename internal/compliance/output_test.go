package compliance

import (
	"testing"

	"github.com/ipps/ipps/internal/cmdlet"
)

func TestPreferenceParameters(t *testing.T) {
	e := newEnv(t, sqliteBackend())
	e.user("gina@contoso.com")
	rs := e.open(e.exo, e.admin)
	c, err := run(rs, "Get-User", A("ResultSize", int32(1)), A("WarningAction", "SilentlyContinue"))
	if err != nil || len(c.objs) != 1 || len(c.warns) != 0 {
		t.Errorf("WarningAction SilentlyContinue: %v %v", c.warns, err)
	}
	c, err = run(rs, "Get-Mailbox", A("", "ghost"), A("ea", "SilentlyContinue"))
	if err != nil || len(c.errs) != 0 {
		t.Errorf("ErrorAction SilentlyContinue: %v %v", c.errs, err)
	}
	if _, err := run(rs, "Get-Mailbox", A("", "ghost"), A("ErrorAction", "Stop")); err == nil {
		t.Error("ErrorAction Stop did not terminate")
	}
}

// TestDeclarations: both endpoint tables build, and every cmdlet's
// metadata carries the common parameters and its help renders.
func TestDeclarations(t *testing.T) {
	svc := NewService(nil)
	for _, ep := range []Endpoint{SecurityCompliance, ExchangeOnline} {
		tbl, err := svc.Table(ep)
		if err != nil {
			t.Fatalf("%s: %v", ep, err)
		}
		for _, c := range tbl.All() {
			info := c.Metadata()
			have := map[string]bool{}
			for _, p := range info.Parameters {
				have[p.Name] = true
			}
			for _, n := range cmdlet.CommonParameterNames() {
				if !have[n] {
					t.Errorf("%s lacks %s", c.Name, n)
				}
			}
			if c.ShouldProcess != (have["WhatIf"] && have["Confirm"]) || c.Synopsis == "" || len(c.Syntax()) == 0 || c.Module == "" {
				t.Errorf("%s: declaration incomplete", c.Name)
			}
		}
	}
}
