package cli

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func TestRunOutputFormats(t *testing.T) {
	ts := newTestServer(t)
	code, out, errOut := ts.runMain(t, "", nil, "run", "--output", "json", "Get-RetentionCompliancePolicy")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	var got []map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("json %q: %v", out, err)
	}
	if len(got) != 2 || got[0]["Name"] != "Finance 7y" || got[0]["Enabled"] != true || got[1]["Enabled"] != false {
		t.Fatalf("json %v", got)
	}

	code, out, _ = ts.runMain(t, "", nil, "run", "-o", "csv", "Get-RetentionCompliancePolicy")
	wantCSV := "\"Name\",\"Enabled\",\"Mode\"\n\"Finance 7y\",\"True\",\"Enforce\"\n\"HR 3y\",\"False\",\"Enforce\"\n"
	if code != 0 || out != wantCSV {
		t.Fatalf("csv exit %d:\n%s\nwant\n%s", code, out, wantCSV)
	}

	code, out, _ = ts.runMain(t, "", nil, "run", "Get-RetentionCompliancePolicy | Select-Object Name,Enabled")
	wantTable := `
Name       Enabled
----       -------
Finance 7y True
HR 3y      False


`
	if code != 0 || out != wantTable {
		t.Fatalf("table exit %d:\n%q\nwant\n%q", code, out, wantTable)
	}
	if n := ts.openShells(); n != 0 {
		t.Fatalf("%d shells left open after ipps run", n)
	}
}

func TestRunStdinAndFile(t *testing.T) {
	ts := newTestServer(t)
	code, out, errOut := ts.runMain(t, "Get-RetentionCompliancePolicy | Measure-Object\n", nil, "run", "-o", "json", "-")
	if code != 0 || !strings.Contains(out, `"Count": 2`) {
		t.Fatalf("stdin: exit %d out %q err %q", code, out, errOut)
	}
	file := t.TempDir() + "/s.ps1"
	writeFile(t, file, "$p = Get-RetentionCompliancePolicy\n$p | Where-Object Enabled | Select-Object -ExpandProperty Name\n")
	code, out, errOut = ts.runMain(t, "", nil, "run", "-f", file)
	if code != 0 || out != "Finance 7y\n" {
		t.Fatalf("file: exit %d out %q err %q", code, out, errOut)
	}
}

func TestRunExitCodes(t *testing.T) {
	ts := newTestServer(t)
	// A non-terminating remote error in the first statement fails the run
	// even though output followed.
	code, out, errOut := ts.runMain(t, "", nil, "run", "Get-ComplianceTag; Get-RetentionCompliancePolicy | Select-Object -First 1 -ExpandProperty Name")
	if code != ExitError || !strings.Contains(errOut, "The tag 'Old' couldn't be read.") || !strings.Contains(out, "Keep 1y") || !strings.Contains(out, "Finance 7y") {
		t.Fatalf("exit %d out %q err %q", code, out, errOut)
	}
	code, _, errOut = ts.runMain(t, "", nil, "run", "Get-Nothing")
	if code != ExitError || !strings.Contains(errOut, "The term 'Get-Nothing' is not recognized") {
		t.Fatalf("unknown command: exit %d err %q", code, errOut)
	}
	code, _, errOut = ts.runMain(t, "", nil, "run", "-o", "yaml", "Get-X")
	if code != ExitUsage || !strings.Contains(errOut, "yaml") {
		t.Fatalf("bad output flag: exit %d err %q", code, errOut)
	}
	code, _, _ = ts.runMain(t, "", nil, "run")
	if code != ExitUsage {
		t.Fatalf("no script: exit %d", code)
	}
	if n := ts.openShells(); n != 0 {
		t.Fatalf("%d shells left open", n)
	}
}

func TestRunPrefixesAndExchange(t *testing.T) {
	ts := newTestServer(t)
	code, out, errOut := ts.runMain(t, "", nil, "run", "--prefix", "Cc", "--with-exchange", "-o", "json",
		"Get-CcRetentionCompliancePolicy | Select-Object -First 1; Get-EXOMailbox")
	if code != 0 {
		t.Fatalf("exit %d err %q", code, errOut)
	}
	if !strings.Contains(out, `"Finance 7y"`) || !strings.Contains(out, `"chris@contoso.com"`) {
		t.Fatalf("out %q", out)
	}
	if ts.prov.count("Get-RetentionCompliancePolicy") != 1 || ts.exoProv.count("Get-Mailbox") != 1 {
		t.Fatal("prefixed names did not reach the remote names")
	}
	// Unprefixed names are not imported under a prefix.
	code, _, errOut = ts.runMain(t, "", nil, "run", "--prefix", "Cc", "Get-RetentionCompliancePolicy")
	if code != ExitError || !strings.Contains(errOut, "not recognized") {
		t.Fatalf("unprefixed: exit %d err %q", code, errOut)
	}
}

func TestTestTokenOnlyForLoopback(t *testing.T) {
	f, _, errOut := testFactory(t, "", false, nil)
	code := Main(context.Background(), f, []string{"run", "Get-X"})
	if code != ExitError || !strings.Contains(errOut.String(), TestTokenEnv+" is set, but it is honoured only for a loopback test server") {
		t.Fatalf("default endpoint: exit %d err %q", code, errOut)
	}
	for uri, want := range map[string]bool{
		"http://127.0.0.1:8080/powershell-liveid":            true,
		"https://127.0.0.1:8443/powershell-liveid":           false, // no --ca-file
		"https://ps.compliance.protection.outlook.com/x":     false,
		"http://ps.compliance.protection.outlook.com.evil/x": false,
	} {
		if got := testTokenAllowed(uri, ""); got != want {
			t.Errorf("%s: allowed %v", uri, got)
		}
	}
	if !testTokenAllowed("https://localhost:8443/powershell-liveid", "ca.pem") {
		t.Error("https loopback with --ca-file refused")
	}
}
