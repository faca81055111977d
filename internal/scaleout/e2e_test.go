package scaleout

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/remoting"
	"github.com/ipps/ipps/internal/runspace"
	"github.com/ipps/ipps/internal/storage"
	"github.com/ipps/ipps/internal/wsman"
)

func forEachBackend(t *testing.T, fn func(t *testing.T, dsn string)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { fn(t, b.dsn(t)) })
	}
}

func cmd(name string, args ...runspace.Arg) []runspace.Command {
	return []runspace.Command{{Name: name, Args: args}}
}

// invoke runs one command and returns its output objects.
func invoke(t testing.TB, c *remoting.Client, cmds []runspace.Command) []clixml.Value {
	t.Helper()
	var out []clixml.Value
	if err := c.Invoke(context.Background(), cmds, nil, remoting.Handlers{Output: func(v clixml.Value) { out = append(out, v) }}); err != nil {
		t.Fatalf("Invoke %s: %v", cmds[0].Name, err)
	}
	return out
}

// TestAlternatingReplicas is the SNAT case: every other request of one
// client lands on the other replica. With the Forwarder the whole session
// works and every pipeline runs on the replica that created the shell.
func TestAlternatingReplicas(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		cl := newCluster(t, dsn, 2, clusterOptions{})
		a, b := cl.nodes[0], cl.nodes[1]
		cfg, rt := cl.client("alice", alternate(2), a, b)
		ctx := context.Background()
		c, err := remoting.Dial(ctx, cfg)
		if err != nil {
			t.Fatalf("Dial: %v", err)
		}
		// Create was request 0, so the shell lives on a.
		if n := len(a.srv.Shells()); n != 1 {
			t.Fatalf("replica a holds %d shells, want 1", n)
		}
		for range 3 {
			got := invoke(t, c, cmd("Get-Number", runspace.Arg{Name: "Count", Value: int32(5)}))
			if len(got) != 5 || got[4] != int32(4) {
				t.Fatalf("Get-Number: %v", got)
			}
		}
		if got := invoke(t, c, cmd("Get-Replica")); len(got) != 1 || got[0] != a.id {
			t.Fatalf("Get-Replica = %v, want [%s]", got, a.id)
		}
		if err := c.Alive(ctx); err != nil {
			t.Fatalf("Alive: %v", err)
		}
		if _, err := c.Commands(ctx); err != nil {
			t.Fatalf("Commands: %v", err)
		}
		if n, err := a.st.CountLeases(ctx, "alice", time.Now()); err != nil || n != 1 {
			t.Fatalf("CountLeases = %d, %v; want 1", n, err)
		}
		if err := c.Close(ctx); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if a.hops.Load() == 0 || b.reqs.Load() == 0 || b.hops.Load() != 0 {
			t.Fatalf("a: %d requests (%d forwarded); b: %d (%d forwarded)", a.reqs.Load(), a.hops.Load(), b.reqs.Load(), b.hops.Load())
		}
		if a.hops.Load() != b.reqs.Load() {
			t.Fatalf("b received %d requests but forwarded %d", b.reqs.Load(), a.hops.Load())
		}
		if n := len(a.srv.Shells()); n != 0 {
			t.Fatalf("after Close replica a still holds %d shells", n)
		}
		if n, err := a.st.CountLeases(ctx, "alice", time.Now()); err != nil || n != 0 {
			t.Fatalf("CountLeases after Close = %d, %v; want 0", n, err)
		}
		t.Logf("%d requests in all, %d forwarded", rt.n.Load(), a.hops.Load())
	})
}

// TestWithoutForwarderShellNotFound is the control: the same scenario
// without a Forwarder fails as the Microsoft page describes.
func TestWithoutForwarderShellNotFound(t *testing.T) {
	cl := newCluster(t, backends[0].dsn(t), 2, clusterOptions{noForward: true})
	cfg, _ := cl.client("alice", alternate(2), cl.nodes[0], cl.nodes[1])
	c, err := remoting.Dial(context.Background(), cfg)
	if err == nil {
		c.Close(context.Background())
		t.Fatal("Dial succeeded without a Forwarder; the routing is not alternating")
	}
	if !errors.Is(err, remoting.ErrShellNotFound) {
		t.Fatalf("Dial: %v, want shell not found", err)
	}
}

