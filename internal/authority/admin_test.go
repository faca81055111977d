package authority

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/ipps/ipps/internal/storage"
)

func TestAdminHelpers(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	cert, _ := selfSignedCert(t)
	if _, _, err := e.a.CreateApplication(ctx, NewApp{Public: true, WithSecret: true}); err == nil {
		t.Fatal("public client with a secret accepted")
	}
	id, secret, err := e.a.CreateApplication(ctx, NewApp{TenantID: e.tenant.ID, Certificates: [][]byte{cert.Raw}, WithSecret: true})
	if err != nil || secret == "" {
		t.Fatal(err)
	}
	app, _ := e.store.GetApplication(ctx, id)
	sum := sha1.Sum(cert.Raw)
	if app.Certificates[0].Thumbprint != strings.ToUpper(hex.EncodeToString(sum[:])) || strings.Contains(app.SecretHashes[0], secret) {
		t.Fatalf("%+v", app)
	}
	u, _ := e.store.GetUser(ctx, e.bob.ID)
	if !strings.HasPrefix(u.PasswordHash, "$argon2id$") || !u.RemotePowerShellEnabled || !u.Enabled {
		t.Fatalf("%+v", u)
	}
	if err := e.a.ResetMFA(ctx, e.bob.ID); err != nil {
		t.Fatal(err)
	}
	if u, _ := e.store.GetUser(ctx, e.bob.ID); u.TOTPSecret != "" || u.MFAState != storage.MFAEnabled {
		t.Fatalf("after reset: %+v", u)
	}
	if _, err := e.a.CreateTenant(ctx, "contoso", "dup"); err == nil {
		t.Fatal("duplicate tenant name accepted")
	}
}
