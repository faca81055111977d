package scaleout

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/runspace"
	"github.com/ipps/ipps/internal/storage"
)

// recordingOwner is a stand-in owner replica that records what it got.
type recordingOwner struct {
	hs   *httptest.Server
	n    atomic.Int32
	last *http.Request
	body []byte
}

func newRecordingOwner(t *testing.T) *recordingOwner {
	o := &recordingOwner{}
	o.hs = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.n.Add(1)
		o.last = r
		o.body, _ = io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/soap+xml;charset=UTF-8")
		w.Header().Set("X-Owner", "yes")
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, "<fault from owner/>")
	}))
	t.Cleanup(o.hs.Close)
	return o
}

// forwardEnv is a Forwarder for replica "self" in front of a handler that
// answers 404 "local" whenever Forward declines.
type forwardEnv struct {
	st  storage.Storage
	fwd *Forwarder
	h   http.Handler
}

func newForwardEnv(t *testing.T) *forwardEnv {
	st := openStore(t, backends[0].dsn(t))
	fwd, err := NewForwarder(ForwarderConfig{ReplicaID: "self", ReplicaTTL: time.Minute, Timeout: 5 * time.Second}, st, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fwd.Close)
	e := &forwardEnv{st: st, fwd: fwd}
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		p, _ := testAuth{}.Authenticate(r.Context(), r.Header.Get("Authorization"), "")
		id := r.Header.Get("X-Test-Shell")
		if !fwd.Forward(r.Context(), w, p, body, id) {
			http.Error(w, "local", http.StatusNotFound)
		}
	})
	e.h = fwd.Wrap(inner)
	return e
}

func (e *forwardEnv) register(t *testing.T, id, addr string, heartbeat time.Time) {
	if err := e.st.RegisterReplica(context.Background(), storage.Replica{ID: id, Address: addr, StartedAt: heartbeat, HeartbeatAt: heartbeat}); err != nil {
		t.Fatal(err)
	}
}

