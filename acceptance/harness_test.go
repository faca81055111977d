// Package acceptance runs ippsd and ipps as real processes: the binaries
// are built once, ippsd runs in dev mode (or as replicas on PostgreSQL),
// sign-ins go through the real pages in headless Chromium with real TOTP
// codes, and every assertion is made on what the ipps process printed.
package acceptance

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ipps/ipps/internal/authority/mfa"
	"github.com/ipps/ipps/internal/testbrowser"
)

var bin struct {
	once        sync.Once
	dir         string
	ippsd, ipps string
	err         error
}

// binaries builds ippsd and ipps once per test process.
func binaries(t *testing.T) (ippsd, ipps string) {
	t.Helper()
	bin.once.Do(func() {
		bin.dir, bin.err = os.MkdirTemp("", "ipps-acceptance-bin-")
		if bin.err != nil {
			return
		}
		for _, name := range []string{"ippsd", "ipps"} {
			out, err := exec.Command("go", "build", "-o", filepath.Join(bin.dir, name), "github.com/ipps/ipps/cmd/"+name).CombinedOutput()
			if err != nil {
				bin.err = fmt.Errorf("go build %s: %v\n%s", name, err, out)
				return
			}
		}
		bin.ippsd, bin.ipps = filepath.Join(bin.dir, "ippsd"), filepath.Join(bin.dir, "ipps")
	})
	if bin.err != nil {
		t.Fatal(bin.err)
	}
	return bin.ippsd, bin.ipps
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bin.dir != "" {
		os.RemoveAll(bin.dir)
	}
	os.Exit(code)
}

// DevFacts mirrors the fields of <data-dir>/dev.json the tests use.
type DevFacts struct {
	IssuerURL          string `json:"issuer_url"`
	AuthorityURL       string `json:"authority_url"`
	ComplianceURI      string `json:"compliance_uri"`
	ExchangeURI        string `json:"exchange_uri"`
	TenantID           string `json:"tenant_id"`
	AdminUPN           string `json:"admin_upn"`
	AdminPassword      string `json:"admin_password"`
	AdminTOTPSecret    string `json:"admin_totp_secret"`
	ReviewerUPN        string `json:"reviewer_upn"`
	ReviewerPassword   string `json:"reviewer_password"`
	ReviewerTOTPSecret string `json:"reviewer_totp_secret"`
	CAFile             string `json:"ca_file"`
	DSN                string `json:"dsn"`
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startProcess runs a long-lived process in its own process group and kills
// the group when the test ends.
func startProcess(t *testing.T, env []string, name string, args ...string) (*exec.Cmd, *syncBuffer) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
		if t.Failed() {
			t.Logf("%s output:\n%s", filepath.Base(name), out.String())
		}
	})
	return cmd, out
}

// startDev runs `ippsd dev` and waits until it is ready.
func startDev(t *testing.T) DevFacts {
	t.Helper()
	ippsd, _ := binaries(t)
	dir := t.TempDir()
	addr := freePort(t)
	startProcess(t, nil, ippsd, "dev", "--data-dir", dir, "--listen", addr, "--host", "127.0.0.1", "--quiet")
	var facts DevFacts
	deadline := time.Now().Add(90 * time.Second)
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "dev.json")); err == nil && json.Unmarshal(b, &facts) == nil {
			if ready(facts) {
				return facts
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("ippsd dev did not become ready within 90s")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func httpClient(caFile string) *http.Client {
	pool := x509.NewCertPool()
	if pem, err := os.ReadFile(caFile); err == nil {
		pool.AppendCertsFromPEM(pem)
	}
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

func ready(f DevFacts) bool {
	resp, err := httpClient(f.CAFile).Get(f.IssuerURL + "/readyz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// syncBuffer is a goroutine-safe output sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// browser starts headless Chromium, or skips (fails under IPPS_CI=1).
func browser(t *testing.T) context.Context { return testbrowser.Start(t) }

// deviceLogin completes a device-code sign-in in the browser: the user
// code, then username, password and a real TOTP code.
func deviceLogin(t *testing.T, bctx context.Context, verificationURL, userCode, upn, password, totpSecret string) {
	t.Helper()
	ctx, cancel := chromedp.NewContext(bctx)
	defer cancel()
	ctx, cancel2 := context.WithTimeout(ctx, 60*time.Second)
	defer cancel2()
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	err := chromedp.Do(ctx,
		chromedp.Navigate(verificationURL),
		chromedp.WaitVisible(css("#otc")),
		chromedp.SendKeys(css("#otc"), userCode),
		chromedp.Click(css("#next")),
		chromedp.WaitVisible(css("#username")),
		chromedp.SendKeys(css("#username"), upn),
		chromedp.Click(css("#next")),
		chromedp.WaitVisible(css("#password")),
		chromedp.SendKeys(css("#password"), password),
		chromedp.Click(css("#signin")),
		chromedp.WaitVisible(css("#otc")),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			code, err := mfa.TOTPCode(totpSecret, time.Now())
			if err != nil {
				return err
			}
			_, err = chromedp.SendKeys(css("#otc"), code)(ctx, tg)
			return err
		}),
		chromedp.Click(css("#verify")),
	)
	if err != nil {
		t.Fatalf("device login in the browser: %v", err)
	}
	// Wait for the final page: closing the tab earlier could abort the
	// last form post.
	deadline := time.Now().Add(30 * time.Second)
	for {
		text, _ := chromedp.Run(ctx, chromedp.Text(css("body")))
		if strings.Contains(text, "You have signed in") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("device login did not reach the signed-in page; page says: %s", text)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// parseDeviceMessage extracts the verification URL and user code from the
// Entra-style message "To sign in, use a web browser to open the page
// <url> and enter the code <CODE> to authenticate."
func parseDeviceMessage(msg string) (url, code string, ok bool) {
	i := strings.Index(msg, "open the page ")
	j := strings.Index(msg, " and enter the code ")
	if i < 0 || j < i {
		return "", "", false
	}
	url = strings.TrimSpace(msg[i+len("open the page ") : j])
	rest := strings.Fields(msg[j+len(" and enter the code "):])
	if len(rest) == 0 {
		return "", "", false
	}
	return url, strings.TrimSpace(rest[0]), true
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
