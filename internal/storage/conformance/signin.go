package conformance

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/storage"
)

func testSignInSession(t *testing.T, s storage.Storage) {
	ctx := context.Background()
	in := storage.SignInSession{ID: "h-1", TenantID: "t1", ClientID: "c1", Step: "password", CSRFHash: "csrf-1",
		RelayHash: "relay-1", Params: []byte(`{"redirect_uri":"http://localhost"}`), CreatedAt: base, ExpiresAt: base.Add(10 * time.Minute)}
	must(t, s.CreateSignInSession(ctx, in))
	wantErr(t, s.CreateSignInSession(ctx, storage.SignInSession{ID: "h-1", ExpiresAt: base}), storage.ErrAlreadyExists)
	wantErr(t, s.CreateSignInSession(ctx, storage.SignInSession{ID: "h-2", RelayHash: "relay-1", ExpiresAt: base}), storage.ErrAlreadyExists)
	// Sessions without a relay do not collide on it.
	must(t, s.CreateSignInSession(ctx, storage.SignInSession{ID: "h-3", ExpiresAt: base}))
	must(t, s.CreateSignInSession(ctx, storage.SignInSession{ID: "h-4", ExpiresAt: base}))

	got, err := s.GetSignInSession(ctx, "h-1")
	must(t, err)
	in.Version = 1
	if !reflect.DeepEqual(got, in) {
		t.Fatalf("got %+v, want %+v", got, in)
	}
	byRelay, err := s.GetSignInSessionByRelay(ctx, "relay-1")
	must(t, err)
	if !reflect.DeepEqual(byRelay, in) {
		t.Fatalf("by relay %+v", byRelay)
	}
	_, err = s.GetSignInSessionByRelay(ctx, "")
	wantErr(t, err, storage.ErrNotFound)
	_, err = s.GetSignInSession(ctx, "missing")
	wantErr(t, err, storage.ErrNotFound)

	up, err := s.UpdateSignInSession(ctx, "h-1", func(o storage.SignInSession) (storage.SignInSession, error) {
		o.Step, o.UserID, o.AMR, o.RelayHash, o.CSRFHash = "mfa", "u1", []string{"pwd"}, "", "csrf-2"
		o.ID, o.CreatedAt, o.Version = "ignored", base.Add(time.Hour), 99
		return o, nil
	})
	must(t, err)
	if up.ID != "h-1" || up.Version != 2 || !up.CreatedAt.Equal(base) {
		t.Fatalf("update kept key fields wrong: %+v", up)
	}
	got, err = s.GetSignInSession(ctx, "h-1")
	must(t, err)
	if got.Step != "mfa" || got.UserID != "u1" || !reflect.DeepEqual(got.AMR, []string{"pwd"}) || got.RelayHash != "" ||
		got.CSRFHash != "csrf-2" || got.Version != 2 || string(got.Params) != string(in.Params) {
		t.Fatalf("after update %+v", got)
	}
	_, err = s.GetSignInSessionByRelay(ctx, "relay-1")
	wantErr(t, err, storage.ErrNotFound)

	boom := errors.New("boom")
	_, err = s.UpdateSignInSession(ctx, "h-1", func(o storage.SignInSession) (storage.SignInSession, error) { return o, boom })
	wantErr(t, err, boom)
	_, err = s.UpdateSignInSession(ctx, "missing", func(o storage.SignInSession) (storage.SignInSession, error) { return o, nil })
	wantErr(t, err, storage.ErrNotFound)

	must(t, s.DeleteSignInSession(ctx, "h-1"))
	wantErr(t, s.DeleteSignInSession(ctx, "h-1"), storage.ErrNotFound)
	_, err = s.GetSignInSession(ctx, "h-1")
	wantErr(t, err, storage.ErrNotFound)
}

// testSignInSessionConcurrent: of concurrent deletes exactly one wins
// (single-use steps), and concurrent updates all apply.
func testSignInSessionConcurrent(t *testing.T, s storage.Storage) {
	ctx := context.Background()
	must(t, s.CreateSignInSession(ctx, storage.SignInSession{ID: "c-1", ExpiresAt: base.Add(time.Hour)}))
	const n = 8
	var applied atomic.Int64
	for _, err := range race(n, func(i int) error {
		_, err := s.UpdateSignInSession(ctx, "c-1", func(o storage.SignInSession) (storage.SignInSession, error) {
			o.AMR = append(o.AMR, fmt.Sprint(i))
			return o, nil
		})
		if err == nil {
			applied.Add(1)
		}
		return err
	}) {
		must(t, err)
	}
	got, err := s.GetSignInSession(ctx, "c-1")
	must(t, err)
	if got.Version != 1+n || len(got.AMR) != n || applied.Load() != n {
		t.Fatalf("after %d concurrent updates: version %d, amr %v", n, got.Version, got.AMR)
	}
	wins := 0
	for _, err := range race(n, func(int) error { return s.DeleteSignInSession(ctx, "c-1") }) {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, storage.ErrNotFound):
			t.Fatal(err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d deletes won, want 1", wins)
	}
}
