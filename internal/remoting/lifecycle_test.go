package remoting

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/runspace"
)

type recordingMetrics struct {
	mu        sync.Mutex
	opened    int
	closed    map[string]int
	pipelines []string
}

func (m *recordingMetrics) ShellOpened(string) { m.mu.Lock(); m.opened++; m.mu.Unlock() }
func (m *recordingMetrics) ShellClosed(_ string, reason string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed == nil {
		m.closed = map[string]int{}
	}
	m.closed[reason]++
}
func (m *recordingMetrics) PipelineDone(cmd string, _ time.Duration, state string) {
	m.mu.Lock()
	m.pipelines = append(m.pipelines, cmd+":"+state)
	m.mu.Unlock()
}

func TestIdleReaping(t *testing.T) {
	met := &recordingMetrics{}
	e := newEnv(t, false, func(c *Config) {
		c.IdleTimeout = 300 * time.Millisecond
		c.ReapInterval = 50 * time.Millisecond
		c.Metrics = met
	})
	c := e.dial("alice", nil)
	busy := e.dial("bob", nil)
	// bob keeps a Receive parked (Wait-Cancel) for longer than the idle
	// timeout: an active request keeps the shell alive.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- busy.Invoke(ctx, cmd("Wait-Cancel"), nil, Handlers{}) }()
	time.Sleep(900 * time.Millisecond)
	if err := c.Alive(context.Background()); !errors.Is(err, ErrShellNotFound) {
		t.Fatalf("idle shell still alive: %v", err)
	}
	if err := busy.Alive(context.Background()); err != nil {
		t.Fatalf("shell with a parked Receive was reaped: %v", err)
	}
	cancel()
	if err := <-done; !errors.Is(err, ErrStopped) {
		t.Fatalf("stop: %v", err)
	}
	// The server records the stopped pipeline after the client has its
	// answer: give it a moment.
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		met.mu.Lock()
		n := len(met.pipelines)
		met.mu.Unlock()
		if n > 0 {
			break
		}
	}
	met.mu.Lock()
	defer met.mu.Unlock()
	if met.opened != 2 || met.closed["idle"] != 1 || e.prov.closed.Load() != 1 {
		t.Fatalf("metrics %+v, runspace closes %d", met, e.prov.closed.Load())
	}
	if len(met.pipelines) != 1 || met.pipelines[0] != "Wait-Cancel:Stopped" {
		t.Fatalf("pipeline metrics %v", met.pipelines)
	}
}

func TestDeleteCompletesOutstandingReceives(t *testing.T) {
	e := newEnv(t, false, nil)
	c := e.dial("alice", nil)
	done := make(chan error, 2)
	go func() { done <- c.Invoke(context.Background(), cmd("Wait-Cancel"), nil, Handlers{}) }()
	// A parked pool-level Receive too.
	go func() {
		_, err := c.ws.receive(context.Background(), c.shellID, "")
		done <- err
	}()
	time.Sleep(200 * time.Millisecond)
	start := time.Now()
	if err := c.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		select {
		case err := <-done:
			if !errors.Is(err, ErrShellNotFound) {
				t.Fatalf("outstanding receive ended with %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Delete left a Receive parked")
		}
	}
	if time.Since(start) > 3*time.Second {
		t.Fatal("receives completed too late")
	}
	if n := e.prov.closed.Load(); n != 1 {
		t.Fatalf("Runspace.Close called %d times", n)
	}
	if err := c.Close(context.Background()); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestShutdown(t *testing.T) {
	e := newEnv(t, false, nil)
	c := e.dial("alice", nil)
	c2 := e.dial("bob", nil)
	res := make(chan error, 1)
	go func() { res <- c.Invoke(context.Background(), cmd("Wait-Cancel"), nil, Handlers{}) }()
	time.Sleep(100 * time.Millisecond)
	if got := len(e.srv.Shells()); got != 2 {
		t.Fatalf("Shells() = %d", got)
	}
	c3 := e.dial("carol", nil)
	if !e.srv.CloseShell(context.Background(), c3.ShellID()) || e.srv.CloseShell(context.Background(), c3.ShellID()) {
		t.Fatal("CloseShell should succeed exactly once")
	}
	if err := c3.Alive(context.Background()); !errors.Is(err, ErrShellNotFound) {
		t.Fatalf("Alive after CloseShell: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := e.srv.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown with a stuck pipeline: %v", err)
	}
	if e.prov.closed.Load() != 3 {
		t.Fatalf("runspaces closed: %d", e.prov.closed.Load())
	}
	select {
	case err := <-res:
		if err == nil {
			t.Fatal("pipeline completed across shutdown")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Invoke did not return after Shutdown")
	}
	if _, err := Dial(context.Background(), e.clientConfig("carol")); err == nil {
		t.Fatal("Dial succeeded after Shutdown")
	}
	if err := c2.Alive(context.Background()); !errors.Is(err, ErrShellNotFound) {
		t.Fatalf("Alive after Shutdown: %v", err)
	}
}

// fwd answers every unknown shell with 307 and counts calls.
type fwd struct{ n atomic.Int32 }

func (f *fwd) Forward(_ context.Context, w http.ResponseWriter, p *runspace.Principal, _ []byte, id string) bool {
	f.n.Add(1)
	w.Header().Set("X-Forwarded-Shell", id+"/"+p.UserID)
	w.WriteHeader(http.StatusTemporaryRedirect)
	return true
}

func TestForwarderAndAddressBinding(t *testing.T) {
	f := &fwd{}
	e := newEnv(t, false, func(c *Config) { c.Forwarder = f; c.BindClientAddress = true })
	c := e.dial("alice", nil)
	// Unknown shell → forwarder.
	env := receiveEnv(rawEnv{style: styleWindows, to: e.url, shellID: "C0FFEE00-0000-0000-0000-000000000000"}, "")
	status, _ := e.raw("alice").post(env.bytes())
	if status != http.StatusTemporaryRedirect || f.n.Load() != 1 {
		t.Fatalf("forwarder not consulted: %d %d", status, f.n.Load())
	}
	// Same principal from another address: not found (via the forwarder,
	// since the shell is not usable here).
	env = receiveEnv(rawEnv{style: styleWindows, to: e.url, shellID: c.ShellID()}, "")
	req := httptest.NewRequest(http.MethodPost, "/powershell-liveid", strings.NewReader(string(env.bytes())))
	req.RemoteAddr = "192.0.2.7:5555"
	req.Header.Set("Authorization", basicAuth("alice@contoso.com", "tok-alice"))
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusTemporaryRedirect || f.n.Load() != 2 {
		t.Fatalf("bound shell reachable from another address: %d", rec.Code)
	}
	if err := c.Alive(context.Background()); err != nil {
		t.Fatalf("creating address rejected: %v", err)
	}
}