// do sends a request for shell as user through the env.
func (e *forwardEnv) do(user, shell string, hdr http.Header) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/PowerShell-LiveID?BasicAuthToOAuthConversion=true;PSVersion=5.1.19041.1", strings.NewReader("<envelope/>"))
	req.RemoteAddr = "198.51.100.7:50123"
	req.Header.Set("Authorization", basicAuth(user))
	req.Header.Set("Content-Type", "application/soap+xml;charset=UTF-8")
	req.Header.Set("User-Agent", "Microsoft WinRM Client")
	req.Header.Set("Cookie", "affinity=1")
	req.Header.Set("X-Test-Shell", shell)
	for k, v := range hdr {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

func TestForwardProxiesRequestAndResponse(t *testing.T) {
	e := newForwardEnv(t)
	o := newRecordingOwner(t)
	now := time.Now().UTC()
	e.register(t, "owner", o.hs.URL+"/ignored-path", now)
	acquire(t, e.st, "SHELL-1", "alice", "owner", now, time.Hour)

	rec := e.do("alice", "shell-1", http.Header{"X-Forwarded-For": {"203.0.113.1"}}) // lower case: found via ToUpper
	if rec.Code != http.StatusInternalServerError || rec.Body.String() != "<fault from owner/>" || rec.Header().Get("X-Owner") != "yes" ||
		rec.Header().Get("Content-Type") != "application/soap+xml;charset=UTF-8" {
		t.Fatalf("response: %d %q %v", rec.Code, rec.Body.String(), rec.Header())
	}
	r := o.last
	if o.n.Load() != 1 || r.Method != http.MethodPost || r.URL.Path != "/PowerShell-LiveID" ||
		r.URL.RawQuery != "BasicAuthToOAuthConversion=true;PSVersion=5.1.19041.1" {
		t.Fatalf("owner got %d requests, last %s %s", o.n.Load(), r.Method, r.URL)
	}
	if string(o.body) != "<envelope/>" {
		t.Fatalf("owner got body %q", o.body)
	}
	for k, want := range map[string]string{
		"Authorization":   basicAuth("alice"),
		"Content-Type":    "application/soap+xml;charset=UTF-8",
		"User-Agent":      "Microsoft WinRM Client",
		HopHeader:         "self",
		"X-Forwarded-For": "203.0.113.1, 198.51.100.7",
		"Cookie":          "",
	} {
		if got := r.Header.Get(k); got != want {
			t.Errorf("owner saw %s = %q, want %q", k, got, want)
		}
	}
}

func TestForwardDeclines(t *testing.T) {
	e := newForwardEnv(t)
	o := newRecordingOwner(t)
	now := time.Now().UTC()
	dead := newRecordingOwner(t)
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	e.register(t, "self", "http://127.0.0.1:1", now)
	e.register(t, "owner", o.hs.URL, now)
	e.register(t, "dead", dead.hs.URL, now.Add(-2*time.Minute))
	e.register(t, "unreachable", gone.URL, now)
	acquire(t, e.st, "MINE", "alice", "self", now, time.Hour)
	acquire(t, e.st, "OWNED", "alice", "owner", now, time.Hour)
	acquire(t, e.st, "ON-DEAD", "alice", "dead", now, time.Hour)
	acquire(t, e.st, "ON-GONE", "alice", "unreachable", now, time.Hour)
	acquire(t, e.st, "ORPHAN", "alice", "unregistered", now, time.Hour)

	for _, tc := range []struct {
		name, user, shell string
		hdr               http.Header
	}{
		{"unknown shell", "alice", "NOPE", nil},
		{"own lease", "alice", "MINE", nil},
		{"another user's shell", "bob", "OWNED", nil},
		{"already forwarded", "alice", "OWNED", http.Header{HopHeader: {"other"}}},
		{"dead owner", "alice", "ON-DEAD", nil},
		{"unreachable owner", "alice", "ON-GONE", nil},
		{"unregistered owner", "alice", "ORPHAN", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if rec := e.do(tc.user, tc.shell, tc.hdr); rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), "local") {
				t.Fatalf("got %d %q, want the local answer", rec.Code, rec.Body.String())
			}
		})
	}
	if o.n.Load() != 0 || dead.n.Load() != 0 {
		t.Fatalf("declined requests reached owners: owner %d, dead %d", o.n.Load(), dead.n.Load())
	}
	// The control: the same user and shell without the hop header goes through.
	if rec := e.do("alice", "OWNED", nil); rec.Code != http.StatusInternalServerError || o.n.Load() != 1 {
		t.Fatalf("control: %d, owner requests %d", rec.Code, o.n.Load())
	}
}

// TestForwardNeedsWrap: without Wrap there is no request to forward, and a
// nil principal (refused caller) is never forwarded.
func TestForwardNeedsWrap(t *testing.T) {
	e := newForwardEnv(t)
	o := newRecordingOwner(t)
	now := time.Now().UTC()
	e.register(t, "owner", o.hs.URL, now)
	acquire(t, e.st, "OWNED", "alice", "owner", now, time.Hour)
	rec := httptest.NewRecorder()
	if e.fwd.Forward(context.Background(), rec, &runspace.Principal{UserID: "alice"}, nil, "OWNED") {
		t.Fatal("Forward without Wrap returned true")
	}
	req := httptest.NewRequest(http.MethodPost, "/x", bytes.NewReader(nil))
	var ok bool
	e.fwd.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ok = e.fwd.Forward(r.Context(), w, nil, nil, "OWNED")
	})).ServeHTTP(rec, req)
	if ok || o.n.Load() != 0 {
		t.Fatalf("nil principal forwarded (%v, %d)", ok, o.n.Load())
	}
}

func TestNewForwarderValidates(t *testing.T) {
	if _, err := NewForwarder(ForwarderConfig{}, &crashableStore{}, nil); !errors.Is(err, ErrNoReplicaID) {
		t.Fatalf("no ID: %v", err)
	}
	if _, err := NewForwarder(ForwarderConfig{ReplicaID: "r"}, nil, nil); err == nil {
		t.Fatal("nil store accepted")
	}
	f, err := NewForwarder(ForwarderConfig{ReplicaID: "r"}, &crashableStore{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if f.cfg.Timeout != DefaultForwardTimeout || f.cfg.ReplicaTTL != DefaultReplicaTTL {
		t.Fatalf("defaults: %+v", f.cfg)
	}
}
