package acceptance

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// user is one signed-in ipps identity: its own config dir (token cache)
// and connection settings in the environment.
type user struct {
	t   *testing.T
	env []string
}

func newUser(t *testing.T, f DevFacts, upn string) *user {
	home := t.TempDir()
	return &user{t: t, env: []string{
		"HOME=" + home, "XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"IPPS_UPN=" + upn, "IPPS_CONNECTION_URI=" + f.ComplianceURI,
		"IPPS_AUTHORITY=" + f.AuthorityURL, "IPPS_CA_FILE=" + f.CAFile,
	}}
}

// ipps runs the client to completion and returns stdout, stderr and the
// exit code.
func (u *user) ipps(args ...string) (stdout, stderr string, code int) {
	u.t.Helper()
	_, ipps := binaries(u.t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, ipps, args...)
	cmd.Env = append(os.Environ(), u.env...)
	var out, errb syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code = 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		u.t.Fatalf("ipps %v: %v", args, err)
	}
	return out.String(), errb.String(), code
}

// signIn runs `ipps token --device` and completes the device flow in the
// browser with the user's password and a real TOTP code.
func (u *user) signIn(bctx context.Context, resource, upn, password, totp string) {
	u.t.Helper()
	_, ipps := binaries(u.t)
	cmd := exec.Command(ipps, "token", "--device", "--resource", resource)
	cmd.Env = append(os.Environ(), u.env...)
	var out, errb syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		u.t.Fatal(err)
	}
	defer cmd.Process.Kill()
	deadline := time.Now().Add(60 * time.Second)
	var url, code string
	for {
		var ok bool
		if url, code, ok = parseDeviceMessage(errb.String()); ok {
			break
		}
		if time.Now().After(deadline) {
			u.t.Fatalf("no device code message from ipps token; stderr:\n%s", errb.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	deviceLogin(u.t, bctx, url, code, upn, password, totp)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			u.t.Fatalf("ipps token: %v\n%s", err, errb.String())
		}
	case <-time.After(60 * time.Second):
		u.t.Fatalf("ipps token did not finish after the browser sign-in; stderr:\n%s", errb.String())
	}
	if tok := strings.TrimSpace(out.String()); strings.Count(tok, ".") != 2 {
		u.t.Fatalf("ipps token printed %q, not a JWT", tok)
	}
}

func (u *user) runJSON(script string, extra ...string) []map[string]any {
	u.t.Helper()
	args := append([]string{"run", "--no-prompt", "--output", "json"}, extra...)
	stdout, stderr, code := u.ipps(append(args, script)...)
	if code != 0 {
		u.t.Fatalf("ipps run %q: exit %d\n%s", script, code, stderr)
	}
	var objs []map[string]any
	if err := json.Unmarshal([]byte(stdout), &objs); err != nil {
		u.t.Fatalf("ipps run %q: output is not a JSON array: %v\n%s", script, err, stdout)
	}
	return objs
}

