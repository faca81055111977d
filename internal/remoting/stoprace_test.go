package remoting

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestCancelDuringCommandStillStops: the server starts a pipeline before it
// answers the Command request. A caller cancelling while that request is
// in flight must still stop the pipeline on the server (it used to abort
// the request and leave the pipeline running with nobody to stop it).
func TestCancelDuringCommandStillStops(t *testing.T) {
	met := &recordingMetrics{}
	e := newEnv(t, false, func(c *Config) { c.Metrics = met })
	inner := e.hs.Config.Handler
	commandSeen := make(chan struct{}, 1)
	// Hold every Command response back for a while, after the server has
	// already launched the pipeline.
	e.hs.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		inner.ServeHTTP(rec, r)
		if strings.Contains(rec.Body.String(), "CommandResponse") {
			commandSeen <- struct{}{}
			time.Sleep(300 * time.Millisecond)
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	})
	c := e.dial("alice", nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Invoke(ctx, cmd("Wait-Cancel"), nil, Handlers{}) }()
	<-commandSeen
	cancel() // while the CommandResponse is still on its way
	select {
	case err := <-done:
		if !errors.Is(err, ErrStopped) {
			t.Fatalf("Invoke: %v, want ErrStopped", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Invoke did not return after cancel")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		met.mu.Lock()
		got := append([]string(nil), met.pipelines...)
		met.mu.Unlock()
		if len(got) == 1 && got[0] == "Wait-Cancel:Stopped" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("server pipeline not stopped: %v", got)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
