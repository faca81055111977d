package cli

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/devpki"
	"github.com/ipps/ipps/internal/psrp"
	"github.com/ipps/ipps/internal/remoting"
	"github.com/ipps/ipps/internal/runspace"
)

// testServer is a real ippsd-like remoting stack on loopback TLS: one
// remoting.Server for Security & Compliance at /powershell-liveid and one
// for Exchange Online at /exchange/powershell-liveid, each with a test
// runspace behind it.
type testServer struct {
	t       testing.TB
	hs      *httptest.Server
	scc     *remoting.Server
	exo     *remoting.Server
	prov    *testProvider
	exoProv *testProvider
	CAFile  string
	URL     string // compliance connection URI
	// requests counts the HTTP requests served.
	requests atomic.Int64
}

// testAuth accepts "Basic base64(user:Bearer tok-<id>)"; "tok-bad" and
// anything else get 401.
type testAuth struct{}

func (testAuth) Authenticate(_ context.Context, authz, addr string) (*runspace.Principal, error) {
	raw, _ := strings.CutPrefix(authz, "Basic ")
	b, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return nil, runspace.ErrUnauthenticated
	}
	user, pass, _ := strings.Cut(string(b), ":")
	id, ok := strings.CutPrefix(pass, "Bearer tok-")
	if !ok || id == "" || id == "bad" {
		return nil, fmt.Errorf("token rejected: %w", runspace.ErrUnauthenticated)
	}
	return &runspace.Principal{UserID: id, UPN: user, ClientAddr: addr}, nil
}

// testProvider opens testRunspaces offering cmds; refuse, when set,
// refuses every shell.
type testProvider struct {
	cmds   []string
	refuse atomic.Pointer[runspace.RefusedError]
	// calls counts invocations per command name (lower case).
	mu    sync.Mutex
	calls map[string]int
	// started receives a value when Wait-TestForever starts; stopped when
	// its context is cancelled.
	started, stopped chan struct{}
}

func newTestProvider(cmds ...string) *testProvider {
	return &testProvider{cmds: cmds, calls: map[string]int{}, started: make(chan struct{}, 8), stopped: make(chan struct{}, 8)}
}

func (p *testProvider) Open(context.Context, runspace.Principal, string) (runspace.Runspace, error) {
	if r := p.refuse.Load(); r != nil {
		return nil, r
	}
	return &testRunspace{p: p}, nil
}

func (p *testProvider) count(name string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls[strings.ToLower(name)]
}

type testRunspace struct{ p *testProvider }

func (r *testRunspace) Close(context.Context) error { return nil }

func (r *testRunspace) Commands(context.Context) ([]runspace.CommandInfo, error) {
	var out []runspace.CommandInfo
	for _, n := range r.p.cmds {
		out = append(out, runspace.CommandInfo{Name: n, Module: "tmp_test", CommandType: 8,
			Parameters: []runspace.ParameterInfo{{Name: "Identity", Type: "System.String"}, {Name: "Enabled", Type: "System.Boolean"}}})
	}
	return out, nil
}

// policy is a retention policy object as the server would send it.
func policy(name string, enabled bool) *clixml.Object {
	return clixml.NewTypedObject([]string{"Microsoft.Office.CompliancePolicy.Tasks.PsRetentionCompliancePolicy", "System.Object"},
		clixml.Property{Name: "Name", Value: name},
		clixml.Property{Name: "Enabled", Value: enabled},
		clixml.Property{Name: "Mode", Value: "Enforce"},
	)
}

