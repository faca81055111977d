package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
)

// buildIPPS builds cmd/ipps into a temporary directory once per test binary.
var buildIPPS = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "ipps-bin")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "ipps")
	out, err := exec.Command("go", "build", "-o", bin, "../../cmd/ipps").CombinedOutput()
	if err != nil {
		return "", &exec.ExitError{Stderr: out}
	}
	return bin, nil
})

func ippsBinary(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin, err := buildIPPS()
	if err != nil {
		t.Fatalf("go build: %v", err)
	}
	return bin
}

// ptyTerm is the built ipps running on a pseudo-terminal.
type ptyTerm struct {
	t   *testing.T
	cmd *exec.Cmd
	f   *os.File
	mu  sync.Mutex
	buf bytes.Buffer
	// done is closed when the process has exited.
	done chan struct{}
	err  error
}

func startPTY(t *testing.T, ts *testServer, args ...string) *ptyTerm {
	bin := ippsBinary(t)
	cmd := exec.Command(bin, append(args, "--connection-uri", ts.URL, "--ca-file", ts.CAFile, "--no-history")...)
	cmd.Env = append(os.Environ(), TestTokenEnv+"=tok-alice", "IPPS_CACHE_DIR="+t.TempDir(), "TERM=xterm", "IPPS_DEBUG="+os.Getenv("IPPS_TEST_DEBUG"))
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 120})
	if err != nil {
		t.Fatal(err)
	}
	p := &ptyTerm{t: t, cmd: cmd, f: f, done: make(chan struct{})}
	go func() {
		b := make([]byte, 4096)
		for {
			n, err := f.Read(b)
			p.mu.Lock()
			p.buf.Write(b[:n])
			p.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	go func() { p.err = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			cmd.Process.Kill()
			<-p.done
		}
		f.Close()
	})
	return p
}

// expect waits until the output since mark contains s and returns the new mark.
func (p *ptyTerm) expect(mark int, s string) int {
	p.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		p.mu.Lock()
		out := p.buf.String()
		p.mu.Unlock()
		if i := strings.Index(out[mark:], s); i >= 0 {
			return mark + i + len(s)
		}
		time.Sleep(10 * time.Millisecond)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.t.Fatalf("timed out waiting for %q; output since mark:\n%s", s, p.buf.String()[mark:])
	return 0
}

func (p *ptyTerm) send(s string) {
	if _, err := p.f.WriteString(s); err != nil {
		p.t.Fatal(err)
	}
}

func (p *ptyTerm) wait() {
	p.t.Helper()
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		p.t.Fatal("ipps did not exit")
	}
}

func TestInteractiveShellOnPTY(t *testing.T) {
	ts := newTestServer(t)
	p := startPTY(t, ts, "connect")
	m := p.expect(0, "commands imported")
	m = p.expect(m, "PS> ")

	// Tab completion of a remote command name, then run it.
	p.send("Get-Retent\t")
	m = p.expect(m, "Get-RetentionCompliancePolicy")
	p.send(" | Select-Object Name\r")
	m = p.expect(m, "Finance 7y")
	m = p.expect(m, "PS> ")

	// Ctrl+C stops a long-running remote pipeline and the prompt returns.
	p.send("Wait-TestForever\r")
	select {
	case <-ts.prov.started:
	case <-time.After(10 * time.Second):
		t.Fatal("remote pipeline did not start")
	}
	p.send("\x03")
	select {
	case <-ts.prov.stopped:
	case <-time.After(10 * time.Second):
		p.mu.Lock()
		defer p.mu.Unlock()
		t.Fatalf("remote pipeline was not stopped; terminal:\n%s", p.buf.String()[m:])
	}
	m = p.expect(m, "PS> ")
	p.send("Get-ConnectionInformation | Select-Object -ExpandProperty Name\r")
	m = p.expect(m, "ExchangeOnlineProtection_1")
	m = p.expect(m, "PS> ")
	if n := len(ts.scc.Shells()); n != 1 {
		t.Fatalf("%d shells open during the session", n)
	}

	// Ctrl+C at the prompt warns first, a second one exits and closes the shell.
	p.send("\x03")
	m = p.expect(m, ExitHint)
	p.send("\x03")
	p.wait()
	if p.err != nil {
		t.Fatalf("exit: %v", p.err)
	}
	if n := ts.openShells(); n != 0 {
		t.Fatalf("%d shells left open after exit", n)
	}
}

func TestSIGTERMClosesShells(t *testing.T) {
	ts := newTestServer(t)
	p := startPTY(t, ts, "connect", "--with-exchange")
	m := p.expect(0, "ExchangeOnline_1")
	p.expect(m, "PS> ")
	if n := ts.openShells(); n != 2 {
		t.Fatalf("%d shells open", n)
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	p.wait()
	if n := ts.openShells(); n != 0 {
		t.Fatalf("%d shells left open after SIGTERM", n)
	}
}
