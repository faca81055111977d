package remoting

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/runspace"
	"github.com/ipps/ipps/internal/wsman"
)

// replayServer answers a Client's Command, Receive and Signal requests
// with responses recorded from the real Server, so that a benchmark's CPU
// is nearly all the client's. Until replay is switched on it forwards
// every request to the live Server (Dial, and the recorded Invoke).
//
// A recorded response is a template: its a:RelatesTo and every CommandId
// are replaced with those of the request it answers, so the client checks
// and parses it exactly as a live one. PSRP messages are routed by the
// Receive's CommandId, so the pipeline GUIDs inside the stream data need
// no patching.
type replayServer struct {
	live http.Handler

	// recording, when set, collects request/response pairs by action.
	recording atomic.Bool
	mu        sync.Mutex
	recorded  map[string]recordedExchange

	replay atomic.Bool
	// templates by request action; fixed once replay is on.
	templates map[string]*replayTemplate
}

type recordedExchange struct {
	request, response []byte
	header            http.Header
	status            int
}

// replayTemplate is a recorded response cut at its request-specific
// parts: parts[0] id parts[1] id ... where each id is the request's
// MessageID (relates[i]) or CommandId.
type replayTemplate struct {
	parts   [][]byte
	relates []bool
	header  http.Header
	status  int
}

func (s *replayServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.replay.Load() {
		if !s.recording.Load() {
			s.live.ServeHTTP(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := httptest.NewRecorder()
		s.live.ServeHTTP(rec, r)
		s.mu.Lock()
		s.recorded[requestAction(body)] = recordedExchange{request: body, response: rec.Body.Bytes(),
			header: rec.Header().Clone(), status: rec.Code}
		s.mu.Unlock()
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
		return
	}
	bp := replayBuffers.Get().(*[]byte)
	defer replayBuffers.Put(bp)
	n, _ := io.ReadFull(r.Body, (*bp)[:cap(*bp)])
	body := (*bp)[:n]
	t := s.templates[requestAction(body)]
	if t == nil {
		http.Error(w, "no recording for "+requestAction(body), http.StatusInternalServerError)
		return
	}
	msgID, cmdID := elementText(body, "<a:MessageID>"), attrValue(body, `CommandId="`)
	size := 0
	for i, p := range t.parts {
		size += len(p)
		if i < len(t.relates) {
			size += max(len(msgID), len(cmdID))
		}
	}
	op := replayBuffers.Get().(*[]byte)
	defer replayBuffers.Put(op)
	out := (*op)[:0]
	for i, p := range t.parts {
		out = append(out, p...)
		if i < len(t.relates) {
			if t.relates[i] {
				out = append(out, msgID...)
			} else {
				out = append(out, cmdID...)
			}
		}
	}
	h := w.Header()
	for k, v := range t.header {
		h[k] = v
	}
	h["Content-Length"] = []string{strconv.Itoa(len(out))}
	w.WriteHeader(t.status)
	w.Write(out)
	*op = out[:0]
}

// replayBuffers keep the replay handler's own allocations out of the
// client's figures.
var replayBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 32<<10); return &b }}

// requestAction returns the a:Action of a request envelope.
func requestAction(env []byte) string {
	return string(elementText(env, `<a:Action s:mustUnderstand="true">`))
}

// elementText returns the text after the first open tag until '<'.
func elementText(env []byte, open string) []byte {
	i := bytes.Index(env, []byte(open))
	if i < 0 {
		return nil
	}
	rest := env[i+len(open):]
	return rest[:bytes.IndexByte(rest, '<')]
}

// attrValue returns the value after the first `name="`.
func attrValue(env []byte, prefix string) []byte {
	i := bytes.Index(env, []byte(prefix))
	if i < 0 {
		return nil
	}
	rest := env[i+len(prefix):]
	return rest[:bytes.IndexByte(rest, '"')]
}

