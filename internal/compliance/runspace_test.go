package compliance

import (
	"context"
	"strings"
	"testing"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/runspace"
)

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
