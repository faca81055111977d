package remoting

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/psrp"
	"github.com/ipps/ipps/internal/runspace"
)

// testEnv is a real Server behind httptest on loopback.
type testEnv struct {
	t        testing.TB
	srv      *Server
	prov     *fakeProvider
	hs       *httptest.Server
	url      string
	tlsConf  *tls.Config
	baseline int
}

func testLogger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// newEnv starts a server; mutate adjusts its Config. With useTLS the
// listener serves HTTPS with a certificate from a throwaway CA.
func newEnv(t testing.TB, useTLS bool, mutate func(*Config)) *testEnv {
	t.Helper()
	base := runtime.NumGoroutine()
	cfg := Config{ReapInterval: 50 * time.Millisecond}
	if mutate != nil {
		mutate(&cfg)
	}
	prov := &fakeProvider{}
	srv, err := NewServer(cfg, testAuth{}, prov, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(srv)
	e := &testEnv{t: t, srv: srv, prov: prov, hs: hs, baseline: base}
	if useTLS {
		ca := newTestCA(t)
		hs.TLS = &tls.Config{Certificates: []tls.Certificate{ca.server}}
		hs.StartTLS()
		e.tlsConf = &tls.Config{RootCAs: ca.pool, ServerName: "127.0.0.1"}
	} else {
		hs.Start()
	}
	e.url = hs.URL + "/PowerShell-LiveID?BasicAuthToOAuthConversion=true;PSVersion=5.1.19041.1"
	t.Cleanup(e.close)
	return e
}

func (e *testEnv) close() {
	e.srv.Close()
	e.hs.CloseClientConnections()
	e.hs.Close()
	checkGoroutines(e.t, e.baseline)
}

// checkGoroutines waits for the goroutine count to return to base.
func checkGoroutines(t testing.TB, base int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= base {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Errorf("goroutines: %d, baseline %d\n%s", n, base, buf)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (e *testEnv) clientConfig(user string) ClientConfig {
	return ClientConfig{URL: e.url, Username: user + "@contoso.com", Password: "Bearer tok-" + user,
		TLSConfig: e.tlsConf, Logger: testLogger(e.t), OperationTimeout: 20 * time.Second}
}

func (e *testEnv) dial(user string, mutate func(*ClientConfig)) *Client {
	e.t.Helper()
	cfg := e.clientConfig(user)
	if mutate != nil {
		mutate(&cfg)
	}
	c, err := Dial(context.Background(), cfg)
	if err != nil {
		e.t.Fatalf("Dial: %v", err)
	}
	e.t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

func cmd(name string, args ...runspace.Arg) []runspace.Command {
	return []runspace.Command{{Name: name, Args: args}}
}

func intArg(name string, v int) runspace.Arg { return runspace.Arg{Name: name, Value: int32(v)} }

// collect runs a pipeline and returns its outputs.
func collect(t testing.TB, c *Client, cmds []runspace.Command, input []clixml.Value) ([]clixml.Value, error) {
	t.Helper()
	var out []clixml.Value
	err := c.Invoke(context.Background(), cmds, input, Handlers{Output: func(v clixml.Value) { out = append(out, v) }})
	return out, err
}

func TestEndToEnd(t *testing.T) {
	for _, useTLS := range []bool{false, true} {
		name := "http"
		if useTLS {
			name = "https"
		}
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, useTLS, nil)
			c := e.dial("alice", nil)

			out, err := collect(t, c, cmd("Get-Number", intArg("Count", 10)), nil)
			if err != nil || len(out) != 10 || out[9] != int32(9) {
				t.Fatalf("Get-Number: %v %v", out, err)
			}

			var errs []*psrp.ErrorRecord
			var infos []psrp.InformationalRecord
			var progress []psrp.ProgressRecord
			var information []psrp.InformationRecord
			out = nil
			err = c.Invoke(context.Background(), cmd("Write-Streams"), nil, Handlers{
				Output:        func(v clixml.Value) { out = append(out, v) },
				Error:         func(r *psrp.ErrorRecord) { errs = append(errs, r) },
				Informational: func(r psrp.InformationalRecord) { infos = append(infos, r) },
				Progress:      func(r psrp.ProgressRecord) { progress = append(progress, r) },
				Information:   func(r psrp.InformationRecord) { information = append(information, r) },
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(out) != 1 || out[0] != "hello" || len(errs) != 1 || errs[0].Message != "soft error" ||
				len(infos) != 3 || infos[0].Kind != psrp.Warning || infos[1].Kind != psrp.Verbose || infos[2].Message != "dbg" ||
				len(progress) != 1 || progress[0].Activity != "act" || progress[0].PercentComplete != 50 ||
				len(information) != 1 || information[0].Source != "src" {
				t.Fatalf("streams: out=%v errs=%v infos=%v progress=%v information=%v", out, errs, infos, progress, information)
			}

			_, err = collect(t, c, cmd("Fail-Now"), nil)
			var pe *PipelineError
			if !errors.As(err, &pe) || pe.Record.Message != "it failed" || pe.Record.FullyQualifiedErrorID != "Boom" {
				t.Fatalf("Fail-Now: %v", err)
			}
			_, err = collect(t, c, cmd("No-Such"), nil)
			if !errors.Is(err, ErrCommandNotFound) {
				t.Fatalf("unknown command: %v", err)
			}

			in := []clixml.Value{"a", int32(2), nil, true}
			out, err = collect(t, c, cmd("Echo-Input"), in)
			if err != nil || len(out) != 4 || out[0] != "a" || out[1] != int32(2) || out[2] != nil || out[3] != true {
				t.Fatalf("Echo-Input: %#v %v", out, err)
			}

			cmds, err := c.Commands(context.Background(), "Get-*")
			if err != nil || len(cmds) != 2 || cmds[0].Name != "Get-Big" || cmds[1].Name != "Get-Number" {
				t.Fatalf("Commands: %+v %v", cmds, err)
			}
			if len(cmds[1].Parameters) < 12 { // Count + the common parameters
				t.Fatalf("metadata parameters: %+v", cmds[1].Parameters)
			}

			if err := c.Alive(context.Background()); err != nil {
				t.Fatalf("Alive: %v", err)
			}
			if err := c.Close(context.Background()); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if err := c.Alive(context.Background()); !errors.Is(err, ErrShellNotFound) {
				t.Fatalf("Alive after Close: %v", err)
			}
			if e.prov.closed.Load() != 1 {
				t.Fatalf("runspace closes = %d", e.prov.closed.Load())
			}
		})
	}
}

func TestConcurrentPipelinesAndStop(t *testing.T) {
	e := newEnv(t, false, nil)
	c := e.dial("alice", nil)
	var wg sync.WaitGroup
	errc := make(chan error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := collect(t, c, cmd("Get-Number", intArg("Count", 100+i)), nil)
			if err == nil && len(out) != 100+i {
				err = errors.New("wrong count")
			}
			errc <- err
		}()
	}
	// A pipeline that blocks until stopped runs alongside.
	ctx, cancel := context.WithCancel(context.Background())
	stopErr := make(chan error, 1)
	go func() { stopErr <- c.Invoke(ctx, cmd("Wait-Cancel"), nil, Handlers{}) }()
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-stopErr:
		if !errors.Is(err, ErrStopped) || !errors.Is(err, context.Canceled) {
			t.Fatalf("stop: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("stop did not return")
	}
}

// envelopeGuard wraps the server and fails the test when a response is
// larger than the MaxEnvelopeSize of the request it answers.
func envelopeGuard(t *testing.T, e *testEnv) *atomic.Int64 {
	var largest atomic.Int64
	re := regexp.MustCompile(`MaxEnvelopeSize[^>]*>(\d+)<`)
	e.hs.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		m := re.FindSubmatch(body)
		rec := httptest.NewRecorder()
		e.srv.ServeHTTP(rec, r)
		if m != nil {
			limit, _ := strconv.Atoi(string(m[1]))
			if rec.Body.Len() > limit {
				t.Errorf("response of %d bytes for MaxEnvelopeSize %d", rec.Body.Len(), limit)
			}
			if n := int64(rec.Body.Len()); n > largest.Load() {
				largest.Store(n)
			}
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	})
	return &largest
}

func TestManyFragmentsAndEnvelopes(t *testing.T) {
	e := newEnv(t, false, nil)
	largest := envelopeGuard(t, e)
	for _, maxEnv := range []int{153600, 9000} {
		c := e.dial("alice", func(cc *ClientConfig) { cc.MaxEnvelopeSize = maxEnv })
		out, err := collect(t, c, cmd("Get-Number", intArg("Count", 5000)), nil)
		if err != nil || len(out) != 5000 {
			t.Fatalf("max %d: %d objects, %v", maxEnv, len(out), err)
		}
		for i, v := range out {
			if v != int32(i) {
				t.Fatalf("object %d = %v", i, v)
			}
		}
		// One object larger than an envelope spans several responses.
		out, err = collect(t, c, cmd("Get-Big", intArg("Size", 3*maxEnv)), nil)
		if err != nil || len(out) != 1 || len(out[0].(string)) != 3*maxEnv {
			t.Fatalf("Get-Big: %v", err)
		}
		// Responses are packed close to the limit, not merely under it.
		if l := largest.Swap(0); l < int64(maxEnv)*9/10 {
			t.Fatalf("largest response %d bytes for MaxEnvelopeSize %d: packing is too loose", l, maxEnv)
		}
	}
}

// The client re-polls after TimedOut faults: a command that runs for
// longer than the OperationTimeout still completes.
func TestClientRetriesTimedOutReceives(t *testing.T) {
	e := newEnv(t, false, nil)
	c := e.dial("alice", func(cc *ClientConfig) { cc.OperationTimeout = 600 * time.Millisecond })
	out, err := collect(t, c, cmd("Sleep-Ms", intArg("Ms", 900)), nil)
	if err != nil || len(out) != 1 || out[0] != "awake" {
		t.Fatalf("%v %v", out, err)
	}
	// A panicking command fails its pipeline, not the server.
	if _, err := collect(t, c, cmd("Panic-Now"), nil); !errors.As(err, new(*PipelineError)) {
		t.Fatalf("panic: %v", err)
	}
	if _, err := collect(t, c, cmd("Get-Number", intArg("Count", 1)), nil); err != nil {
		t.Fatalf("after panic: %v", err)
	}
}

func TestPipelineQuota(t *testing.T) {
	e := newEnv(t, false, func(c *Config) { c.MaxPipelinesPerShell = 2 })
	c := e.dial("alice", nil)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() { defer wg.Done(); c.Invoke(ctx, cmd("Wait-Cancel"), nil, Handlers{}) }()
	}
	time.Sleep(200 * time.Millisecond)
	_, err := collect(t, c, cmd("Get-Number"), nil)
	cancel()
	wg.Wait()
	if !errors.Is(err, ErrQuotaExceeded) {
		t.Fatalf("third pipeline: %v", err)
	}
	if _, err := collect(t, c, cmd("Get-Number"), nil); err != nil {
		t.Fatalf("after the others stopped: %v", err)
	}
}

func TestKeyExchange(t *testing.T) {
	e := newEnv(t, true, nil)
	c := e.dial("alice", nil)
	if _, err := c.Pool().EncryptSecureString("secret"); err == nil {
		t.Fatal("EncryptSecureString before the key exchange")
	}
	if err := c.StartKeyExchange(context.Background()); err != nil {
		t.Fatal(err)
	}
	ss, err := c.Pool().EncryptSecureString("secret")
	if err != nil || len(ss) == 0 {
		t.Fatalf("EncryptSecureString: %v", err)
	}
	// The server side holds the same key.
	sh, ok := e.srv.reg.lookup(c.ShellID(), "alice", "127.0.0.1", false)
	if !ok {
		t.Fatal("shell not found")
	}
	if plain, err := sh.pool.DecryptSecureString(ss); err != nil || plain != "secret" {
		t.Fatalf("server decrypt: %q %v", plain, err)
	}
	// A SecureString parameter reaches the application, which decrypts it
	// through the pipeline.
	out, err := collect(t, c, []runspace.Command{{Name: "Reveal-Secret", Args: []runspace.Arg{{Value: ss}}}}, nil)
	if err != nil || len(out) != 1 || out[0] != "secret" {
		t.Fatalf("Reveal-Secret: %v %v", out, err)
	}
}

// TestCommandInfosShareStrings: converted metadata keeps every value, and
// repeated names, types and alias lists are stored once.
func TestCommandInfosShareStrings(t *testing.T) {
	common := []psrp.ParameterMetadata{{Name: "Verbose", Type: "System.Management.Automation.SwitchParameter", Aliases: []string{"vb"}, SwitchParameter: true}}
	ms := []psrp.CommandMetadata{
		{Name: "Get-A", Namespace: "tmp_1", CommandType: psrp.CommandTypeCmdlet, OutputType: []string{"X"},
			Parameters: append([]psrp.ParameterMetadata{{Name: "Identity", Type: "System.String"}}, common...)},
		{Name: "Get-B", Namespace: "tmp_1", CommandType: psrp.CommandTypeFunction, Parameters: slices.Clone(common)},
		{Name: "Get-C"},
	}
	got := commandInfos(ms, 3)
	want := []runspace.CommandInfo{
		{Name: "Get-A", Module: "tmp_1", CommandType: psrp.CommandTypeCmdlet, OutputType: []string{"X"}, Parameters: []runspace.ParameterInfo{
			{Name: "Identity", Type: "System.String"},
			{Name: "Verbose", Type: "System.Management.Automation.SwitchParameter", Aliases: []string{"vb"}, Switch: true}}},
		{Name: "Get-B", Module: "tmp_1", CommandType: psrp.CommandTypeFunction, Parameters: []runspace.ParameterInfo{
			{Name: "Verbose", Type: "System.Management.Automation.SwitchParameter", Aliases: []string{"vb"}, Switch: true}}},
		{Name: "Get-C"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("commandInfos:\n got %+v\nwant %+v", got, want)
	}
	a, b := got[0].Parameters[1], got[1].Parameters[0]
	if unsafe.StringData(a.Type) != unsafe.StringData(b.Type) || &a.Aliases[0] != &b.Aliases[0] {
		t.Error("repeated parameter strings are not shared")
	}
	if len(got[0].Parameters) != cap(got[0].Parameters) {
		t.Error("a command's parameters may be appended to in place, over the next command's")
	}
}
