package shell

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/psrp"
	"github.com/ipps/ipps/internal/runspace"
)

// fakeRemote stands in for the network: it serves fixed retention
// policies shaped like the server's and records the commands it got.
type fakeRemote struct {
	calls  []runspace.Command
	inputs [][]clixml.Value
}

const policyType = "Microsoft.Office.CompliancePolicy.Tasks.PsRetentionCompliancePolicy"

func policy(name string, enabled bool, mode string, items int64) *clixml.Object {
	return clixml.NewTypedObject([]string{policyType, "System.Object"},
		clixml.Property{Name: "Name", Value: name},
		clixml.Property{Name: "Enabled", Value: enabled},
		clixml.Property{Name: "Mode", Value: clixml.NewEnum("Microsoft.Office.CompliancePolicy.PolicyMode", 1, mode)},
		clixml.Property{Name: "Items", Value: items},
		clixml.Property{Name: "ExchangeLocation", Value: clixml.NewStringList("All")},
		clixml.Property{Name: "WhenCreatedUTC", Value: clixml.DateTime{Time: time.Date(2024, 1, int(items%28)+1, 0, 0, 0, 0, time.UTC), Kind: clixml.KindUtc}},
	)
}

func (f *fakeRemote) Commands() []runspace.CommandInfo {
	return []runspace.CommandInfo{
		{Name: "Get-RetentionCompliancePolicy", Parameters: []runspace.ParameterInfo{
			{Name: "Identity", Type: "Microsoft.Office.CompliancePolicy.Tasks.PolicyIdParameter"},
			{Name: "DistributionDetail", Type: "System.Management.Automation.SwitchParameter", Switch: true},
		}},
		{Name: "Set-RetentionCompliancePolicy", Parameters: []runspace.ParameterInfo{
			{Name: "Identity", Type: "System.String"}, {Name: "Enabled", Type: "System.Boolean"},
		}},
		{Name: "Get-User"},
	}
}

func (f *fakeRemote) Invoke(ctx context.Context, cmd runspace.Command, input []clixml.Value, out func(clixml.Value) error) error {
	f.calls = append(f.calls, cmd)
	f.inputs = append(f.inputs, input)
	switch cmd.Name {
	case "Get-RetentionCompliancePolicy":
		all := []clixml.Value{policy("Finance", true, "Enforce", 30), policy("HR", false, "Simulate", 5), policy("Legal", true, "Enforce", 12)}
		for _, a := range cmd.Args {
			if a.Name == "" || strings.EqualFold(a.Name, "Identity") {
				id := clixml.DisplayString(a.Value)
				for _, p := range all {
					if n, _ := p.(*clixml.Object).Get("Name"); n == id {
						return out(p)
					}
				}
				return &psrp.ErrorRecord{Message: "The operation couldn't be performed because object '" + id + "' couldn't be found on 'CY4PR04A008DC10.NAMPR04A008.PROD.OUTLOOK.COM'.",
					Category: psrp.CategoryNotSpecified, CategoryActivity: "Get-RetentionCompliancePolicy", CategoryReason: "ManagementObjectNotFoundException",
					FullyQualifiedErrorID: "[Server=CY4PR04]ABC,Microsoft.Office.CompliancePolicy.Tasks.GetRetentionCompliancePolicy"}
			}
		}
		for _, p := range all {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := out(p); err != nil {
				return err
			}
		}
	case "Set-RetentionCompliancePolicy":
		for _, in := range input {
			if n, _ := in.(*clixml.Object).Get("Name"); n == "HR" {
				if err := out(&psrp.ErrorRecord{Message: "HR is locked.", Category: psrp.CategoryInvalidOperation, FullyQualifiedErrorID: "Locked"}); err != nil {
					return err
				}
			}
		}
	case "Get-User":
		return out(clixml.NewPSCustomObject(clixml.Property{Name: "Name", Value: "adele"}, clixml.Property{Name: "RecipientType", Value: "UserMailbox"}))
	}
	return nil
}

func newTest(t *testing.T) (*Shell, *fakeRemote, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	f := &fakeRemote{}
	var out, errb bytes.Buffer
	s := New(Config{Out: &out, Err: &errb, Width: 80, Sessions: []Session{{Remote: f}, {Prefix: "EXO", Remote: f}}})
	return s, f, &out, &errb
}

// eval runs src and returns the output objects' display strings.
func evalStrings(t *testing.T, s *Shell, src string) []string {
	t.Helper()
	vals, err := s.Eval(context.Background(), src)
	if err != nil {
		t.Fatalf("Eval(%q): %v", src, err)
	}
	var out []string
	for _, v := range vals {
		out = append(out, clixml.DisplayString(v))
	}
	return out
}

