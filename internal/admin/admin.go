// Package admin holds the bootstrap operations of a server that has no
// portal yet: create a tenant, users and applications, reset a password or
// MFA, disable an account, add a role-group member. `ippsd dev` seeds its
// demo tenant with them and the `ippsd tenant|user|rolegroup|app` commands
// expose them. Every operation goes through the storage contract, so it
// works the same on SQLite and PostgreSQL.
package admin

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/ipps/ipps/internal/authority"
	"github.com/ipps/ipps/internal/authority/mfa"
	"github.com/ipps/ipps/internal/storage"
)

// Seeder installs a new tenant's defaults (the compliance service's role
// groups and roles). ippsd passes the compliance package's seeding function.
type Seeder func(ctx context.Context, st storage.Storage, tenantID string) error

// Admin performs bootstrap operations on one store.
type Admin struct {
	Store storage.Storage
	// Seed runs after a tenant is created; nil seeds nothing.
	Seed     Seeder
	Password authority.PasswordParams
	// Issuer labels TOTP enrolments in authenticator apps.
	Issuer string
	Now    func() time.Time
}

func (a *Admin) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// CreateTenant creates a tenant whose first managed domain is domain
// (e.g. "contoso.test") and seeds its defaults.
func (a *Admin) CreateTenant(ctx context.Context, domain, displayName string) (storage.Tenant, error) {
	domain = strings.ToLower(strings.TrimSpace(domain))
	if domain == "" || !strings.Contains(domain, ".") {
		return storage.Tenant{}, fmt.Errorf("admin: tenant domain %q must be a DNS name such as contoso.test", domain)
	}
	if displayName == "" {
		displayName = domain
	}
	t := storage.Tenant{ID: uuid.NewString(), Name: strings.SplitN(domain, ".", 2)[0], DisplayName: displayName, CreatedAt: a.now()}
	err := a.Store.Tx(ctx, func(ctx context.Context, tx storage.Storage) error {
		if err := tx.CreateTenant(ctx, t); err != nil {
			return err
		}
		if err := tx.CreateDomain(ctx, storage.Domain{Name: domain, TenantID: t.ID, Kind: storage.DomainManaged, CreatedAt: a.now()}); err != nil {
			return err
		}
		if a.Seed != nil {
			return a.Seed(ctx, tx, t.ID)
		}
		return nil
	})
	if err != nil {
		return storage.Tenant{}, fmt.Errorf("admin: create tenant %s: %w", domain, err)
	}
	return t, nil
}

// NewUser describes a user to create.
type NewUser struct {
	UPN         string
	DisplayName string
	// Password is generated when empty.
	Password string
	// MFA enforced enrols a TOTP secret.
	MFA   storage.MFAState
	Phone string
}

// CreatedUser is what the operator must hand to the user.
type CreatedUser struct {
	User       storage.User
	Password   string
	TOTPSecret string
	// TOTPURL is the otpauth:// URL for a QR code ("" without MFA).
	TOTPURL string
}

// CreateUser creates a user in the tenant owning the UPN's domain.
func (a *Admin) CreateUser(ctx context.Context, nu NewUser) (CreatedUser, error) {
	upn := strings.TrimSpace(nu.UPN)
	at := strings.LastIndexByte(upn, '@')
	if at <= 0 || at == len(upn)-1 {
		return CreatedUser{}, fmt.Errorf("admin: %q is not a user principal name like admin@contoso.test", nu.UPN)
	}
	dom, err := a.Store.GetDomain(ctx, strings.ToLower(upn[at+1:]))
	if err != nil {
		return CreatedUser{}, fmt.Errorf("admin: domain %s: %w (create the tenant first)", upn[at+1:], err)
	}
	out := CreatedUser{Password: nu.Password}
	if out.Password == "" {
		out.Password = GeneratePassword()
	}
	hash, err := authority.HashPassword(out.Password, a.params())
	if err != nil {
		return CreatedUser{}, fmt.Errorf("admin: %w", err)
	}
	now := a.now()
	u := storage.User{
		ID: uuid.NewString(), TenantID: dom.TenantID, UPN: upn, DisplayName: nu.DisplayName,
		Enabled: true, PasswordHash: hash, PasswordChangedAt: now,
		MFAState: storage.MFADisabled, PhoneNumber: nu.Phone,
		RemotePowerShellEnabled: true, EXOModuleEnabled: true, CreatedAt: now, UpdatedAt: now,
	}
	if u.DisplayName == "" {
		u.DisplayName = upn[:at]
	}
	if nu.MFA != "" && nu.MFA != storage.MFADisabled {
		enr, err := mfa.NewEnrolment(a.issuer(), upn)
		if err != nil {
			return CreatedUser{}, fmt.Errorf("admin: %w", err)
		}
		u.MFAState, u.TOTPSecret = nu.MFA, enr.Secret
		out.TOTPSecret, out.TOTPURL = enr.Secret, enr.URI
	}
	if err := a.Store.CreateUser(ctx, u); err != nil {
		return CreatedUser{}, fmt.Errorf("admin: create user %s: %w", upn, err)
	}
	out.User = u
	return out, nil
}

