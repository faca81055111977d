package psrp

import (
	"testing"
	"time"
)

// mempipe wires a ClientPool to a ServerPool in memory, standing in for
// the WS-Man transport: each DataToSend result is one Stream element.
type mempipe struct {
	t      testing.TB
	cli    *ClientPool
	srv    *ServerPool
	budget int // bytes per Send / Receive stream element
}

func newMempipe(t testing.TB, cc ClientConfig, sc ServerConfig, budget int) *mempipe {
	t.Helper()
	cli, err := NewClientPool(cc)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := NewServerPool(sc)
	if err != nil {
		t.Fatal(err)
	}
	return &mempipe{t: t, cli: cli, srv: srv, budget: budget}
}

// up moves everything the client queued for target to the server.
func (p *mempipe) up(target string) {
	p.t.Helper()
	for {
		data, _ := p.cli.DataToSend(target, p.budget)
		if data == nil {
			return
		}
		if err := p.srv.ReceiveData(target, StreamStdin, data); err != nil {
			p.t.Fatalf("server ReceiveData(%q): %v", target, err)
		}
	}
}

// down moves everything the server queued for target to the client and
// reports whether the final (terminal) data was among it.
func (p *mempipe) down(target string) (final bool) {
	p.t.Helper()
	for {
		data, fin := p.srv.DataToSend(target, p.budget)
		final = final || fin
		if data == nil {
			return final
		}
		if err := p.cli.ReceiveData(target, StreamStdin, data); err != nil {
			p.t.Fatalf("client ReceiveData(%q): %v", target, err)
		}
	}
}

// downUntilFinal receives for target until the final data arrived,
// waiting on Ready like a long-polling Receive would.
func (p *mempipe) downUntilFinal(target string) {
	p.t.Helper()
	ready := p.srv.Ready(target)
	deadline := time.After(10 * time.Second)
	for !p.down(target) {
		select {
		case <-ready:
		case <-deadline:
			p.t.Fatalf("no final data for %s", target)
		}
	}
}

func drain(e interface{ NextEvent() (Event, bool) }) []Event {
	var out []Event
	for {
		ev, ok := e.NextEvent()
		if !ok {
			return out
		}
		out = append(out, ev)
	}
}

// open runs the opening sequence and checks both sides reach Opened.
func (p *mempipe) open() {
	p.t.Helper()
	p.up(PoolTarget)
	p.down(PoolTarget)
	if p.cli.State() != PoolOpened || p.srv.State() != PoolOpened {
		p.t.Fatalf("states: client %v server %v", p.cli.State(), p.srv.State())
	}
	drain(p.srv)
	drain(p.cli)
}
