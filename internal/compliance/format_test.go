package compliance

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/ipps/ipps/internal/implicit"
	"github.com/ipps/ipps/internal/runspace"
)

// TestImplicitRemotingOverProvider drives the calls Import-PSSession makes
// against the real SCC runspace wrapped by implicit.Provider.
func TestImplicitRemotingOverProvider(t *testing.T) {
	e := newEnv(t, sqliteBackend())
	p := implicit.Provider(e.scc, FormatTable())
	rs, err := p.Open(context.Background(), principal(e.admin), uuid.NewString())
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close(context.Background())
	count := func(cmds ...runspace.Command) any {
		c := &capture{}
		if err := rs.Invoke(context.Background(), &runspace.Pipeline{Commands: append(cmds, runspace.Command{Name: "Measure-Object"})}, c); err != nil || len(c.objs) != 1 {
			t.Fatalf("%v: %v %d", cmds, err, len(c.objs))
		}
		return prop(c.objs[0], "Count")
	}
	if n := count(runspace.Command{Name: "Get-FormatData", Args: []runspace.Arg{A("TypeName", "*")}}); n != int32(len(FormatTable())) {
		t.Errorf("format count %v", n)
	}
	must(t, rs, "New-RetentionCompliancePolicy", A("", "P"), A("SharePointLocation", "All"))
	if n := count(runspace.Command{Name: "Get-RetentionCompliancePolicy"}); n != int32(1) {
		t.Errorf("policy count %v", n)
	}
	if h := must(t, rs, "Get-Help", A("Name", "New-RetentionCompliancePolicy")); propStr(h[0], "Synopsis") != "Creates a retention policy." {
		t.Errorf("help %v", h)
	}
	// The table columns follow compliance-cmdlets.md §5.
	defs := must(t, rs, "Get-FormatData", A("", TypePolicy))
	if len(defs) != 1 || propStr(defs[0], "TypeName") != TypePolicy {
		t.Fatalf("format data %v", defs)
	}
}