func TestEvalExpressions(t *testing.T) {
	s, _, _, _ := newTest(t)
	tests := []struct{ src, want string }{
		{"1 + 2 * 3", "7"},
		{"'a' + 'b'", "ab"},
		{"$x = 5; \"x is $x and $($x * 2)\"", "x is 5 and 10"},
		{"'abc' -like 'A*'", "True"},
		{"'abc' -clike 'A*'", "False"},
		{"'abc' -match '^a.c$'", "True"},
		{"5 -gt '10'", "False"},
		{"'10' -eq 10", "True"},
		{"1,2,3 -contains 2", "True"},
		{"2 -in 1,2,3", "True"},
		{"4 -notin 1,2,3", "True"},
		{"(1,2,3,4 -gt 2).Count", "2"},
		{"-not $false -and !$null", "True"},
		{"$true -xor $true", "False"},
		{"@(1,2)[-1]", "2"},
		{"@{a=1; b='x'}.b", "x"},
		{"$null -eq $null", "True"},
		{"1.5 * 2", "3"},
		{"7 % 3", "1"},
	}
	for _, tc := range tests {
		got := strings.Join(evalStrings(t, s, tc.src), "|")
		if got != tc.want {
			t.Errorf("%s = %q, want %q", tc.src, got, tc.want)
		}
	}
}

func TestPipelineLocalAndRemote(t *testing.T) {
	s, f, _, _ := newTest(t)
	tests := []struct{ src, want string }{
		{"Get-RetentionCompliancePolicy | Where-Object { $_.Enabled -eq $true } | ForEach-Object { $_.Name }", "Finance|Legal"},
		{"Get-RetentionCompliancePolicy | Where-Object Mode -eq Simulate | ForEach-Object Name", "HR"},
		{"Get-RetentionCompliancePolicy | Where-Object -Property Name -Value 'L*' -Like | ForEach-Object -MemberName Name", "Legal"},
		{"Get-RetentionCompliancePolicy | Where-Object Enabled | ForEach-Object Name", "Finance|Legal"},
		{"Get-RetentionCompliancePolicy | Sort-Object Items | ForEach-Object Name", "HR|Legal|Finance"},
		{"Get-RetentionCompliancePolicy | Sort-Object Enabled, Name -Descending | ForEach-Object Name", "Legal|Finance|HR"},
		{"Get-RetentionCompliancePolicy | Sort-Object WhenCreatedUTC | Select-Object -First 1 -ExpandProperty Name", "Finance"},
		{"Get-RetentionCompliancePolicy | Select-Object -Last 2 -ExpandProperty Name", "HR|Legal"},
		{"Get-RetentionCompliancePolicy | Select-Object -Skip 1 -First 1 | ForEach-Object Name", "HR"},
		{"(Get-RetentionCompliancePolicy).Name", "Finance|HR|Legal"},
		{"$p = Get-RetentionCompliancePolicy; $p.Count", "3"},
		{"Get-RetentionCompliancePolicy | Select-Object -ExpandProperty Mode | Select-Object -Unique", "Enforce|Simulate"},
		{"(Get-RetentionCompliancePolicy | Measure-Object).Count", "3"},
		{"(Get-RetentionCompliancePolicy | Measure-Object -Property Items -Sum -Average -Maximum -Minimum) | ForEach-Object { \"$($_.Sum) $($_.Average) $($_.Maximum) $($_.Minimum)\" }", "47 15.666666666666666 30 5"},
		{"Get-RetentionCompliancePolicy -Identity HR | ForEach-Object Name", "HR"},
		{"Get-EXOUser | ForEach-Object Name", "adele"},
		{"Write-Output a,b", "a|b"},
		{"Get-RetentionCompliancePolicy | Select-Object Name, @{n='Big';e={$_.Items -gt 10}} | ForEach-Object { \"$($_.Name)=$($_.Big)\" }", "Finance=True|HR=False|Legal=True"},
	}
	for _, tc := range tests {
		got := strings.Join(evalStrings(t, s, tc.src), "|")
		if got != tc.want {
			t.Errorf("%s\n got %q\nwant %q", tc.src, got, tc.want)
		}
	}
	// The EXO prefix was stripped and switches were sent as switches.
	f.calls = nil
	evalStrings(t, s, "Get-RetentionCompliancePolicy -DistributionDetail -Identity:Finance")
	got := f.calls[0]
	if len(got.Args) != 2 || !got.Args[0].Switch || got.Args[0].Name != "DistributionDetail" || got.Args[1].Value != "Finance" {
		t.Errorf("remote args = %+v", got.Args)
	}
}

