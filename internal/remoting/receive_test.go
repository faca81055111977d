package remoting

import (
	"bytes"
	"context"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/clixml"
)

func TestReceiveWait(t *testing.T) {
	for in, want := range map[time.Duration]time.Duration{
		180 * time.Second:      162 * time.Second, // 10%
		20 * time.Second:       18 * time.Second,
		3 * time.Second:        2500 * time.Millisecond, // 500ms floor
		time.Second:            500 * time.Millisecond,
		400 * time.Millisecond: 200 * time.Millisecond, // halved
		0:                      54 * time.Second,       // default 60s
	} {
		if got := receiveWait(in); got != want {
			t.Errorf("receiveWait(%v) = %v, want %v", in, got, want)
		}
	}
}

// receiveSizes wraps the server of e so that it records the size of every
// ReceiveResponse it writes.
func receiveSizes(e *testEnv) func() []int {
	var (
		mu    sync.Mutex
		sizes []int
	)
	e.hs.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		e.srv.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		if bytes.Contains(body, []byte("ReceiveResponse>")) && bytes.Contains(body, []byte(`CommandId=`)) {
			mu.Lock()
			sizes = append(sizes, len(body))
			mu.Unlock()
		}
		maps.Copy(w.Header(), rec.Header())
		w.WriteHeader(rec.Code)
		w.Write(body)
	})
	return func() []int {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(sizes)
	}
}

// TestReceiveCoalescesBurst: a pipeline writing 1,000 objects with short
// pauses between them arrives in a handful of Receive responses (each
// within MaxEnvelopeSize), not one per object. The coalescing window is
// widened so that the count does not depend on scheduling.
func TestReceiveCoalescesBurst(t *testing.T) {
	const maxEnv = 32 << 10
	e := newEnv(t, false, nil)
	e.srv.coalesceGap, e.srv.coalesceMax = time.Minute, time.Minute
	sizes := receiveSizes(e)
	c := e.dial("alice", func(cfg *ClientConfig) { cfg.MaxEnvelopeSize = maxEnv })
	out, err := collect(t, c, cmd("Get-Trickle", intArg("Count", 1000), intArg("Us", 20)), nil)
	if err != nil {
		t.Fatal(err)
	}
	checkSequence(t, out, 1000)
	got := sizes()
	// About 80 KiB of fragments in budgets of about 20 KiB.
	if len(got) > 8 {
		t.Errorf("%d Receive responses for 1000 objects, want at most 8: sizes %v", len(got), got)
	}
	for _, n := range got {
		if n > maxEnv {
			t.Errorf("ReceiveResponse of %d bytes exceeds MaxEnvelopeSize %d", n, maxEnv)
		}
	}
}

// TestReceiveCoalesceDefaults: with the default window every object still
// arrives, in order, and every response fits MaxEnvelopeSize.
func TestReceiveCoalesceDefaults(t *testing.T) {
	const maxEnv = 16 << 10
	e := newEnv(t, false, nil)
	sizes := receiveSizes(e)
	c := e.dial("alice", func(cfg *ClientConfig) { cfg.MaxEnvelopeSize = maxEnv })
	for _, us := range []int{0, 50, 2000} {
		n := 1000
		if us > 100 {
			n = 20
		}
		out, err := collect(t, c, cmd("Get-Trickle", intArg("Count", n), intArg("Us", us)), nil)
		if err != nil {
			t.Fatal(err)
		}
		checkSequence(t, out, n)
	}
	for _, n := range sizes() {
		if n > maxEnv {
			t.Errorf("ReceiveResponse of %d bytes exceeds MaxEnvelopeSize %d", n, maxEnv)
		}
	}
}

func checkSequence(t *testing.T, out []clixml.Value, n int) {
	t.Helper()
	if len(out) != n {
		t.Fatalf("got %d objects, want %d", len(out), n)
	}
	for i, v := range out {
		if v != int32(i) {
			t.Fatalf("object %d = %v", i, v)
		}
	}
}

// TestClientReceivesAhead: the client has its next Receive in flight while
// a handler is still working on the previous response's objects.
func TestClientReceivesAhead(t *testing.T) {
	e := newEnv(t, false, nil)
	var receives atomic.Int32
	second := make(chan struct{})
	e.hs.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if bytes.Contains(body, []byte("windows/shell/Receive<")) && bytes.Contains(body, []byte("CommandId=")) && receives.Add(1) == 2 {
			close(second)
		}
		e.srv.ServeHTTP(w, r)
	})
	c := e.dial("alice", func(cfg *ClientConfig) { cfg.MaxEnvelopeSize = 16 << 10 })
	n, waited := 0, false
	h := Handlers{Output: func(clixml.Value) {
		if n++; n == 1 {
			select {
			case <-second:
				waited = true
			case <-time.After(10 * time.Second):
			}
		}
	}}
	if err := c.Invoke(context.Background(), cmd("Get-Number", intArg("Count", 2000)), nil, h); err != nil {
		t.Fatal(err)
	}
	if n != 2000 || !waited {
		t.Errorf("got %d objects; second Receive issued during the first response's handlers: %v", n, waited)
	}
}
