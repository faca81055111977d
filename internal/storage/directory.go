package storage

import (
	"context"
	"time"
)

// Tenant is an organization. ID is a GUID string; Name is the short
// unique name (the "contoso" of contoso.onmicrosoft.com), unique
// case-insensitively.
type Tenant struct {
	ID          string
	Name        string
	DisplayName string
	CreatedAt   time.Time
}

// DomainKind says how users of a domain sign in.
type DomainKind string

// Domain kinds.
const (
	DomainManaged   DomainKind = "managed"   // passwords checked by ippsd
	DomainFederated DomainKind = "federated" // redirected to an external IdP
)

// Federation holds a federated domain's IdP settings. It is ignored for
// managed domains.
type Federation struct {
	// MetadataURL or MetadataXML locate the IdP's SAML/OIDC metadata;
	// at most one is normally set.
	MetadataURL string
	MetadataXML string
	// IdPEntityID is the issuer the IdP asserts.
	IdPEntityID string
	// HonourIdPMFA: an MFA claim from the IdP satisfies ippsd's MFA.
	HonourIdPMFA bool
	// MatchImmutableID: the IdP's NameID is matched against
	// User.ImmutableID; otherwise against the UPN.
	MatchImmutableID bool
	// MetadataExchangeURL is the IdP's WS-MetadataExchange (MEX) document,
	// which MSAL's username/password flow reads to find the WS-Trust
	// usernamemixed endpoint (Graph internalDomainFederation
	// metadataExchangeUri). "" means the domain offers no active
	// (WS-Trust) sign-in.
	MetadataExchangeURL string
}

// Domain is a DNS domain owned by one tenant. Name is stored lowercased
// and is globally unique.
type Domain struct {
	Name       string
	TenantID   string
	Kind       DomainKind
	Federation Federation
	CreatedAt  time.Time
}

// MFAState is a user's per-user MFA setting.
type MFAState string

// MFA states.
const (
	MFADisabled MFAState = "disabled"
	MFAEnabled  MFAState = "enabled"
	MFAEnforced MFAState = "enforced"
)

// User is a directory account. ID is the object GUID. UPN is unique
// across all tenants, case-insensitively.
type User struct {
	ID          string
	TenantID    string
	UPN         string
	DisplayName string
	Enabled     bool

	// PasswordHash is an encoded argon2id hash produced by the caller;
	// "" means no password (federated or not yet set).
	PasswordHash      string
	PasswordChangedAt time.Time

	MFAState MFAState
	// TOTPSecret is the base32 shared secret ("" if not enrolled).
	TOTPSecret string
	// TOTPLastStep is the last accepted RFC 6238 time step; advance it
	// only through AuthorityStore.UseTOTPStep.
	TOTPLastStep       int64
	PhoneNumber        string
	RecoveryCodeHashes []string

	// RemotePowerShellEnabled gates remote PowerShell sessions. Callers
	// creating users should set it to true (the service default);
	// storage stores what it is given.
	RemotePowerShellEnabled bool
	EXOModuleEnabled        bool

	// ImmutableID is the federation anchor ("" if none); unique per
	// tenant when set.
	ImmutableID string

	// TokensValidAfter: refresh tokens and sessions issued before this
	// instant are invalid (set on password reset or disable).
	TokensValidAfter time.Time

	CreatedAt time.Time
	UpdatedAt time.Time
}

// Certificate is an application credential.
type Certificate struct {
	// Thumbprint is the hex SHA-1 (x5t) of the DER bytes, upper case.
	Thumbprint string
	// ThumbprintSHA256 is the hex SHA-256 (x5t#S256), upper case.
	ThumbprintSHA256 string
	// DER is the certificate; PEM-encoded input must be decoded by the
	// caller.
	DER       []byte
	NotBefore time.Time
	NotAfter  time.Time
}

// Application is an OAuth client. TenantID "" marks a multi-tenant
// (first-party) application such as the EXO module's well-known client.
type Application struct {
	ClientID     string
	TenantID     string
	DisplayName  string
	RedirectURIs []string
	Public       bool
	// SecretHashes are caller-encoded hashes of client secrets.
	SecretHashes []string
	Certificates []Certificate
	// Roles lists RBAC role names granted to the application for
	// app-only (certificate) sessions.
	Roles     []string
	CreatedAt time.Time
}

// DirectoryStore stores tenants, domains, users and applications.
type DirectoryStore interface {
	CreateTenant(ctx context.Context, t Tenant) error
	GetTenant(ctx context.Context, id string) (Tenant, error)
	// GetTenantByName looks the short name up case-insensitively.
	GetTenantByName(ctx context.Context, name string) (Tenant, error)
	ListTenants(ctx context.Context) ([]Tenant, error)
	UpdateTenant(ctx context.Context, id string, fn func(Tenant) (Tenant, error)) (Tenant, error)
	// DeleteTenant deletes the tenant and everything it owns.
	DeleteTenant(ctx context.Context, id string) error

	// CreateDomain stores d with Name lowercased. The tenant must exist.
	CreateDomain(ctx context.Context, d Domain) error
	GetDomain(ctx context.Context, name string) (Domain, error)
	ListDomains(ctx context.Context, tenantID string) ([]Domain, error)
	UpdateDomain(ctx context.Context, name string, fn func(Domain) (Domain, error)) (Domain, error)
	DeleteDomain(ctx context.Context, name string) error

	// CreateUser stores u. ErrAlreadyExists on a duplicate ID, UPN
	// (case-insensitive) or tenant+ImmutableID. The tenant must exist.
	CreateUser(ctx context.Context, u User) error
	GetUser(ctx context.Context, id string) (User, error)
	GetUserByUPN(ctx context.Context, upn string) (User, error)
	GetUserByImmutableID(ctx context.Context, tenantID, immutableID string) (User, error)
	// ListUsers lists a tenant's users ordered by lowercased UPN. next is
	// "" after the last page.
	ListUsers(ctx context.Context, tenantID string, page Page) (users []User, next string, err error)
	// UpdateUser applies fn atomically. The backend sets UpdatedAt to the
	// current time and keeps TOTPLastStep unless fn raised it.
	UpdateUser(ctx context.Context, id string, fn func(User) (User, error)) (User, error)
	// DeleteUser deletes the user, its role-group memberships, refresh
	// tokens and leases.
	DeleteUser(ctx context.Context, id string) error

	CreateApplication(ctx context.Context, a Application) error
	GetApplication(ctx context.Context, clientID string) (Application, error)
	// ListApplications lists the tenant's applications; tenantID ""
	// lists the multi-tenant ones.
	ListApplications(ctx context.Context, tenantID string) ([]Application, error)
	UpdateApplication(ctx context.Context, clientID string, fn func(Application) (Application, error)) (Application, error)
	DeleteApplication(ctx context.Context, clientID string) error
}
