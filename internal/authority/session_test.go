package authority

import (
	"testing"
	"time"
)

func TestSessionStoreRotateExpireRelay(t *testing.T) {
	st := newSessionStore()
	now := time.Now()
	s := st.create(signIn{Step: stepUsername, Expires: now.Add(time.Minute)}, now)
	if s.ID == "" || s.CSRF == "" || s.ID == s.CSRF {
		t.Fatal("ids")
	}
	next := s
	next.Step = stepPassword
	n, ok := st.rotate(s.ID, next)
	if !ok || n.ID == s.ID || n.CSRF == s.CSRF {
		t.Fatal("rotate kept the id or token")
	}
	if _, ok := st.get(s.ID, now); ok {
		t.Fatal("old id still valid")
	}
	if _, ok := st.rotate(s.ID, next); ok {
		t.Fatal("second rotation of the same transaction succeeded")
	}
	if !csrfOK(n, n.CSRF) || csrfOK(n, s.CSRF) || csrfOK(n, "") {
		t.Fatal("csrf check")
	}
	fed := n
	fed.Step, fed.FedRelay = stepFederated, "relay-x"
	st.update(fed)
	if got, ok := st.findRelay("relay-x", now); !ok || got.ID != n.ID {
		t.Fatal("relay lookup")
	}
	if _, ok := st.findRelay("", now); ok {
		t.Fatal("empty relay matched")
	}
	if _, ok := st.get(n.ID, now.Add(2*time.Minute)); ok {
		t.Fatal("expired transaction returned")
	}
}
