package authority

import (
	"context"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/authority/validate"
)

func TestMaintainRotatesAndRetires(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.KeyLifetime = time.Hour })
	ctx := context.Background()
	old, _ := e.a.Keys().Signing()
	_, m := e.tokenPost("/contoso.test/oauth2/v2.0/token", map[string][]string{"grant_type": {"password"}, "client_id": {ClientEXOModule},
		"username": {"alice@contoso.test"}, "password": {testPassword}, "scope": {ResourceCompliance + "/.default"}})
	at := m["access_token"].(string)
	if err := e.a.Maintain(ctx); err != nil {
		t.Fatal(err)
	}
	if k, _ := e.a.Keys().Signing(); k.ID != old.ID {
		t.Fatal("rotated before KeyLifetime")
	}
	e.clock.Advance(time.Hour)
	if err := e.a.Maintain(ctx); err != nil {
		t.Fatal(err)
	}
	if k, _ := e.a.Keys().Signing(); k.ID == old.ID {
		t.Fatal("not rotated after KeyLifetime")
	}
	// Tokens signed by the old key still validate until they expire.
	if _, err := e.a.Validator().Validate(ctx, at, validate.Options{}); err != nil {
		t.Fatalf("token of the retired key: %v", err)
	}
	e.clock.Advance(3 * time.Hour)
	if err := e.a.Maintain(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.a.Keys().Lookup(old.ID, e.clock.Now()); ok {
		t.Fatal("retired key still published")
	}
	stored, _ := e.store.ListSigningKeys(ctx)
	for _, k := range stored {
		if k.KID == old.ID {
			t.Fatal("retired key not deleted from storage")
		}
	}
}