// rawGet posts a WS-Man Get for shellID to nd as user and returns the
// HTTP status and the parsed fault (nil on success).
func rawGet(t testing.TB, cl *cluster, nd *node, user, shellID string, hdr http.Header) (int, *wsman.Fault) {
	t.Helper()
	env, msgID, err := wsman.MarshalRequest(wsman.Header{To: nd.hs.URL, ResourceURI: remoting.ExchangeResourceURI,
		MaxEnvelopeSize: 512000, OperationTimeout: 10 * time.Second, Selectors: map[string]string{wsman.SelectorShellID: shellID}}, &wsman.Get{})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, nd.hs.URL+"/powershell-liveid?BasicAuthToOAuthConversion=true", bytes.NewReader(env))
	req.Header.Set("Content-Type", wsman.ContentType)
	req.Header.Set("Authorization", basicAuth(user))
	for k, v := range hdr {
		req.Header[k] = v
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: cl.ca.pool}}}
	defer hc.CloseIdleConnections()
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	_, err = wsman.ParseResponse(body, wsman.Limits{}, msgID)
	var f *wsman.Fault
	if err != nil && !errors.As(err, &f) {
		t.Fatalf("parsing response (HTTP %d): %v\n%s", resp.StatusCode, err, body)
	}
	return resp.StatusCode, f
}

// wantNotFound checks f is exactly the fault for an unknown shell.
func wantNotFound(t testing.TB, status int, f *wsman.Fault, shellID string) {
	t.Helper()
	want := wsman.ShellNotFound(shellID)
	if status != http.StatusInternalServerError || f == nil {
		t.Fatalf("HTTP %d, fault %v; want 500 shell not found", status, f)
	}
	if f.WSManCode != want.WSManCode || f.Code != want.Code || f.Subcode != want.Subcode || f.Text() != want.Text() {
		t.Fatalf("fault %+v\nwant %+v", f, want)
	}
}

