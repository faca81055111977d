package authority

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/authority/mfa"
	"github.com/ipps/ipps/internal/storage"
	"github.com/ipps/ipps/internal/storage/storagetest"
)

func TestSessionStoreRotateExpireRelay(t *testing.T) {
	ctx := context.Background()
	st, err := newSessionStore(storagetest.New(t), slog.New(slog.DiscardHandler), []byte("test secret"))
	if err != nil {
		t.Fatal(err)
	}
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

func TestSessionSecretsSealed(t *testing.T) {
	ctx := context.Background()
	backing := storagetest.New(t)
	st, err := newSessionStore(backing, slog.New(slog.DiscardHandler), []byte("test secret"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	enrol, err := mfa.NewEnrolment("test", "carol")
	if err != nil {
		t.Fatal(err)
	}
	codes := []string{"abcde-fghij", "klmno-pqrst"}
	s, ok := st.create(ctx, signIn{Step: stepEnrol, Expires: now.Add(time.Minute), UserID: "u1",
		Enrolment: &enrol, RecoveryCodes: codes, FedRelay: "relay-secret"}, now)
	if !ok {
		t.Fatal("create")
	}
	r, err := backing.GetSignInSession(ctx, s.key)
	if err != nil {
		t.Fatal(err)
	}
	qr := strings.TrimPrefix(enrol.QRImage, "data:image/png;base64,")
	for _, clear := range append([]string{enrol.Secret, enrol.URI, qr[len(qr)/2 : len(qr)/2+64], "relay-secret"}, codes...) {
		if bytes.Contains(r.Params, []byte(clear)) {
			t.Fatalf("stored row holds %q in clear: %s", clear, r.Params)
		}
	}
	got, ok := st.get(ctx, s.ID, now)
	if !ok || got.Enrolment == nil || *got.Enrolment != enrol || !slices.Equal(got.RecoveryCodes, codes) || got.FedRelay != "relay-secret" {
		t.Fatalf("secrets did not round-trip: %+v", got)
	}

	other, _ := st.create(ctx, signIn{Step: stepUsername, Expires: now.Add(time.Minute)}, now)
	otherRow, _ := backing.GetSignInSession(ctx, other.key)
	otherKey, err := newSessionStore(backing, slog.New(slog.DiscardHandler), []byte("another secret"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := otherKey.get(ctx, s.ID, now); ok {
		t.Fatal("row opened under another secret")
	}
	for name, tamper := range map[string]func(sealed []byte) []byte{
		"flipped bit": func(b []byte) []byte { b = slices.Clone(b); b[len(b)/2] ^= 1; return b },
		"truncated":   func(b []byte) []byte { return b[:8] },
		"removed":     func([]byte) []byte { return nil },
		"transplanted": func([]byte) []byte {
			var o storedSignIn
			_ = json.Unmarshal(otherRow.Params, &o)
			return o.Sealed
		},
	} {
		_, err := backing.UpdateSignInSession(ctx, s.key, func(old storage.SignInSession) (storage.SignInSession, error) {
			var m map[string]any
			if err := json.Unmarshal(r.Params, &m); err != nil {
				return old, err
			}
			var stored storedSignIn
			_ = json.Unmarshal(r.Params, &stored)
			m["Sealed"] = tamper(stored.Sealed)
			old.Params, _ = json.Marshal(m)
			return old, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := st.get(ctx, s.ID, now); ok {
			t.Fatalf("%s: tampered row accepted", name)
		}
	}
}
