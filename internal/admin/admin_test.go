package admin

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/authority"
	"github.com/ipps/ipps/internal/authority/mfa"
	"github.com/ipps/ipps/internal/storage"
	_ "github.com/ipps/ipps/internal/storage/sql"
)

func newAdmin(t *testing.T) *Admin {
	t.Helper()
	st, err := storage.Open(context.Background(), filepath.Join(t.TempDir(), "ipps.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	seeded := 0
	return &Admin{
		Store:    st,
		Password: authority.PasswordParams{MemoryKiB: 64, Time: 1, Threads: 1},
		Seed: func(ctx context.Context, tx storage.Storage, tenantID string) error {
			seeded++
			return tx.CreateRoleGroup(ctx, storage.RoleGroup{ID: "g-" + tenantID, TenantID: tenantID, Name: "Organization Management"})
		},
	}
}

func TestTenantUserLifecycle(t *testing.T) {
	ctx := context.Background()
	a := newAdmin(t)
	ten, err := a.CreateTenant(ctx, "Contoso.Test", "Contoso")
	if err != nil {
		t.Fatal(err)
	}
	if ten.Name != "contoso" {
		t.Fatalf("tenant name %q", ten.Name)
	}
	if _, err := a.CreateTenant(ctx, "contoso.test", ""); !errors.Is(err, storage.ErrAlreadyExists) {
		t.Fatalf("duplicate tenant: %v", err)
	}
	cu, err := a.CreateUser(ctx, NewUser{UPN: "admin@contoso.test", MFA: storage.MFAEnforced})
	if err != nil {
		t.Fatal(err)
	}
	if len(cu.Password) != 20 || cu.TOTPSecret == "" || !strings.HasPrefix(cu.TOTPURL, "otpauth://totp/") {
		t.Fatalf("created user facts: %+v", cu)
	}
	ok, err := authority.VerifyPassword(cu.User.PasswordHash, cu.Password)
	if err != nil || !ok {
		t.Fatalf("stored hash does not verify the printed password: %v", err)
	}
	code, _ := mfa.TOTPCode(cu.TOTPSecret, time.Now())
	if _, ok := mfa.MatchTOTP(cu.TOTPSecret, code, time.Now()); !ok {
		t.Fatal("printed TOTP secret does not produce accepted codes")
	}
	if !cu.User.RemotePowerShellEnabled || !cu.User.Enabled {
		t.Fatal("new users must be enabled for remote PowerShell")
	}

	if err := a.AddRoleGroupMember(ctx, "organization management", "ADMIN@contoso.test"); err != nil {
		t.Fatal(err)
	}
	if err := a.AddRoleGroupMember(ctx, "Organization Management", "admin@contoso.test"); err != nil {
		t.Fatalf("re-adding a member must be idempotent: %v", err)
	}
	groups, _ := a.Store.ListRoleGroupsForUser(ctx, ten.ID, cu.User.ID)
	if len(groups) != 1 {
		t.Fatalf("groups %+v", groups)
	}

	pw, err := a.ResetPassword(ctx, "admin@contoso.test", "")
	if err != nil || pw == cu.Password {
		t.Fatalf("reset: %q %v", pw, err)
	}
	u, _ := a.Store.GetUserByUPN(ctx, "admin@contoso.test")
	if ok, _ := authority.VerifyPassword(u.PasswordHash, pw); !ok || u.TokensValidAfter.IsZero() {
		t.Fatal("reset password not stored or tokens not invalidated")
	}
	secret, _, err := a.ResetMFA(ctx, "admin@contoso.test")
	if err != nil || secret == cu.TOTPSecret {
		t.Fatalf("reset mfa: %v", err)
	}
	if err := a.DisableUser(ctx, "admin@contoso.test"); err != nil {
		t.Fatal(err)
	}
	if u, _ := a.Store.GetUserByUPN(ctx, "admin@contoso.test"); u.Enabled {
		t.Fatal("user still enabled")
	}
}

func TestErrorsAreActionable(t *testing.T) {
	ctx := context.Background()
	a := newAdmin(t)
	if _, err := a.CreateUser(ctx, NewUser{UPN: "nobody"}); err == nil || !strings.Contains(err.Error(), "not a user principal name") {
		t.Fatalf("got %v", err)
	}
	if _, err := a.CreateUser(ctx, NewUser{UPN: "x@nowhere.test"}); err == nil || !strings.Contains(err.Error(), "create the tenant first") {
		t.Fatalf("got %v", err)
	}
	if _, err := a.CreateTenant(ctx, "localhost", ""); err == nil {
		t.Fatal("single-label domain accepted")
	}
	if err := a.AddRoleGroupMember(ctx, "Org", "ghost@contoso.test"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("got %v", err)
	}
}

func TestGeneratePassword(t *testing.T) {
	seen := map[string]bool{}
	for range 50 {
		p := GeneratePassword()
		if len(p) != 20 || seen[p] {
			t.Fatalf("bad or repeated password %q", p)
		}
		seen[p] = true
		if !strings.ContainsAny(p, "ABCDEFGHJKLMNPQRSTUVWXYZ") || !strings.ContainsAny(p, "abcdefghijkmnopqrstuvwxyz") ||
			!strings.ContainsAny(p, "23456789") || !strings.ContainsAny(p, "!#%+-=?@") {
			t.Fatalf("password %q lacks a character class", p)
		}
	}
}
