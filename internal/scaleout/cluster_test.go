package scaleout

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/remoting"
	"github.com/ipps/ipps/internal/storage"
)

// clusterOptions shapes a test cluster.
type clusterOptions struct {
	// noForward leaves remoting.Config.Forwarder nil (the control case).
	noForward bool
	// heartbeat and ttl configure every Replica; defaults 50 ms and 2 s.
	heartbeat, ttl time.Duration
	// maxShells is the per-user limit; default 5.
	maxShells int
}

// node is one replica: its own database handle, a real remoting.Server
// behind an HTTPS httptest server, a Forwarder and a running Replica.
type node struct {
	id    string
	st    storage.Storage
	cs    *crashableStore
	prov  *leaseProvider
	srv   *remoting.Server
	fwd   *Forwarder
	rep   *Replica
	hs    *httptest.Server
	base  *url.URL
	reqs  atomic.Int64 // requests received
	hops  atomic.Int64 // requests received with HopHeader
	stop  context.CancelFunc
	done  chan error
	alive bool
}

type cluster struct {
	t     testing.TB
	ca    *testCA
	dsn   string
	nodes []*node
}

// newCluster starts n replicas sharing the database at dsn.
func newCluster(t testing.TB, dsn string, n int, o clusterOptions) *cluster {
	t.Helper()
	if o.heartbeat == 0 {
		o.heartbeat = 50 * time.Millisecond
	}
	if o.ttl == 0 {
		o.ttl = 2 * time.Second
	}
	if o.maxShells == 0 {
		o.maxShells = 5
	}
	c := &cluster{t: t, ca: newTestCA(t), dsn: dsn}
	for i := range n {
		c.nodes = append(c.nodes, c.start(fmt.Sprintf("replica-%c", 'a'+i), o))
	}
	t.Cleanup(c.close)
	return c
}

func (c *cluster) start(id string, o clusterOptions) *node {
	t := c.t
	nd := &node{id: id, st: openStore(t, c.dsn), alive: true}
	nd.cs = &crashableStore{LeaseStore: nd.st}
	nd.prov = &leaseProvider{replicaID: id, st: nd.st, max: o.maxShells}
	log := testLogger(t).With("node", id)
	var err error
	nd.fwd, err = NewForwarder(ForwarderConfig{ReplicaID: id, ReplicaTTL: o.ttl, RootCAs: c.ca.pool, Timeout: 30 * time.Second}, nd.st, log)
	if err != nil {
		t.Fatal(err)
	}
	cfg := remoting.Config{MachineName: id}
	if !o.noForward {
		cfg.Forwarder = nd.fwd
	}
	nd.srv, err = remoting.NewServer(cfg, testAuth{}, nd.prov, log)
	if err != nil {
		t.Fatal(err)
	}
	h := nd.fwd.Wrap(nd.srv)
	nd.hs = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		nd.reqs.Add(1)
		if r.Header.Get(HopHeader) != "" {
			nd.hops.Add(1)
		}
		h.ServeHTTP(w, r)
	}))
	nd.hs.TLS = &tls.Config{Certificates: []tls.Certificate{c.ca.cert}}
	nd.hs.StartTLS()
	nd.base, _ = url.Parse(nd.hs.URL)
	nd.rep, err = NewReplica(ReplicaConfig{ID: id, Address: nd.hs.URL, HeartbeatInterval: o.heartbeat, TTL: o.ttl,
		SweepInterval: o.heartbeat, LeaseTTL: testLeaseTTL, Shells: LocalShells(nd.srv)}, nd.cs, log)
	if err != nil {
		t.Fatal(err)
	}
	// Register before serving so that peers can forward at once.
	if err := nd.rep.Register(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	nd.stop, nd.done = cancel, make(chan error, 1)
	go func() { nd.done <- nd.rep.Run(ctx) }()
	return nd
}

// crash kills nd without any cleanup reaching the database: its listener
// closes, its heartbeats and deregistration fail, and its shells vanish
// without releasing their leases.
func (nd *node) crash() {
	nd.alive = false
	nd.cs.dead.Store(true)
	nd.prov.crashed.Store(true)
	nd.hs.CloseClientConnections()
	nd.hs.Close()
	nd.srv.Close()
	nd.stop()
	<-nd.done
	nd.fwd.Close()
}

// shutdown stops nd gracefully: shells closed, then deregistered.
func (nd *node) shutdown(t testing.TB) {
	nd.alive = false
	nd.hs.CloseClientConnections()
	nd.hs.Close()
	nd.srv.Close()
	nd.stop()
	if err := <-nd.done; err != nil {
		t.Errorf("%s: Run: %v", nd.id, err)
	}
	nd.fwd.Close()
}

func (c *cluster) close() {
	for _, nd := range c.nodes {
		if nd.alive {
			nd.shutdown(c.t)
		}
	}
}

// router is the load balancer without affinity: request i goes to
// targets[pick(i)], whatever URL the client used.
type router struct {
	base    http.RoundTripper
	targets []*url.URL
	pick    func(i int64) int
	n       atomic.Int64
}

func (r *router) RoundTrip(req *http.Request) (*http.Response, error) {
	i := r.n.Add(1) - 1
	t := r.targets[r.pick(i)]
	out := req.Clone(req.Context())
	out.URL.Scheme, out.URL.Host, out.Host = t.Scheme, t.Host, ""
	return r.base.RoundTrip(out)
}

// alternate sends request i to node i mod n.
func alternate(n int) func(int64) int { return func(i int64) int { return int(i % int64(n)) } }

// client returns a remoting ClientConfig for user whose requests are
// spread over the nodes by pick.
func (c *cluster) client(user string, pick func(int64) int, nodes ...*node) (remoting.ClientConfig, *router) {
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: c.ca.pool, ServerName: "127.0.0.1"}, ForceAttemptHTTP2: true}
	c.t.Cleanup(tr.CloseIdleConnections)
	rt := &router{base: tr, pick: pick}
	for _, nd := range nodes {
		rt.targets = append(rt.targets, nd.base)
	}
	return remoting.ClientConfig{
		URL:              nodes[0].hs.URL + "/PowerShell-LiveID?BasicAuthToOAuthConversion=true;PSVersion=5.1.19041.1",
		Username:         user + "@contoso.test",
		Password:         "Bearer tok-" + user,
		HTTPClient:       &http.Client{Transport: rt},
		OperationTimeout: 10 * time.Second,
	}, rt
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, what string, d time.Duration, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		ok, err := cond()
		if err != nil && !errors.Is(err, context.Canceled) {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
