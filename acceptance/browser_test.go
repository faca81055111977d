package acceptance

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ipps/ipps/internal/authority/mfa"
)

// TestBrowserSignIn is the default `ipps` sign-in: MSAL opens the system
// browser on the authorize URL (PKCE, loopback redirect). The "system
// browser" here is a stub xdg-open on PATH that hands the URL to headless
// Chromium, which signs in with the password and a real TOTP code.
func TestBrowserSignIn(t *testing.T) {
	bctx := browser(t)
	f := startDev(t)
	u := newUser(t, f, f.AdminUPN)

	stub := t.TempDir()
	urlFile := filepath.Join(stub, "url")
	script := "#!/bin/sh\nprintf '%s' \"$1\" > " + urlFile + ".tmp && mv " + urlFile + ".tmp " + urlFile + "\n"
	for _, name := range []string{"xdg-open", "x-www-browser", "www-browser"} {
		if err := os.WriteFile(filepath.Join(stub, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	_, ipps := binaries(t)
	cmd := exec.Command(ipps, "run", "--output", "json", "Get-ComplianceTag")
	cmd.Env = append(os.Environ(), u.env...)
	cmd.Env = append(cmd.Env, "PATH="+stub+":"+os.Getenv("PATH"), "DISPLAY=:99")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var out, errb syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)

	var authURL string
	waitFor(t, func() bool {
		b, err := os.ReadFile(urlFile)
		authURL = string(b)
		return err == nil && authURL != ""
	}, "ipps to open the browser; stderr:\n%s", &errb)
	if !strings.Contains(authURL, "/oauth2/v2.0/authorize?") || !strings.Contains(authURL, "code_challenge_method=S256") ||
		!strings.Contains(authURL, "redirect_uri=http%3A%2F%2Flocalhost%3A") {
		t.Fatalf("authorize URL is not a PKCE loopback request: %s", authURL)
	}

	ctx, cancel := chromedp.NewContext(bctx)
	defer cancel()
	ctx, cancel2 := context.WithTimeout(ctx, 60*time.Second)
	defer cancel2()
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	err := chromedp.Do(ctx,
		chromedp.Navigate(authURL),
		chromedp.WaitVisible(css("#username")),
		chromedp.SetValue(css("#username"), f.AdminUPN), // MSAL sent login_hint: the field is prefilled
		chromedp.Click(css("#next")),
		chromedp.WaitVisible(css("#password")),
		chromedp.SendKeys(css("#password"), f.AdminPassword),
		chromedp.Click(css("#signin")),
		chromedp.WaitVisible(css("#otc")),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			code, err := mfa.TOTPCode(f.AdminTOTPSecret, time.Now())
			if err != nil {
				return err
			}
			_, err = chromedp.SendKeys(css("#otc"), code)(ctx, tg)
			return err
		}),
		chromedp.Click(css("#verify")),
	)
	if err != nil {
		dctx, dcancel := context.WithTimeout(ctx, 5*time.Second)
		defer dcancel()
		loc, _ := chromedp.Run(dctx, chromedp.Location())
		text, _ := chromedp.Run(dctx, chromedp.Text(css("body")))
		t.Fatalf("browser sign-in: %v\npage %s: %s\nipps stderr:\n%s", err, loc, text, errb.String())
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("ipps run after browser sign-in: %v\n%s", err, errb.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("ipps run did not finish after the browser sign-in; stderr:\n%s", errb.String())
	}
	if !strings.Contains(out.String(), "Finance-7y") {
		t.Fatalf("output lacks the seeded label:\n%s", out.String())
	}
	// The token is cached: the next run needs no browser at all.
	os.Remove(urlFile)
	if got := names(u.runJSON("Get-ComplianceTag")); !has(got, "HR-Delete-3y") {
		t.Fatalf("cached run: %v", got)
	}
	if _, err := os.Stat(urlFile); err == nil {
		t.Fatal("the cached run opened the browser again")
	}
}

// TestAuditSurvivesKill: a cmdlet's audit record is durable once the
// cmdlet has returned — kill -9 the server, restart it on the same data
// directory, and the record is there.
func TestAuditSurvivesKill(t *testing.T) {
	bctx := browser(t)
	ippsd, _ := binaries(t)
	dir := t.TempDir()
	addr := freePort(t)
	proc, _ := startProcess(t, nil, ippsd, "dev", "--data-dir", dir, "--listen", addr, "--host", "127.0.0.1", "--quiet")
	f := waitDev(t, dir)
	admin := newUser(t, f, f.AdminUPN)
	admin.signIn(bctx, sccResource, f.AdminUPN, f.AdminPassword, f.AdminTOTPSecret)
	admin.runJSON("New-RetentionCompliancePolicy -Name 'Durable' -ExchangeLocation All")

	if err := syscall.Kill(-proc.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	proc.Wait()
	startProcess(t, nil, ippsd, "dev", "--data-dir", dir, "--listen", addr, "--host", "127.0.0.1", "--quiet")
	f = waitDev(t, dir)
	admin.signInSilentExchange(t, f)
	day := time.Now().UTC()
	audit := admin.runJSON("Search-EXOUnifiedAuditLog -StartDate '"+day.Add(-24*time.Hour).Format("01/02/2006")+"' -EndDate '"+
		day.Add(24*time.Hour).Format("01/02/2006")+"' -Operations New-RetentionCompliancePolicy", "--with-exchange")
	found := false
	for _, r := range audit {
		if strings.Contains(toJSON(r), "Durable") {
			found = true
		}
	}
	if !found {
		t.Fatalf("audit record of New-RetentionCompliancePolicy 'Durable' lost across kill -9: %v", audit)
	}
}

func waitDev(t *testing.T, dir string) DevFacts {
	t.Helper()
	var facts DevFacts
	waitFor(t, func() bool {
		b, err := os.ReadFile(filepath.Join(dir, "dev.json"))
		return err == nil && jsonUnmarshal(b, &facts) == nil && ready(facts)
	}, "ippsd dev to be ready")
	return facts
}
