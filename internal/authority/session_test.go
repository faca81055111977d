package authority

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/storage/storagetest"
)

func TestSessionStoreRotateExpireRelay(t *testing.T) {
	ctx := context.Background()
	st := newSessionStore(storagetest.New(t), slog.New(slog.DiscardHandler))
	now := time.Now()
	s, ok := st.create(ctx, signIn{Step: stepUsername, Expires: now.Add(time.Minute), Scopes: []string{"openid"}}, now)
	if !ok || s.ID == "" || s.CSRF == "" || s.ID == s.CSRF {
		t.Fatal("ids")
	}
	if got, ok := st.get(ctx, s.ID, now); !ok || got.CSRF != s.CSRF || got.Scopes[0] != "openid" {
		t.Fatalf("get %+v", got)
	}
	next := s
	next.Step = stepPassword
	n, ok := st.rotate(ctx, s, next)
	if !ok || n.ID == s.ID || n.CSRF == s.CSRF {
		t.Fatal("rotate kept the id or token")
	}
	if _, ok := st.get(ctx, s.ID, now); ok {
		t.Fatal("old id still valid")
	}
	if _, ok := st.rotate(ctx, s, next); ok {
		t.Fatal("second rotation of the same transaction succeeded")
	}
	if !csrfOK(n, n.CSRF) || csrfOK(n, s.CSRF) || csrfOK(n, "") {
		t.Fatal("csrf check")
	}
	fed := n
	fed.Step, fed.FedRelay = stepFederated, "relay-x"
	if !st.update(ctx, fed) {
		t.Fatal("update")
	}
	if got, ok := st.findRelay(ctx, "relay-x", now); !ok || got.key != n.key {
		t.Fatal("relay lookup")
	}
	if _, ok := st.findRelay(ctx, "", now); ok {
		t.Fatal("empty relay matched")
	}
	if _, ok := st.get(ctx, n.ID, now.Add(2*time.Minute)); ok {
		t.Fatal("expired transaction returned")
	}
}
