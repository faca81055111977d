package storage

import (
	"context"
	"errors"
	"log/slog"
	"testing"
)

func TestOpenChoosesBackendByScheme(t *testing.T) {
	var got string
	fake := func(name string) Opener {
		return func(ctx context.Context, dsn string, logger *slog.Logger) (Storage, error) {
			if logger == nil {
				t.Error("nil logger passed to backend")
			}
			got = name + " " + dsn
			return nil, errors.New("fake")
		}
	}
	Register("faketest", fake("faketest"))
	Register("sqlite", fake("sqlite"))
	t.Cleanup(func() {
		backendsMu.Lock()
		delete(backends, "faketest")
		delete(backends, "sqlite")
		backendsMu.Unlock()
	})
	for dsn, want := range map[string]string{
		"faketest://h/db":    "faketest faketest://h/db",
		"sqlite:///tmp/x.db": "sqlite sqlite:///tmp/x.db",
		"/var/lib/ipps.db":   "sqlite /var/lib/ipps.db",
	} {
		Open(context.Background(), dsn, nil)
		if got != want {
			t.Errorf("Open(%q) reached %q, want %q", dsn, got, want)
		}
	}
	if _, err := Open(context.Background(), "nope://x", nil); err == nil {
		t.Error("unknown scheme accepted")
	}
	defer func() {
		if recover() == nil {
			t.Error("duplicate Register did not panic")
		}
	}()
	Register("faketest", fake("again"))
}

func TestGCResultTotal(t *testing.T) {
	r := GCResult{AuthCodes: 1, DeviceCodes: 2, RefreshTokens: 3, SMSCodes: 4, JTIs: 5, Lockouts: 6, Leases: 7, SignInSessions: 8}
	if r.Total() != 36 {
		t.Fatalf("total %d", r.Total())
	}
}
