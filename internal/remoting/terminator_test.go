package remoting

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/wsman"
)

// TestTerminatorSendsEveryTerminate checks that the per-Client terminator
// sends one Signal Terminate per finished command, also when many finish
// at once, that Close waits for them, and that its goroutines exit when
// idle.
func TestTerminatorSendsEveryTerminate(t *testing.T) {
	e := newEnv(t, false, nil)
	var terminates atomic.Int64
	e.hs.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if bytes.Contains(body, []byte(wsman.SignalTerminate)) {
			terminates.Add(1)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		e.srv.ServeHTTP(w, r)
	})
	c := e.dial("alice", nil)

	// One pipeline, then idle: the terminator sends its Terminate and exits.
	if _, err := collect(t, c, cmd("Get-Number", intArg("Count", 1)), nil); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		c.term.mu.Lock()
		workers, queued := c.term.workers, len(c.term.queue)
		c.term.mu.Unlock()
		if workers == 0 && queued == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("terminator still has %d goroutines, %d queued", workers, queued)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := terminates.Load(); n != 1 {
		t.Fatalf("%d Terminates after one pipeline", n)
	}

	// Many at once: more than maxTerminators queue up; Close waits.
	const runs = 3 * maxTerminators
	var wg sync.WaitGroup
	for range runs {
		wg.Go(func() {
			if _, err := collect(t, c, cmd("Get-Number", intArg("Count", 1)), nil); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if err := c.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := terminates.Load(); n != 1+runs {
		t.Fatalf("%d Terminates after %d pipelines and Close", n, 1+runs)
	}
	c.term.mu.Lock()
	defer c.term.mu.Unlock()
	if c.term.workers != 0 || len(c.term.queue) != 0 {
		t.Fatalf("after Close: %d goroutines, %d queued", c.term.workers, len(c.term.queue))
	}
}
