package authority

import (
	"context"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/ipps/ipps/internal/storage"
)

// The admin helpers below are what ippsd's bootstrap and management
// commands use. They hash secrets and revoke tokens consistently.

// CreateTenant creates a tenant with a managed initial domain
// "<name>.onmicrosoft.com" plus any extra managed domains.
func (a *Authority) CreateTenant(ctx context.Context, name, displayName string, domains ...string) (storage.Tenant, error) {
	t := storage.Tenant{ID: uuid.NewString(), Name: strings.ToLower(name), DisplayName: displayName, CreatedAt: a.cfg.Now()}
	if err := a.store.CreateTenant(ctx, t); err != nil {
		return t, fmt.Errorf("authority: create tenant: %w", err)
	}
	for _, d := range append([]string{t.Name + ".onmicrosoft.com"}, domains...) {
		err := a.store.CreateDomain(ctx, storage.Domain{Name: strings.ToLower(d), TenantID: t.ID, Kind: storage.DomainManaged, CreatedAt: a.cfg.Now()})
		if err != nil {
			return t, fmt.Errorf("authority: create domain %s: %w", d, err)
		}
	}
	return t, nil
}

// NewUser describes a user for CreateUser.
type NewUser struct {
	TenantID    string
	UPN         string
	DisplayName string
	Password    string
	MFA         storage.MFAState // "" means disabled
	TOTPSecret  string           // pre-enrolled authenticator (tests, migration)
	Phone       string
}

// CreateUser creates an enabled user with remote PowerShell enabled and an
// argon2id password hash.
func (a *Authority) CreateUser(ctx context.Context, nu NewUser) (storage.User, error) {
	if nu.MFA == "" {
		nu.MFA = storage.MFADisabled
	}
	u := storage.User{ID: uuid.NewString(), TenantID: nu.TenantID, UPN: nu.UPN, DisplayName: nu.DisplayName,
		Enabled: true, MFAState: nu.MFA, TOTPSecret: nu.TOTPSecret, PhoneNumber: nu.Phone,
		RemotePowerShellEnabled: true, EXOModuleEnabled: true, CreatedAt: a.cfg.Now()}
	if nu.Password != "" {
		h, err := HashPassword(nu.Password, a.cfg.Password)
		if err != nil {
			return u, err
		}
		u.PasswordHash, u.PasswordChangedAt = h, a.cfg.Now()
	}
	if err := a.store.CreateUser(ctx, u); err != nil {
		return u, fmt.Errorf("authority: create user: %w", err)
	}
	return u, nil
}

// ResetPassword sets a new password, revokes the user's refresh tokens and
// invalidates every token issued before now (TokensValidAfter).
func (a *Authority) ResetPassword(ctx context.Context, userID, password string) error {
	h, err := HashPassword(password, a.cfg.Password)
	if err != nil {
		return err
	}
	now := a.cfg.Now()
	_, err = a.store.UpdateUser(ctx, userID, func(u storage.User) (storage.User, error) {
		u.PasswordHash, u.PasswordChangedAt, u.TokensValidAfter = h, now, now
		return u, nil
	})
	if err != nil {
		return fmt.Errorf("authority: reset password: %w", err)
	}
	_, err = a.store.RevokeUserRefreshTokens(ctx, userID, now)
	return err
}

// ResetMFA forgets the user's authenticator, phone-independent recovery
// codes and TOTP step; the user enrols again at next sign-in.
func (a *Authority) ResetMFA(ctx context.Context, userID string) error {
	_, err := a.store.UpdateUser(ctx, userID, func(u storage.User) (storage.User, error) {
		u.TOTPSecret, u.TOTPLastStep, u.RecoveryCodeHashes = "", 0, nil
		return u, nil
	})
	if err != nil {
		return fmt.Errorf("authority: reset mfa: %w", err)
	}
	return nil
}

// SetUserEnabled enables or disables a user. Disabling revokes refresh
// tokens and invalidates access tokens issued before now.
func (a *Authority) SetUserEnabled(ctx context.Context, userID string, enabled bool) error {
	now := a.cfg.Now()
	_, err := a.store.UpdateUser(ctx, userID, func(u storage.User) (storage.User, error) {
		u.Enabled = enabled
		if !enabled {
			u.TokensValidAfter = now
		}
		return u, nil
	})
	if err != nil {
		return fmt.Errorf("authority: set enabled: %w", err)
	}
	if !enabled {
		_, err = a.store.RevokeUserRefreshTokens(ctx, userID, now)
	}
	return err
}

// NewApp describes an application registration for CreateApplication.
type NewApp struct {
	TenantID     string
	DisplayName  string
	Public       bool
	RedirectURIs []string
	// Certificates are DER certificates for private_key_jwt.
	Certificates [][]byte
	// WithSecret generates a client secret, returned once.
	WithSecret bool
	Roles      []string
}

// CreateApplication registers an application and returns its client id
// and, if asked, the generated secret (stored only as a hash).
func (a *Authority) CreateApplication(ctx context.Context, na NewApp) (clientID, secret string, err error) {
	app := storage.Application{ClientID: uuid.NewString(), TenantID: na.TenantID, DisplayName: na.DisplayName,
		RedirectURIs: na.RedirectURIs, Public: na.Public, Roles: na.Roles, CreatedAt: a.cfg.Now()}
	if na.Public && (na.WithSecret || len(na.Certificates) > 0) {
		return "", "", errors.New("authority: a public client cannot have credentials")
	}
	for _, der := range na.Certificates {
		c, err := CertificateCredential(der)
		if err != nil {
			return "", "", err
		}
		app.Certificates = append(app.Certificates, c)
	}
	if na.WithSecret {
		b := make([]byte, 30)
		_, _ = rand.Read(b)
		secret = base64.RawURLEncoding.EncodeToString(b)
		app.SecretHashes = []string{HashClientSecret(secret)}
	}
	if err := a.store.CreateApplication(ctx, app); err != nil {
		return "", "", fmt.Errorf("authority: create application: %w", err)
	}
	return app.ClientID, secret, nil
}

// CertificateCredential builds the stored form of a DER certificate.
func CertificateCredential(der []byte) (storage.Certificate, error) {
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return storage.Certificate{}, fmt.Errorf("authority: parse certificate: %w", err)
	}
	s1 := sha1.Sum(der)
	s256 := sha256.Sum256(der)
	return storage.Certificate{Thumbprint: strings.ToUpper(hex.EncodeToString(s1[:])),
		ThumbprintSHA256: strings.ToUpper(hex.EncodeToString(s256[:])), DER: der,
		NotBefore: cert.NotBefore, NotAfter: cert.NotAfter}, nil
}

// AddFederatedDomain registers a domain of tenantID whose users sign in at
// an external SAML 2.0 IdP described by fed (metadata URL or XML).
func (a *Authority) AddFederatedDomain(ctx context.Context, tenantID, name string, fed storage.Federation) error {
	err := a.store.CreateDomain(ctx, storage.Domain{Name: strings.ToLower(name), TenantID: tenantID,
		Kind: storage.DomainFederated, Federation: fed, CreatedAt: a.cfg.Now()})
	if err != nil {
		return fmt.Errorf("authority: create federated domain: %w", err)
	}
	return nil
}