func names(objs []map[string]any) []string {
	var out []string
	for _, o := range objs {
		if n, ok := o["Name"].(string); ok {
			out = append(out, n)
		}
	}
	return out
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

const (
	sccResource = "https://ps.compliance.protection.outlook.com"
	exoResource = "https://outlook.office365.com"
)

// TestAcceptance is the whole story of the page, with real processes.
func TestAcceptance(t *testing.T) {
	bctx := browser(t)
	f := startDev(t)
	admin := newUser(t, f, f.AdminUPN)

	// Sign in with MFA (device code, password, TOTP), then connect and
	// import from the cached token without any prompt.
	admin.signIn(bctx, sccResource, f.AdminUPN, f.AdminPassword, f.AdminTOTPSecret)
	if got := names(admin.runJSON("Get-RetentionCompliancePolicy")); !has(got, "Contoso Mailboxes") {
		t.Fatalf("seeded policy missing: %v", got)
	}

	// Create, list, change and remove a retention policy.
	admin.runJSON("New-RetentionCompliancePolicy -Name 'Acceptance Policy' -ExchangeLocation All -Comment 'made by the acceptance suite'")
	got := admin.runJSON("Get-RetentionCompliancePolicy -Identity 'Acceptance Policy'")
	if len(got) != 1 || got[0]["Comment"] != "made by the acceptance suite" {
		t.Fatalf("created policy: %v", got)
	}
	admin.runJSON("Set-RetentionCompliancePolicy -Identity 'Acceptance Policy' -Comment changed")
	if got := admin.runJSON("Get-RetentionCompliancePolicy -Identity 'Acceptance Policy'"); got[0]["Comment"] != "changed" {
		t.Fatalf("changed policy: %v", got)
	}
	admin.runJSON("Remove-RetentionCompliancePolicy -Identity 'Acceptance Policy' -Confirm:$false")
	// As in the service, a removed policy is PendingDeletion until the
	// distributor has cleaned it up (ippsd dev distributes every 2 s).
	if got := admin.runJSON("Get-RetentionCompliancePolicy -Identity 'Acceptance Policy'"); len(got) == 1 && got[0]["DistributionStatus"] != "PendingDeletion" {
		t.Fatalf("removed policy: %v", got)
	}
	waitFor(t, func() bool { return !has(names(admin.runJSON("Get-RetentionCompliancePolicy")), "Acceptance Policy") }, "the removed policy to disappear")

	// A reviewer is refused by RBAC: the cmdlet does not exist for them.
	reviewer := newUser(t, f, f.ReviewerUPN)
	reviewer.signIn(bctx, sccResource, f.ReviewerUPN, f.ReviewerPassword, f.ReviewerTOTPSecret)
	_, stderr, code := reviewer.ipps("run", "--no-prompt", "New-RetentionCompliancePolicy -Name Nope -ExchangeLocation All")
	if code == 0 || !strings.Contains(stderr, "The term 'New-RetentionCompliancePolicy' is not recognized as the name of a cmdlet") {
		t.Fatalf("reviewer was not refused (exit %d):\n%s", code, stderr)
	}

	// The sixth connection is refused with Exchange's text.
	var holders []io.WriteCloser
	for i := range 5 {
		_, ipps := binaries(t)
		cmd := exec.Command(ipps, "connect", "--no-prompt")
		cmd.Env = append(os.Environ(), admin.env...)
		stdin, _ := cmd.StdinPipe()
		var out syncBuffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		holders = append(holders, stdin)
		t.Cleanup(func() { stdin.Close(); cmd.Process.Kill(); cmd.Wait() })
		waitFor(t, func() bool { return openShells(t, f) >= i+1 }, "shell %d to open; ipps said:\n%s", i+1, &out)
	}
	_, stderr, code = admin.ipps("run", "--no-prompt", "Get-ComplianceTag")
	if code == 0 || !strings.Contains(stderr, "Fail to create a runspace because you have exceeded the maximum number of connections allowed : 5 for the policy party : MaxConcurrency") {
		t.Fatalf("sixth connection not refused (exit %d):\n%s", code, stderr)
	}
	holders[0].Close() // one session ends: its shell is deleted and the budget frees up
	waitFor(t, func() bool { return openShells(t, f) == 4 }, "a shell to close")
	admin.runJSON("Get-ComplianceTag")
	for _, h := range holders[1:] {
		h.Close()
	}
	waitFor(t, func() bool { return openShells(t, f) == 0 }, "all shells to close")

	// Remote PowerShell disabled for an account (Set-User on Exchange Online).
	admin.signInSilentExchange(t, f)
	admin.runJSON("Set-EXOUser -Identity '"+f.ReviewerUPN+"' -RemotePowerShellEnabled $false", "--with-exchange")
	_, stderr, code = reviewer.ipps("run", "--no-prompt", "Get-ComplianceTag")
	if code == 0 || !strings.Contains(stderr, "Access is denied") {
		t.Fatalf("disabled account not refused (exit %d):\n%s", code, stderr)
	}

	// The audit log shows all of the above.
	day := time.Now().UTC()
	audit := admin.runJSON("Search-EXOUnifiedAuditLog -StartDate '"+day.Add(-24*time.Hour).Format("01/02/2006")+"' -EndDate '"+day.Add(24*time.Hour).Format("01/02/2006")+"' -ResultSize 5000",
		"--with-exchange")
	ops := map[string]bool{}
	for _, r := range audit {
		if op, ok := r["Operations"].(string); ok {
			ops[op] = true
		}
	}
	for _, want := range []string{"New-RetentionCompliancePolicy", "Set-RetentionCompliancePolicy", "Remove-RetentionCompliancePolicy", "Set-User"} {
		if !ops[want] {
			t.Errorf("audit log lacks %s; operations seen: %v", want, ops)
		}
	}
}

// signInSilentExchange gets an Exchange Online token from the cached
// sign-in (the refresh token is multi-resource, as Entra's is).
func (u *user) signInSilentExchange(t *testing.T, f DevFacts) {
	t.Helper()
	if _, stderr, code := u.ipps("token", "--no-prompt", "--resource", exoResource); code != 0 {
		t.Fatalf("silent Exchange Online token: exit %d\n%s", code, stderr)
	}
}

var openShellsRE = regexp.MustCompile(`(?m)^ippsd_open_shells\{endpoint="compliance"\} (\d+)`)

func openShells(t *testing.T, f DevFacts) int {
	resp, err := httpClient(f.CAFile).Get(f.IssuerURL + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	m := openShellsRE.FindSubmatch(b)
	if m == nil {
		return 0
	}
	n := 0
	for _, c := range m[1] {
		n = n*10 + int(c-'0')
	}
	return n
}

func waitFor(t *testing.T, cond func() bool, what string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			for i, a := range args {
				if s, ok := a.(interface{ String() string }); ok {
					args[i] = s.String()
				}
			}
			t.Fatalf("timed out waiting for "+what, args...)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
