package authority

import (
	"context"
	"testing"

	"github.com/ipps/ipps/internal/authority/tokens"
	"github.com/ipps/ipps/internal/authority/validate"
)

// Two authorities on one store (two replicas): a token signed after the
// second one rotated validates on the first once it has synced.
func TestSyncKeysAcrossReplicas(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	other, err := New(ctx, e.a.cfg, e.a.store, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := other.RotateKeys(ctx); err != nil {
		t.Fatal(err)
	}
	k, _ := other.Keys().Signing()
	now := e.a.cfg.Now()
	claims := tokens.AccessClaims{Aud: ResourceCompliance, Iss: e.a.IssuerV1(e.tenant.ID), Iat: now.Unix(), Nbf: now.Unix(), Exp: now.Unix() + 600,
		Oid: "x", Sub: "x", Tid: e.tenant.ID, AppID: ClientEXOModule, Ver: "1.0"}
	tok, err := other.Keys().Sign(claims)
	if err != nil {
		t.Fatal(err)
	}
	v := *e.a.Validator()
	v.Users = nil
	if _, err := v.Validate(ctx, tok, validate.Options{}); err == nil {
		t.Fatal("token signed with an unknown key validated before sync")
	}
	n, err := e.a.SyncKeys(ctx)
	if err != nil || n != 1 {
		t.Fatalf("SyncKeys added %d: %v", n, err)
	}
	if _, ok := e.a.Keys().Lookup(k.ID, now); !ok {
		t.Fatal("synced key not published")
	}
	if _, err := v.Validate(ctx, tok, validate.Options{}); err != nil {
		t.Fatalf("after sync: %v", err)
	}
	if n, _ := e.a.SyncKeys(ctx); n != 0 {
		t.Fatalf("second sync added %d keys", n)
	}
	if s, _ := e.a.Keys().Signing(); s.ID == k.ID {
		t.Fatal("sync must not change this replica's signing key")
	}
}