func TestRemoteMidPipelineGetsInput(t *testing.T) {
	s, f, _, errb := newTest(t)
	if err := s.Run(context.Background(), "Get-RetentionCompliancePolicy | Set-RetentionCompliancePolicy -Enabled:$false"); err != nil {
		t.Fatal(err)
	}
	if len(f.inputs) != 2 || len(f.inputs[1]) != 3 {
		t.Fatalf("Set- input = %v", f.inputs)
	}
	if a := f.calls[1].Args[0]; a.Name != "Enabled" || a.Value != false || a.Switch {
		t.Errorf("-Enabled:$false sent as %+v", a)
	}
	want := "HR is locked.\n    + CategoryInfo          : InvalidOperation: (:) [], Exception\n    + FullyQualifiedErrorId : Locked\n\n"
	if errb.String() != want {
		t.Errorf("non-terminating error printed\n%q\nwant\n%q", errb.String(), want)
	}
}

func TestErrorsShape(t *testing.T) {
	s, _, out, errb := newTest(t)
	s.Run(context.Background(), "Get-Nothing -X 1")
	want := `Get-Nothing : The term 'Get-Nothing' is not recognized as the name of a cmdlet, function, script file, or operable program. Check the spelling of the name, or if a path was included, verify that the path is correct and try again.
At line:1 char:1
+ Get-Nothing -X 1
+ ~~~~~~~~~~~
    + CategoryInfo          : ObjectNotFound: (Get-Nothing:String) [], CommandNotFoundException
    + FullyQualifiedErrorId : CommandNotFoundException

`
	if errb.String() != want {
		t.Errorf("got\n%s\nwant\n%s", errb.String(), want)
	}
	errb.Reset()
	s.Run(context.Background(), "Get-RetentionCompliancePolicy Nope")
	if !strings.HasPrefix(errb.String(), "The operation couldn't be performed because object 'Nope'") ||
		!strings.Contains(errb.String(), "    + CategoryInfo          : NotSpecified: (:) [Get-RetentionCompliancePolicy], ManagementObjectNotFoundException\n") {
		t.Errorf("remote error printed as\n%s", errb.String())
	}
	errb.Reset()
	s.Run(context.Background(), "Select-Object -Bogus 1")
	if !strings.Contains(errb.String(), "A parameter cannot be found that matches parameter name 'Bogus'.") ||
		!strings.Contains(errb.String(), "+               ~~~~~~") || !strings.Contains(errb.String(), "NamedParameterNotFound,Select-Object") {
		t.Errorf("binding error printed as\n%s", errb.String())
	}
	errb.Reset()
	s = New(Config{Out: out, Err: errb, Color: true})
	s.Run(context.Background(), "Nope")
	if !strings.HasPrefix(errb.String(), "\x1b[91mNope : ") || !strings.HasSuffix(errb.String(), "\x1b[0m\n") {
		t.Errorf("colored error = %q", errb.String())
	}
	errb.Reset()
	err := s.Run(context.Background(), "Get-X {")
	if err == nil || !strings.Contains(errb.String(), "MissingEndCurlyBrace") {
		t.Errorf("parse error: %v %q", err, errb.String())
	}
}

func TestDefaultOutputAndFormatCmdlets(t *testing.T) {
	s, _, out, errb := newTest(t)
	run := func(src string) string {
		out.Reset()
		if err := s.Run(context.Background(), src); err != nil {
			t.Fatalf("%s: %v\n%s", src, err, errb.String())
		}
		return out.String()
	}
	if got, want := run("Get-RetentionCompliancePolicy | Select-Object Name, Enabled, Items"), "\nName    Enabled Items\n----    ------- -----\nFinance True       30\nHR      False       5\nLegal   True       12\n\n\n"; got != want {
		t.Errorf("table:\n%q\nwant\n%q", got, want)
	}
	if got, want := run("Get-RetentionCompliancePolicy -Identity HR | Format-List Name, Mode"), "\nName : HR\nMode : Simulate\n\n\n"; got != want {
		t.Errorf("Format-List:\n%q\nwant\n%q", got, want)
	}
	if got, want := run("Get-RetentionCompliancePolicy | Format-Table Name, Items -AutoSize"), "\nName    Items\n----    -----\nFinance    30\nHR          5\nLegal      12\n\n\n"; got != want {
		t.Errorf("Format-Table:\n%q\nwant\n%q", got, want)
	}
	if got, want := run("Get-RetentionCompliancePolicy -Identity HR | Select-Object Name, Mode | ConvertTo-Json -Compress"), "{\"Name\":\"HR\",\"Mode\":1}\n"; got != want {
		t.Errorf("ConvertTo-Json: %q want %q", got, want)
	}
	if got := run("'one'; 2"); got != "one\n2\n" {
		t.Errorf("scalars: %q", got)
	}
	if got := run("Write-Host 'hi' -NoNewline"); got != "hi" {
		t.Errorf("Write-Host: %q", got)
	}
	if got := run("Get-Help Get-RetentionCompliancePolicy"); !strings.Contains(got, "[-DistributionDetail]") || !strings.Contains(got, "-Identity <Microsoft.Office.CompliancePolicy.Tasks.PolicyIdParameter>") {
		t.Errorf("Get-Help:\n%s", got)
	}
	errb.Reset()
	run("@{a=@{b=@{c=1}}} | ConvertTo-Json -Depth 1")
	if !strings.Contains(errb.String(), "WARNING: Resulting JSON is truncated as serialization has exceeded the set depth of 1.") {
		t.Errorf("no depth warning: %q", errb.String())
	}
}

