package remoting

import (
	"context"
	"testing"

	"github.com/ipps/ipps/internal/clixml"
)

func TestInputQueueOrderAndEnd(t *testing.T) {
	q := newInputQueue()
	go q.pump(context.Background())
	for i := range 100 {
		q.push(int32(i))
	}
	q.end()
	q.push(int32(999)) // after end: dropped
	var got []clixml.Value
	for v := range q.ch {
		got = append(got, v)
	}
	if len(got) != 100 {
		t.Fatalf("got %d values, want 100", len(got))
	}
	for i, v := range got {
		if v != int32(i) {
			t.Fatalf("value %d = %v", i, v)
		}
	}
}

func TestInputQueueCancelClosesChannel(t *testing.T) {
	q := newInputQueue()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { q.pump(ctx); close(done) }()
	q.push("unread")
	cancel()
	<-done
	for range q.ch {
	}
}
