package load

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// buildIppsd compiles ./cmd/ippsd into a temporary directory.
func buildIppsd(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "ippsd")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/ipps/ipps/cmd/ippsd")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building ippsd: %v\n%s", err, out)
	}
	return bin
}

// startDev runs `ippsd dev` on a free port until the test ends and
// returns its dev.json facts.
func startDev(t *testing.T, bin string) DevFacts {
	t.Helper()
	dir := t.TempDir()
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	logf, err := os.Create(filepath.Join(dir, "ippsd.log"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := StartProcess("ippsd dev", bin, []string{"dev", "--data-dir", dir, "--listen", fmt.Sprintf("127.0.0.1:%d", port), "--quiet"},
		[]string{"IPPSD_DEBUG_PPROF=1"}, logf) // lets Run force a GC for the live-heap figure
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.Stop(10 * time.Second)
		logf.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logf.Name())
			t.Logf("ippsd log:\n%s", b)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	path := filepath.Join(dir, "dev.json")
	for {
		if _, err := os.Stat(path); err == nil {
			break
		}
		if p.Exited() || ctx.Err() != nil {
			t.Fatalf("ippsd dev wrote no dev.json (exited=%v)", p.Exited())
		}
		time.Sleep(100 * time.Millisecond)
	}
	facts, err := ReadDevFacts(path)
	if err != nil {
		t.Fatal(err)
	}
	client, err := NewHTTPClient(facts.CAFile, 4)
	if err != nil {
		t.Fatal(err)
	}
	if err := WaitReady(ctx, client, facts.IssuerURL, p); err != nil {
		t.Fatal(err)
	}
	return facts
}

func TestRunAgainstIppsdDev(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs ippsd")
	}
	facts := startDev(t, buildIppsd(t))
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	const users, shells = 3, 2
	accts, err := ProvisionDSN(ctx, facts.DSN, ProvisionConfig{Domain: facts.TenantDomain, Prefix: "smoke", Users: users, Password: "Smoke-pass-1!"}, log)
	if err != nil {
		t.Fatal(err)
	}
	// Provisioning again finds the users and resets their passwords.
	if _, err := ProvisionDSN(ctx, facts.DSN, ProvisionConfig{Domain: facts.TenantDomain, Prefix: "smoke", Users: users, Password: "Smoke-pass-2!"}, log); err != nil {
		t.Fatalf("second provisioning: %v", err)
	}
	for i := range accts {
		accts[i].Password = "Smoke-pass-2!"
	}
	httpc, err := NewHTTPClient(facts.CAFile, 16)
	if err != nil {
		t.Fatal(err)
	}
	mix, err := ParseMix("Get-RetentionCompliancePolicy=40,Get-ComplianceTag=20,New-RetentionCompliancePolicy=20,Set-RetentionCompliancePolicy=10,Remove-RetentionCompliancePolicy=10")
	if err != nil {
		t.Fatal(err)
	}
	r, err := Run(ctx, RunConfig{
		Target:   Target{Name: "ippsd", BaseURL: facts.IssuerURL, AuthorityURL: facts.AuthorityURL, ComplianceURI: facts.ComplianceURI, HTTP: httpc},
		Accounts: accts, ShellsPerUser: shells, Mix: mix, Duration: 3 * time.Second, Idle: time.Second, RunID: "smoke", Log: log,
	})
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	t.Logf("report:\n%s", text.String())

	if r.ShellsOpened != users*shells || r.ShellsWanted != users*shells {
		t.Errorf("shells opened %d of %d, want %d", r.ShellsOpened, r.ShellsWanted, users*shells)
	}
	if r.Completed == 0 || r.Errors != 0 {
		t.Errorf("completed %d, errors %d (%+v)", r.Completed, r.Errors, r.Targets)
	}
	if l := r.Latency; !(0 < l.P50 && l.P50 <= l.P90 && l.P90 <= l.P99 && l.P99 <= l.Max) {
		t.Errorf("latency percentiles out of order: %+v", l)
	}
	if want := float64(r.Completed) / r.DurationSeconds; r.Throughput != want || r.DurationSeconds < 3 {
		t.Errorf("throughput %v, want %v over %vs", r.Throughput, want, r.DurationSeconds)
	}
	var perCmdlet uint64
	for _, c := range r.Cmdlets {
		perCmdlet += c.Completed
	}
	if perCmdlet != r.Completed {
		t.Errorf("per-cmdlet completions sum to %d, total %d", perCmdlet, r.Completed)
	}
	w := r.Writes
	if w.Policies == 0 || w.Visible != w.Policies || w.LostCount != 0 || w.CheckErrors != 0 || w.Acknowledged < w.Policies {
		t.Errorf("write verification: %+v", w)
	}
	s := r.Server
	if s == nil || s.Idle.OpenShells-s.Before.OpenShells != users*shells || s.AfterClose.OpenShells != s.Before.OpenShells {
		t.Errorf("server open shells: %+v", s)
	}
	if s != nil && (s.Before.Goroutines == 0 || s.Idle.Goroutines <= s.Before.Goroutines) {
		t.Errorf("goroutines before %v idle %v", s.Before.Goroutines, s.Idle.Goroutines)
	}
	// With pprof served, Run forces a GC instead of waiting up to 2 min,
	// so the live heap per idle shell is measured.
	if !r.ForcedGC || s == nil || !s.LiveHeapValid || s.LiveHeapPerShell <= 0 {
		t.Errorf("forced GC %v; live heap per shell: %+v", r.ForcedGC, s)
	}
	if len(r.Goals) == 0 || !strings.Contains(text.String(), "GOAL") {
		t.Error("no goals in the report")
	}
	// The CPU window brackets exactly the measured calls: the server ran
	// each shell's seed and WarmupRounds Gets per shell before it, and
	// the measured calls (plus at most one in flight per shell) inside it.
	c := r.CPU
	if c == nil {
		t.Fatalf("no CPU report; warnings %v", r.Warnings)
	}
	if want := float64(users * shells * (1 + WarmupRounds)); c.BeforeClock != want {
		t.Errorf("server ran %v cmdlets before the clock, want %v (seed + %d warm-up rounds per shell)", c.BeforeClock, want, WarmupRounds)
	}
	if c.ServerCmdlets < float64(r.Completed) || c.ServerCmdlets > float64(r.Completed)+users*shells {
		t.Errorf("server ran %v cmdlets in the window, client completed %d", c.ServerCmdlets, r.Completed)
	}
	if c.ServerSeconds <= 0 || c.ClientSeconds <= 0 || c.ServerMs <= 0 || c.ClientMs <= 0 || c.Cores == 0 || c.Ceiling <= 0 || c.Busy <= 0 || c.Busy > float64(c.Cores)+0.5 {
		t.Errorf("CPU report: %+v", c)
	}
	if !strings.Contains(text.String(), "cpu per cmdlet") {
		t.Error("report text lacks the CPU line")
	}
}
