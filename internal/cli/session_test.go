package cli

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/remoting"
	"github.com/ipps/ipps/internal/runspace"
	"github.com/ipps/ipps/internal/shell"
)

func (ts *testServer) options(prefix string) *ConnectOptions {
	return &ConnectOptions{ConnectionURI: ts.URL, CAFile: ts.CAFile, Prefix: prefix, UserPrincipalName: "alice@contoso.com"}
}

func TestReconnectOnceWithoutRerun(t *testing.T) {
	ts := newTestServer(t)
	f, _, errOut := testFactory(t, "", false, nil)
	conns := NewConnections(f)
	defer conns.CloseAll(context.Background())
	s, err := conns.Connect(context.Background(), ts.options(""), Compliance)
	if err != nil {
		t.Fatal(err)
	}
	old := s.ShellID()
	if !ts.scc.CloseShell(context.Background(), old) {
		t.Fatal("server did not have the shell")
	}
	cmd := runspace.Command{Name: "Get-RetentionCompliancePolicy"}
	var got []clixml.Value
	collect := func(v clixml.Value) error { got = append(got, v); return nil }
	err = s.Invoke(context.Background(), cmd, nil, collect)
	if !errors.Is(err, remoting.ErrShellNotFound) || !strings.Contains(err.Error(), "failed because the shell was not found on the server") {
		t.Fatalf("err %v", err)
	}
	if !strings.Contains(errOut.String(), ReconnectWarning+"\n") || strings.Count(errOut.String(), "WARNING") != 1 {
		t.Fatalf("stderr %q", errOut)
	}
	if n := ts.prov.count(cmd.Name); n != 0 || len(got) != 0 {
		t.Fatalf("the failed command was re-run (%d calls, %d objects)", n, len(got))
	}
	if s.ShellID() == old || len(ts.scc.Shells()) != 1 {
		t.Fatalf("no new shell: %s, %d open", s.ShellID(), len(ts.scc.Shells()))
	}
	if err := s.Invoke(context.Background(), cmd, nil, collect); err != nil || len(got) != 2 {
		t.Fatalf("after reconnect: %v, %d objects", err, len(got))
	}
	// A second loss reconnects again (once per loss), never in a loop.
	ts.scc.CloseShell(context.Background(), s.ShellID())
	ts.prov.refuse.Store(&runspace.RefusedError{Kind: runspace.RefusedQuota, Message: quotaText})
	err = s.Invoke(context.Background(), cmd, nil, collect)
	if err == nil || !strings.Contains(err.Error(), "reconnecting after the shell was lost") && !strings.Contains(err.Error(), quotaText) {
		t.Fatalf("failed reconnect: %v", err)
	}
}

func TestSessionsSideBySide(t *testing.T) {
	ts := newTestServer(t)
	f, out, errOut := testFactory(t, "", false, nil)
	conns := NewConnections(f)
	ctx := context.Background()
	a, err := conns.Connect(ctx, ts.options("A"), Compliance)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conns.Connect(ctx, ts.options("B"), Compliance); err != nil {
		t.Fatal(err)
	}
	if _, err := conns.Connect(ctx, ts.options("A"), Compliance); err == nil || !strings.Contains(err.Error(), `prefix "A" is already open`) {
		t.Fatalf("duplicate prefix: %v", err)
	}
	if _, err := conns.Connect(ctx, ts.options("A-1"), Compliance); err == nil {
		t.Fatal("prefix with a dash accepted")
	}
	if len(ts.scc.Shells()) != 2 || conns.Len() != 2 {
		t.Fatalf("%d shells, %d sessions", len(ts.scc.Shells()), conns.Len())
	}
	sh := shell.New(shell.Config{Out: out, Err: errOut, Sessions: conns.ShellSessions()})
	for _, c := range conns.LocalCommands(sh) {
		sh.Register(c)
	}
	objs, err := sh.Eval(ctx, "Get-ARetentionCompliancePolicy; Get-BRetentionCompliancePolicy")
	if err != nil || len(objs) != 4 {
		t.Fatalf("%v %d", err, len(objs))
	}
	names := strings.Join(sh.CommandNames(), ",")
	for _, n := range []string{"Get-ARetentionCompliancePolicy", "Get-BComplianceTag", "Get-ConnectionInformation", "Disconnect-ExchangeOnline"} {
		if !strings.Contains(names, n) {
			t.Errorf("%s not among %s", n, names)
		}
	}
	info, err := sh.Eval(ctx, "Get-ConnectionInformation | Select-Object -ExpandProperty Name")
	if err != nil || len(info) != 2 || info[0] != "ExchangeOnlineProtection_1" || info[1] != "ExchangeOnlineProtection_2" {
		t.Fatalf("connection info %v %v", info, err)
	}
	if _, err := sh.Eval(ctx, "Disconnect-ExchangeOnline -ModulePrefix B -Confirm:$false"); err != nil {
		t.Fatal(err)
	}
	if conns.Len() != 1 || len(ts.scc.Shells()) != 1 || ts.scc.Shells()[0].ID != a.ShellID() {
		t.Fatalf("disconnect B: %d sessions, %d shells", conns.Len(), len(ts.scc.Shells()))
	}
	if _, err := sh.Eval(ctx, "Get-BRetentionCompliancePolicy"); err == nil {
		t.Fatal("B's commands still run after disconnect")
	}
	if err := conns.CloseAll(ctx); err != nil || ts.openShells() != 0 {
		t.Fatalf("close all: %v, %d open", err, ts.openShells())
	}
}

func TestImportSubsetAndProgress(t *testing.T) {
	ts := newTestServer(t)
	f, _, errOut := testFactory(t, "", true, nil)
	conns := NewConnections(f)
	defer conns.CloseAll(context.Background())
	o := ts.options("")
	o.CommandNames = []string{"Get-Retention*"}
	s, err := conns.Connect(context.Background(), o, Compliance)
	if err != nil {
		t.Fatal(err)
	}
	if cmds := s.Commands(); len(cmds) != 1 || cmds[0].Name != "Get-RetentionCompliancePolicy" {
		t.Fatalf("imported %v", cmds)
	}
	if !strings.Contains(errOut.String(), "Creating implicit remoting module") || !strings.Contains(errOut.String(), "1/1") {
		t.Fatalf("no progress on a terminal: %q", errOut)
	}
	// Not a terminal: no bar.
	f2, _, errOut2 := testFactory(t, "", false, nil)
	c2 := NewConnections(f2)
	defer c2.CloseAll(context.Background())
	if _, err := c2.Connect(context.Background(), o, Compliance); err != nil || errOut2.Len() != 0 {
		t.Fatalf("%v, stderr %q", err, errOut2)
	}
	o.CommandNames, o.Prefix = []string{"Get-Nope"}, "N"
	if _, err := c2.Connect(context.Background(), o, Compliance); err == nil || !strings.Contains(err.Error(), "no command") {
		t.Fatalf("empty import: %v", err)
	}
	if len(ts.scc.Shells()) != 2 {
		t.Fatalf("failed import left its shell open: %d", len(ts.scc.Shells()))
	}
}
