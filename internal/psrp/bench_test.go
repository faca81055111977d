package psrp

import (
	"fmt"
	"testing"

	"github.com/ipps/ipps/internal/clixml"
)

// BenchmarkOutputBatch measures one batch of 100 PSCustomObject outputs
// from ServerPipeline.WriteOutput through DataToSend (fragment and message
// encode, 150 KB stream elements as with pypsrp's MaxEnvelopeSize) to
// ClientPool.ReceiveData (defragment, message and CLIXML decode) and the
// client's OutputEvents.
func BenchmarkOutputBatch(b *testing.B) {
	cfg := Config{MaxQueuedBytes: -1}
	p := newMempipe(b, ClientConfig{Config: cfg}, ServerConfig{Config: cfg}, 110_000)
	p.open()
	cp, err := p.cli.CreatePipeline(simpleCmd("Get-Mailbox"))
	if err != nil {
		b.Fatal(err)
	}
	p.up(cp.ID())
	sp := drain(p.srv)[0].(CreatePipelineEvent).Pipeline
	objs := make([]*clixml.Object, 100)
	for i := range objs {
		objs[i] = clixml.NewPSCustomObject(
			clixml.Property{Name: "Name", Value: fmt.Sprintf("mailbox%03d", i)},
			clixml.Property{Name: "PrimarySmtpAddress", Value: fmt.Sprintf("mailbox%03d@contoso.com", i)},
			clixml.Property{Name: "ItemCount", Value: int64(i * 1000)},
			clixml.Property{Name: "IsInactive", Value: false},
		)
	}
	var wire int
	b.ReportAllocs()
	for b.Loop() {
		for _, o := range objs {
			if err := sp.WriteOutput(o); err != nil {
				b.Fatal(err)
			}
		}
		for {
			data, _ := p.srv.DataToSend(cp.ID(), p.budget)
			if data == nil {
				break
			}
			wire += len(data)
			if err := p.cli.ReceiveData(cp.ID(), StreamStdin, data); err != nil {
				b.Fatal(err)
			}
		}
		n := 0
		for {
			if _, ok := p.cli.NextEvent(); !ok {
				break
			}
			n++
		}
		if n != len(objs) {
			b.Fatalf("%d events", n)
		}
	}
	b.ReportMetric(float64(wire)/float64(b.N), "wirebytes/op")
}
