package remoting

import (
	"context"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// Closing one Client must not drop the kept-alive connections of
// another Client sharing the caller's HTTP client: ippsload runs 1,000
// shells over one pool, and each Close used to close every idle
// connection in it, so the survivors re-dialled (a TLS handshake storm
// at every shutdown).
func TestCloseLeavesSharedPool(t *testing.T) {
	e := newEnv(t, true, nil)
	var dials atomic.Int64
	tr := &http.Transport{TLSClientConfig: e.tlsConf, MaxIdleConnsPerHost: 4,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			dials.Add(1)
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		}}
	t.Cleanup(tr.CloseIdleConnections)
	shared := &http.Client{Transport: tr}
	a := e.dial("alice", func(c *ClientConfig) { c.HTTPClient, c.TLSConfig = shared, nil })
	b := e.dial("bob", func(c *ClientConfig) { c.HTTPClient, c.TLSConfig = shared, nil })
	// Warm bob's share of the pool (Command, Receive and the lingering
	// terminator's Signal may each hold a connection), then let it idle.
	for range 3 {
		if out, err := collect(t, b, cmd("Get-Number", intArg("Count", 1)), nil); err != nil || len(out) != 1 {
			t.Fatalf("bob before: %v %v", out, err)
		}
	}
	time.Sleep(2 * terminatorIdle)
	if err := a.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	before := dials.Load()
	if out, err := collect(t, b, cmd("Get-Number", intArg("Count", 1)), nil); err != nil || len(out) != 1 {
		t.Fatalf("bob after alice closed: %v %v", out, err)
	}
	if n := dials.Load() - before; n != 0 {
		t.Errorf("bob dialled %d new connections after alice's Close; the shared pool was dropped", n)
	}
	// A Client that built its own pool still closes it on Close.
	if own := e.dial("carol", nil); !own.ws.t.ownsConns || b.ws.t.ownsConns {
		t.Errorf("pool ownership: own %v, shared %v", own.ws.t.ownsConns, b.ws.t.ownsConns)
	}
}