// TestForeignShellNotForwarded: bob asking replica b for alice's shell
// (which lives on a) gets the same fault as for a shell that does not
// exist, and a never hears of it. Alice asking b for it gets it.
func TestForeignShellNotForwarded(t *testing.T) {
	cl := newCluster(t, backends[0].dsn(t), 2, clusterOptions{})
	a, b := cl.nodes[0], cl.nodes[1]
	cfg, _ := cl.client("alice", alternate(1), a)
	c, err := remoting.Dial(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	id := c.ShellID()

	status, f := rawGet(t, cl, b, "alice", id, nil)
	if f != nil || status != http.StatusOK {
		t.Fatalf("alice via b: HTTP %d, fault %v", status, f)
	}
	if a.hops.Load() != 1 {
		t.Fatalf("a received %d forwarded requests, want 1", a.hops.Load())
	}
	status, f = rawGet(t, cl, b, "bob", id, nil)
	wantNotFound(t, status, f, id)
	status, f = rawGet(t, cl, b, "bob", "00000000-0000-0000-0000-000000000000", nil)
	wantNotFound(t, status, f, "00000000-0000-0000-0000-000000000000")
	if a.hops.Load() != 1 {
		t.Fatalf("bob's request reached the owner (%d forwarded requests)", a.hops.Load())
	}
	// The owner's own check, as a forwarded request would meet it.
	status, f = rawGet(t, cl, a, "bob", id, http.Header{HopHeader: {b.id}})
	wantNotFound(t, status, f, id)
}

// TestLoopPrevention: a request already carrying the hop header is
// answered locally, never forwarded again.
func TestLoopPrevention(t *testing.T) {
	cl := newCluster(t, backends[0].dsn(t), 2, clusterOptions{})
	a, b := cl.nodes[0], cl.nodes[1]
	cfg, _ := cl.client("alice", alternate(1), a)
	c, err := remoting.Dial(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	id := c.ShellID()

	status, f := rawGet(t, cl, b, "alice", id, http.Header{HopHeader: {"replica-z"}})
	wantNotFound(t, status, f, id)
	if a.hops.Load() != 0 {
		t.Fatalf("a request with %s was forwarded again", HopHeader)
	}
	// Without the header the same request is forwarded and answered.
	if status, f = rawGet(t, cl, b, "alice", id, nil); f != nil || status != http.StatusOK {
		t.Fatalf("without hop header: HTTP %d, fault %v", status, f)
	}
	if a.hops.Load() != 1 {
		t.Fatalf("a received %d forwarded requests, want 1", a.hops.Load())
	}
}

// TestDeadReplicaLeasesRecovered: alice fills her five connections on
// replica a, which then crashes (no deregistration, leases left behind).
// Until the TTL passes the limit still holds; then b's sweeper deletes a's
// leases and alice can open five shells again — but not six.
func TestDeadReplicaLeasesRecovered(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		const ttl = 600 * time.Millisecond
		cl := newCluster(t, dsn, 2, clusterOptions{ttl: ttl})
		a, b := cl.nodes[0], cl.nodes[1]
		ctx := context.Background()
		onA, _ := cl.client("alice", alternate(1), a)
		var shells []*remoting.Client
		for range 5 {
			c, err := remoting.Dial(ctx, onA)
			if err != nil {
				t.Fatalf("Dial on a: %v", err)
			}
			shells = append(shells, c)
		}
		onB, _ := cl.client("alice", alternate(1), b)
		if _, err := remoting.Dial(ctx, onB); !errors.Is(err, remoting.ErrQuotaExceeded) {
			t.Fatalf("sixth shell via b: %v, want the connection-limit refusal", err)
		}
		// While a lives, its shells are reachable through b.
		if st, f := rawGet(t, cl, b, "alice", shells[0].ShellID(), nil); f != nil || st != http.StatusOK {
			t.Fatalf("alice's shell on a via b: HTTP %d, fault %v", st, f)
		}

		crashedAt := time.Now()
		a.crash()
		if n, err := b.st.CountLeases(ctx, "alice", time.Now()); err != nil || n != 5 {
			t.Fatalf("right after the crash CountLeases = %d, %v; want 5", n, err)
		}
		// Its shells are gone: b cannot reach the owner and answers not-found.
		st, f := rawGet(t, cl, b, "alice", shells[0].ShellID(), nil)
		wantNotFound(t, st, f, shells[0].ShellID())

		// The sweep expires the leases, then deletes the replica row: wait
		// for both (a check between the two steps would see the row).
		waitFor(t, "b to sweep a's leases and registration", 10*ttl, func() (bool, error) {
			n, err := b.st.CountLeases(ctx, "alice", time.Now())
			if err != nil || n != 0 {
				return false, err
			}
			_, err = b.st.GetReplica(ctx, a.id)
			return errors.Is(err, storage.ErrNotFound), nil
		})
		if d := time.Since(crashedAt); d < ttl/2 {
			t.Fatalf("leases swept %v after the crash, before the TTL %v", d, ttl)
		}
		var fresh []*remoting.Client
		for range 5 {
			c, err := remoting.Dial(ctx, onB)
			if err != nil {
				t.Fatalf("Dial on b after the sweep: %v", err)
			}
			fresh = append(fresh, c)
		}
		if _, err := remoting.Dial(ctx, onB); !errors.Is(err, remoting.ErrQuotaExceeded) {
			t.Fatalf("sixth shell after the sweep: %v, want refusal", err)
		}
		for _, c := range fresh {
			if err := c.Close(ctx); err != nil {
				t.Fatal(err)
			}
		}
	})
}