// ResetPassword sets a new password (generated when empty) and revokes
// every refresh token the user holds.
func (a *Admin) ResetPassword(ctx context.Context, upn, password string) (string, error) {
	if password == "" {
		password = GeneratePassword()
	}
	hash, err := authority.HashPassword(password, a.params())
	if err != nil {
		return "", fmt.Errorf("admin: %w", err)
	}
	now := a.now()
	_, err = a.updateUser(ctx, upn, func(u storage.User) (storage.User, error) {
		u.PasswordHash, u.PasswordChangedAt, u.TokensValidAfter = hash, now, now
		return u, nil
	})
	if err != nil {
		return "", err
	}
	return password, a.revoke(ctx, upn, now)
}

// ResetMFA enrols a new TOTP secret (MFA stays enforced) and forgets the
// recovery codes and the last accepted TOTP step.
func (a *Admin) ResetMFA(ctx context.Context, upn string) (secret, url string, err error) {
	enr, err := mfa.NewEnrolment(a.issuer(), upn)
	if err != nil {
		return "", "", fmt.Errorf("admin: %w", err)
	}
	_, err = a.updateUser(ctx, upn, func(u storage.User) (storage.User, error) {
		if u.MFAState == storage.MFADisabled {
			u.MFAState = storage.MFAEnforced
		}
		u.TOTPSecret, u.RecoveryCodeHashes, u.TOTPLastStep = enr.Secret, nil, 0
		return u, nil
	})
	return enr.Secret, enr.URI, err
}

// DisableUser blocks sign-in and revokes the user's refresh tokens.
func (a *Admin) DisableUser(ctx context.Context, upn string) error {
	now := a.now()
	if _, err := a.updateUser(ctx, upn, func(u storage.User) (storage.User, error) {
		u.Enabled, u.TokensValidAfter = false, now
		return u, nil
	}); err != nil {
		return err
	}
	return a.revoke(ctx, upn, now)
}

// AddRoleGroupMember adds the user to the named role group of the user's
// tenant. Adding an existing member is not an error.
func (a *Admin) AddRoleGroupMember(ctx context.Context, group, upn string) error {
	u, err := a.Store.GetUserByUPN(ctx, upn)
	if err != nil {
		return fmt.Errorf("admin: user %s: %w", upn, err)
	}
	g, err := a.Store.GetRoleGroupByName(ctx, u.TenantID, group)
	if err != nil {
		return fmt.Errorf("admin: role group %q: %w", group, err)
	}
	if err := a.Store.AddRoleGroupMember(ctx, g.ID, u.ID); err != nil && !errors.Is(err, storage.ErrAlreadyExists) {
		return fmt.Errorf("admin: add %s to %q: %w", upn, group, err)
	}
	return nil
}

func (a *Admin) updateUser(ctx context.Context, upn string, fn func(storage.User) (storage.User, error)) (storage.User, error) {
	u, err := a.Store.GetUserByUPN(ctx, upn)
	if err != nil {
		return storage.User{}, fmt.Errorf("admin: user %s: %w", upn, err)
	}
	u, err = a.Store.UpdateUser(ctx, u.ID, fn)
	if err != nil {
		return storage.User{}, fmt.Errorf("admin: update %s: %w", upn, err)
	}
	return u, nil
}

func (a *Admin) revoke(ctx context.Context, upn string, now time.Time) error {
	u, err := a.Store.GetUserByUPN(ctx, upn)
	if err != nil {
		return fmt.Errorf("admin: %w", err)
	}
	if _, err := a.Store.RevokeUserRefreshTokens(ctx, u.ID, now); err != nil {
		return fmt.Errorf("admin: revoke tokens of %s: %w", upn, err)
	}
	return nil
}

func (a *Admin) params() authority.PasswordParams {
	if a.Password == (authority.PasswordParams{}) {
		return authority.DefaultPasswordParams
	}
	return a.Password
}

func (a *Admin) issuer() string {
	if a.Issuer == "" {
		return "ipps"
	}
	return a.Issuer
}

// GeneratePassword returns a random 20-character password with upper,
// lower, digit and symbol characters.
func GeneratePassword() string {
	const sets = "ABCDEFGHJKLMNPQRSTUVWXYZ" + "abcdefghijkmnopqrstuvwxyz" + "23456789" + "!#%+-=?@"
	classes := []string{sets[:24], sets[24:49], sets[49:57], sets[57:]}
	b := make([]byte, 20)
	for i := range b {
		class := classes[i%len(classes)]
		if i >= len(classes) {
			class = sets
		}
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(class))))
		b[i] = class[n.Int64()]
	}
	// Shuffle so the class order is not predictable.
	for i := len(b) - 1; i > 0; i-- {
		j, _ := rand.Int(rand.Reader, big.NewInt(int64(i+1)))
		b[i], b[j.Int64()] = b[j.Int64()], b[i]
	}
	return string(b)
}