func (r *testRunspace) Invoke(ctx context.Context, p *runspace.Pipeline, out runspace.Output) error {
	c := p.Commands[0]
	name := strings.ToLower(c.Name)
	r.p.mu.Lock()
	r.p.calls[name]++
	r.p.mu.Unlock()
	switch name {
	case "get-retentioncompliancepolicy":
		for _, v := range []clixml.Value{policy("Finance 7y", true), policy("HR 3y", false)} {
			if err := out.WriteObject(v); err != nil {
				return err
			}
		}
		return nil
	case "get-compliancetag":
		if err := out.WriteObject(clixml.NewPSCustomObject(clixml.Property{Name: "Name", Value: "Keep 1y"})); err != nil {
			return err
		}
		return out.WriteError(&psrp.ErrorRecord{Message: "The tag 'Old' couldn't be read.", FullyQualifiedErrorID: "TagReadFailed",
			Category: psrp.CategoryInvalidData})
	case "get-mailbox":
		return out.WriteObject(clixml.NewPSCustomObject(clixml.Property{Name: "Name", Value: "chris"},
			clixml.Property{Name: "PrimarySmtpAddress", Value: "chris@contoso.com"}))
	case "set-retentioncompliancepolicy":
		return &psrp.ErrorRecord{Message: "The user \"alice@contoso.com\" isn't assigned to any management roles that grant the parameter \"Enabled\".",
			FullyQualifiedErrorID: "[Server=ippsd,RequestId=1,TimeStamp=1] [FailureCategory=Cmdlet-CmdletAccessDeniedException] 1,Microsoft.Exchange.Management.PolicyTasks.SetRetentionCompliancePolicy",
			Category:              psrp.CategoryPermissionDenied}
	case "wait-testforever":
		r.p.started <- struct{}{}
		<-ctx.Done()
		r.p.stopped <- struct{}{}
		return ctx.Err()
	}
	return psrp.CommandNotFoundRecord(c.Name)
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// Test commands offered by the two endpoints.
var (
	complianceCommands = []string{"Get-ComplianceTag", "Get-RetentionCompliancePolicy", "Set-RetentionCompliancePolicy", "Wait-TestForever"}
	exchangeCommands   = []string{"Get-Mailbox", "Get-User"}
)

func newTestServer(t testing.TB) *testServer {
	t.Helper()
	pki, err := devpki.Ensure(t.TempDir(), []string{"127.0.0.1", "localhost"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{t: t, prov: newTestProvider(complianceCommands...), exoProv: newTestProvider(exchangeCommands...), CAFile: pki.CAPath()}
	ts.scc, err = remoting.NewServer(remoting.Config{Endpoints: []remoting.Endpoint{{Path: "/powershell-liveid"}}}, testAuth{}, ts.prov, discardLogger())
	if err != nil {
		t.Fatal(err)
	}
	ts.exo, err = remoting.NewServer(remoting.Config{Endpoints: []remoting.Endpoint{{Path: "/exchange/powershell-liveid"}}}, testAuth{}, ts.exoProv, discardLogger())
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/exchange/", ts.exo)
	mux.Handle("/", ts.scc)
	ts.hs = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ts.requests.Add(1)
		mux.ServeHTTP(w, r)
	}))
	ts.hs.TLS = &tls.Config{Certificates: []tls.Certificate{pki.Server}}
	ts.hs.StartTLS()
	ts.URL = ts.hs.URL + "/powershell-liveid"
	t.Cleanup(func() {
		ts.scc.Close()
		ts.exo.Close()
		ts.hs.CloseClientConnections()
		ts.hs.Close()
	})
	return ts
}

// openShells counts the shells open on both endpoints.
func (ts *testServer) openShells() int { return len(ts.scc.Shells()) + len(ts.exo.Shells()) }

// testFactory returns a Factory over test streams whose environment has
// the test token for user id and a private cache directory.
func testFactory(t testing.TB, stdin string, tty bool, env map[string]string) (*Factory, *strings.Builder, *strings.Builder) {
	ios, _, _ := TestStreams(stdin, tty)
	out, errOut := &strings.Builder{}, &strings.Builder{}
	ios.Out, ios.ErrOut = out, errOut
	dir := t.TempDir()
	e := map[string]string{TestTokenEnv: "tok-alice", "IPPS_CACHE_DIR": dir}
	for k, v := range env {
		e[k] = v
	}
	return &Factory{IOStreams: ios, Logger: discardLogger(), Getenv: func(k string) string { return e[k] },
		CacheDir: func() (string, error) { return dir, nil }}, out, errOut
}

// runMain runs ipps in process against ts and returns the exit code and
// both streams.
func (ts *testServer) runMain(t testing.TB, stdin string, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	f, out, errOut := testFactory(t, stdin, false, env)
	full := append([]string{}, args[0], "--connection-uri", ts.URL, "--ca-file", ts.CAFile)
	full = append(full, args[1:]...)
	code := Main(context.Background(), f, full)
	return code, out.String(), errOut.String()
}