// makeTemplate cuts a recorded response at the recorded request's
// MessageID and CommandId.
func makeTemplate(tb testing.TB, ex recordedExchange) *replayTemplate {
	msgID, cmdID := elementText(ex.request, "<a:MessageID>"), attrValue(ex.request, `CommandId="`)
	if len(msgID) == 0 || len(cmdID) == 0 {
		tb.Fatalf("recorded request without MessageID or CommandId:\n%s", ex.request)
	}
	t := &replayTemplate{header: ex.header, status: ex.status}
	delete(t.header, "Content-Length")
	rest := ex.response
	for {
		im, ic := bytes.Index(rest, msgID), bytes.Index(rest, cmdID)
		switch {
		case im < 0 && ic < 0:
			t.parts = append(t.parts, rest)
			if !bytes.Contains(ex.response, msgID) {
				tb.Fatalf("recorded response does not relate to its request:\n%s", ex.response)
			}
			return t
		case ic < 0 || im >= 0 && im < ic:
			t.parts = append(t.parts, rest[:im])
			t.relates = append(t.relates, true)
			rest = rest[im+len(msgID):]
		default:
			t.parts = append(t.parts, rest[:ic])
			t.relates = append(t.relates, false)
			rest = rest[ic+len(cmdID):]
		}
	}
}

// newReplayClient dials a shell on the live Server, records one Invoke
// of cmds (Command, Receive, Signal Terminate) and switches the endpoint
// to replaying those responses.
func newReplayClient(tb testing.TB, cmds []runspace.Command) *Client {
	e := newEnv(tb, true, nil)
	rs := &replayServer{live: e.srv, recorded: map[string]recordedExchange{}}
	e.hs.Config.Handler = rs
	// The HTTP client ippsload builds (load.NewHTTPClient): HTTP/1.1 only,
	// so no request first tries an HTTP/2 connection.
	c := e.dial("alice", func(cfg *ClientConfig) {
		cfg.HTTPClient = &http.Client{Transport: &http.Transport{TLSClientConfig: e.tlsConf, ForceAttemptHTTP2: false,
			MaxIdleConns: 8, MaxIdleConnsPerHost: 8, IdleConnTimeout: 90 * time.Second, WriteBufferSize: WriteBufferSize}}
	})
	rs.recording.Store(true)
	if err := c.Invoke(context.Background(), cmds, nil, Handlers{}); err != nil {
		tb.Fatal(err)
	}
	actions := []string{wsman.ActionCommand, wsman.ActionReceive, wsman.ActionSignal}
	deadline := time.Now().Add(5 * time.Second)
	for {
		rs.mu.Lock()
		n := len(rs.recorded)
		rs.mu.Unlock()
		if n >= len(actions) {
			break
		}
		if time.Now().After(deadline) {
			tb.Fatalf("recorded %d exchanges, want %d", n, len(actions))
		}
		time.Sleep(time.Millisecond)
	}
	rs.recording.Store(false)
	rs.templates = map[string]*replayTemplate{}
	for _, a := range actions {
		ex, ok := rs.recorded[a]
		if !ok || ex.status != http.StatusOK {
			tb.Fatalf("no successful recording of %s", a)
		}
		rs.templates[a] = makeTemplate(tb, ex)
	}
	rs.replay.Store(true)
	return c
}

// BenchmarkClientInvokeReplay is the client's cost per Invoke of the
// ippsload shape (one command answering one 40-property object): Command,
// one Receive carrying the object and the Done state, background Signal
// Terminate, over loopback TLS against a server that replays recorded
// responses. The client parses them in full; the server side is an
// httptest TLS server and a few byte copies. cpu-ns/op is the process's
// CPU time (client, TLS on both ends, replay handler) per Invoke.
func BenchmarkClientInvokeReplay(b *testing.B) {
	cmds := cmd("Get-Wide", runspace.Arg{Name: "Identity", Value: "load-1-1"})
	c := newReplayClient(b, cmds)
	got := 0
	h := Handlers{Output: func(v clixml.Value) {
		if o, ok := v.(*clixml.Object); ok {
			if _, ok := o.Get("Property39"); ok {
				got++
			}
		}
	}}
	// Like ippsload's workers, every Invoke runs under one cancellable
	// context.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b.ReportAllocs()
	b.ResetTimer()
	start := processCPU()
	for b.Loop() {
		if err := c.Invoke(ctx, cmds, nil, h); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op")
	if got != b.N {
		b.Fatalf("got %d complete objects for %d runs", got, b.N)
	}
}

// processCPU is the process's CPU time so far (user + system).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