func TestExportCsv(t *testing.T) {
	s, _, _, _ := newTest(t)
	path := filepath.Join(t.TempDir(), "p.csv")
	if err := s.Run(context.Background(), "Get-RetentionCompliancePolicy | Select-Object Name, Enabled | Export-Csv -Path '"+path+"' -NoTypeInformation"); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if want := "\"Name\",\"Enabled\"\n\"Finance\",\"True\"\n\"HR\",\"False\"\n\"Legal\",\"True\"\n"; string(b) != want {
		t.Errorf("csv = %q", b)
	}
}

// blockingRemote never returns until its context is cancelled.
type blockingRemote struct{ started chan struct{} }

func (b blockingRemote) Commands() []runspace.CommandInfo {
	return []runspace.CommandInfo{{Name: "Get-Slow"}}
}
func (b blockingRemote) Invoke(ctx context.Context, _ runspace.Command, _ []clixml.Value, _ func(clixml.Value) error) error {
	close(b.started)
	<-ctx.Done()
	return ctx.Err()
}

func TestCancelStopsPipeline(t *testing.T) {
	br := blockingRemote{started: make(chan struct{})}
	s := New(Config{Sessions: []Session{{Remote: br}}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Run(ctx, "Get-Slow | Sort-Object; 'after'") }()
	<-br.started
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("pipeline did not stop")
	}
}

func TestREPLContinuation(t *testing.T) {
	s, _, out, _ := newTest(t)
	lio := NewScriptIO("$x = @{\n  a = 1\n}\n$x.a |\n  ForEach-Object { $_ + 1 }\n'done'")
	if err := s.REPL(context.Background(), lio); err != nil {
		t.Fatal(err)
	}
	if out.String() != "2\ndone\n" {
		t.Errorf("REPL output %q", out.String())
	}
}

func TestComplete(t *testing.T) {
	s, _, _, _ := newTest(t)
	s.Register(&LocalCommand{Name: "Set-Mode", Params: []Param{{Name: "Mode", Position: -1, Values: []string{"Enforce", "Simulate", "Disable"}}}, Run: writeOutput})
	tests := []struct {
		line string
		want string
	}{
		{"Get-Ret", "Get-RetentionCompliancePolicy"},
		{"get-exo", "Get-EXORetentionCompliancePolicy,Get-EXOUser"},
		{"Get-RetentionCompliancePolicy -Di", "-DistributionDetail"},
		{"Get-User | Sort-Object -D", "-Descending"},
		{"Get-User | Where", "Where-Object"},
		{"Set-Mode -Mode s", "Simulate"},
		{"Nope -x", ""},
	}
	for _, tc := range tests {
		if got := strings.Join(s.Complete(tc.line, len(tc.line)), ","); got != tc.want {
			t.Errorf("Complete(%q) = %q, want %q", tc.line, got, tc.want)
		}
	}
	suffixes, n := completer{s}.Do([]rune("Get-Ret"), 7)
	if n != 7 || len(suffixes) != 1 || string(suffixes[0]) != "entionCompliancePolicy" {
		t.Errorf("readline adapter = %q, %d", suffixes, n)
	}
}

func BenchmarkEvalPipeline(b *testing.B) {
	s := New(Config{Sessions: []Session{{Remote: &fakeRemote{}}}})
	for b.Loop() {
		if _, err := s.Eval(context.Background(), "Get-RetentionCompliancePolicy | Where-Object { $_.Enabled } | Sort-Object Name | Select-Object Name"); err != nil {
			b.Fatal(err)
		}
	}
}
