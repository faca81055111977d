package daemon_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/ipps/ipps/internal/authority"
	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/daemon"
	"github.com/ipps/ipps/internal/daemon/daemontest"
	"github.com/ipps/ipps/internal/remoting"
	"github.com/ipps/ipps/internal/runspace"
)

// run invokes one command on c and returns its output objects.
func run(t *testing.T, c *remoting.Client, name string, args ...runspace.Arg) ([]clixml.Value, error) {
	t.Helper()
	var out []clixml.Value
	err := c.Invoke(context.Background(), []runspace.Command{{Name: name, Args: args}}, nil, remoting.Handlers{Output: func(v clixml.Value) { out = append(out, v) }})
	return out, err
}

func TestDaemonEndToEnd(t *testing.T) {
	s := daemontest.Start(t, nil)
	ctx := context.Background()
	password := s.OrgAdmin(t, "ops@contoso.test")

	tok := s.PasswordToken(t, "ops@contoso.test", password, authority.ResourceCompliance)
	scc := s.Dial(t, daemon.CompliancePath, "ops@contoso.test", tok)
	defer scc.Close(ctx)
	if _, err := run(t, scc, "New-RetentionCompliancePolicy", runspace.Arg{Name: "Name", Value: "Finance"}, runspace.Arg{Name: "ExchangeLocation", Value: "All"}); err != nil {
		t.Fatalf("New-RetentionCompliancePolicy: %v", err)
	}
	out, err := run(t, scc, "Get-RetentionCompliancePolicy")
	if err != nil || len(out) != 1 {
		t.Fatalf("Get-RetentionCompliancePolicy: %v %v", out, err)
	}
	if name, _ := clixml.AsString(mustGet(t, out[0], "Name")); name != "Finance" {
		t.Fatalf("policy name %q", name)
	}
	cmds, err := scc.Commands(ctx)
	if err != nil || len(cmds) < 10 {
		t.Fatalf("metadata: %d %v", len(cmds), err)
	}

	// The compliance token is refused on the Exchange endpoint (audience).
	if _, err := remoting.Dial(ctx, remoting.ClientConfig{URL: s.URL + daemon.ExchangePath, Username: "ops@contoso.test", Password: "Bearer " + tok, HTTPClient: s.Client}); !errors.Is(err, remoting.ErrAccessDenied) {
		t.Fatalf("SCC token on EXO endpoint: %v", err)
	}
	exoTok := s.PasswordToken(t, "ops@contoso.test", password, authority.ResourceExchange)
	exo := s.Dial(t, daemon.ExchangePath, "ops@contoso.test", exoTok)
	defer exo.Close(ctx)
	users, err := run(t, exo, "Get-User", runspace.Arg{Name: "Identity", Value: "ops@contoso.test"})
	if err != nil || len(users) != 1 {
		t.Fatalf("Get-User: %v %v", users, err)
	}

	// Health, readiness and metrics (two successful password sign-ins).
	for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ready", "/metrics": `ippsd_open_shells{endpoint="compliance"} 1`} {
		resp, err := s.Client.Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b := make([]byte, 1<<20)
		n, _ := resp.Body.Read(b)
		for n < len(b) {
			m, err := resp.Body.Read(b[n:])
			n += m
			if err != nil {
				break
			}
		}
		resp.Body.Close()
		if !strings.Contains(string(b[:n]), want) {
			t.Errorf("%s lacks %q", path, want)
		}
	}
}

func TestMetricsCountSignInsAndCmdlets(t *testing.T) {
	s := daemontest.Start(t, nil)
	ctx := context.Background()
	password := s.OrgAdmin(t, "ops@contoso.test")
	c := s.Dial(t, daemon.CompliancePath, "ops@contoso.test", s.PasswordToken(t, "ops@contoso.test", password, authority.ResourceCompliance))
	if _, err := run(t, c, "Get-ComplianceTag"); err != nil {
		t.Fatal(err)
	}
	c.Close(ctx)
	resp, err := s.Client.Get(s.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	if _, err := io.Copy(&b, resp.Body); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`ippsd_signins_total{result="success"} 1`,
		`ippsd_cmdlet_duration_seconds_count{cmdlet="Get-ComplianceTag",outcome="ok"} 1`,
		`ippsd_open_shells{endpoint="compliance"} 0`,
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

func mustGet(t *testing.T, v clixml.Value, name string) clixml.Value {
	t.Helper()
	o, ok := v.(*clixml.Object)
	if !ok {
		t.Fatalf("not an object: %#v", v)
	}
	p, ok := o.Get(name)
	if !ok {
		t.Fatalf("object lacks %s: %+v", name, o)
	}
	return p
}

// TestImportPSSessionSequence replays what Windows PowerShell's
// Import-PSSession sends after the pool opens (remoting-protocol.md §5):
// GET_COMMAND_METADATA, then Get-FormatData | Measure-Object, then
// Get-FormatData, against the real daemon.
func TestImportPSSessionSequence(t *testing.T) {
	s := daemontest.Start(t, nil)
	ctx := context.Background()
	password := s.OrgAdmin(t, "ops@contoso.test")
	c := s.Dial(t, daemon.CompliancePath, "ops@contoso.test", s.PasswordToken(t, "ops@contoso.test", password, authority.ResourceCompliance))
	defer c.Close(ctx)
	cmds, err := c.Commands(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var sawPolicy bool
	for _, ci := range cmds {
		if ci.Name == "Get-RetentionCompliancePolicy" {
			sawPolicy = true
			var common int
			for _, p := range ci.Parameters {
				switch p.Name {
				case "Verbose", "Debug", "ErrorAction", "WarningAction", "InformationAction", "ErrorVariable",
					"WarningVariable", "InformationVariable", "OutVariable", "OutBuffer", "PipelineVariable":
					common++
				}
			}
			if common != 11 {
				t.Fatalf("Get-RetentionCompliancePolicy metadata has %d of the 11 common parameters", common)
			}
		}
	}
	if !sawPolicy {
		t.Fatal("metadata lacks Get-RetentionCompliancePolicy")
	}
	var count clixml.Value
	err = c.Invoke(ctx, []runspace.Command{
		{Name: "Get-FormatData", Args: []runspace.Arg{{Name: "TypeName", Value: "*"}, {Name: "PowerShellVersion", Value: clixml.Version("5.1.19041.1")}}},
		{Name: "Measure-Object"},
	}, nil, remoting.Handlers{Output: func(v clixml.Value) { count = v }})
	if err != nil {
		t.Fatalf("Get-FormatData | Measure-Object: %v", err)
	}
	n, _ := clixml.AsInt64(mustGet(t, count, "Count"))
	if n < 1 {
		t.Fatalf("format data count %d", n)
	}
	views, err := run(t, c, "Get-FormatData", runspace.Arg{Name: "TypeName", Value: "*"})
	if err != nil || int64(len(views)) != n {
		t.Fatalf("Get-FormatData returned %d objects (count said %d): %v", len(views), n, err)
	}
}
