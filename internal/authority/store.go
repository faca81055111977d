package authority

import (
	"context"
	"time"

	"github.com/ipps/ipps/internal/storage"
)

// Store lists the storage methods the authority uses. storage.Storage
// satisfies it; tests and ippsd pass the real SQLite/Postgres store.
type Store interface {
	GetTenant(ctx context.Context, id string) (storage.Tenant, error)
	GetTenantByName(ctx context.Context, name string) (storage.Tenant, error)
	CreateTenant(ctx context.Context, t storage.Tenant) error
	GetDomain(ctx context.Context, name string) (storage.Domain, error)
	CreateDomain(ctx context.Context, d storage.Domain) error

	GetUser(ctx context.Context, id string) (storage.User, error)
	GetUserByUPN(ctx context.Context, upn string) (storage.User, error)
	GetUserByImmutableID(ctx context.Context, tenantID, immutableID string) (storage.User, error)
	CreateUser(ctx context.Context, u storage.User) error
	UpdateUser(ctx context.Context, id string, fn func(storage.User) (storage.User, error)) (storage.User, error)

	GetApplication(ctx context.Context, clientID string) (storage.Application, error)
	CreateApplication(ctx context.Context, a storage.Application) error
	UpdateApplication(ctx context.Context, clientID string, fn func(storage.Application) (storage.Application, error)) (storage.Application, error)

	AddSigningKey(ctx context.Context, k storage.SigningKey) error
	ListSigningKeys(ctx context.Context) ([]storage.SigningKey, error)
	RetireSigningKey(ctx context.Context, kid string, at time.Time) error
	DeleteSigningKey(ctx context.Context, kid string) error

	GetRefreshToken(ctx context.Context, id string) (storage.RefreshToken, error)
	CreateRefreshToken(ctx context.Context, t storage.RefreshToken) error
	RotateRefreshToken(ctx context.Context, oldID string, next storage.RefreshToken, now time.Time) (storage.RefreshToken, error)
	RevokeRefreshFamily(ctx context.Context, familyID string, now time.Time) (int, error)
	RevokeUserRefreshTokens(ctx context.Context, userID string, now time.Time) (int, error)

	CreateAuthCode(ctx context.Context, c storage.AuthCode) error
	RedeemAuthCode(ctx context.Context, id string, now time.Time) (storage.AuthCode, error)

	CreateDeviceCode(ctx context.Context, d storage.DeviceCode) error
	GetDeviceCodeByUserCode(ctx context.Context, userCode string) (storage.DeviceCode, error)
	UpdateDeviceCode(ctx context.Context, id string, fn func(storage.DeviceCode) (storage.DeviceCode, error)) (storage.DeviceCode, error)
	RedeemDeviceCode(ctx context.Context, id string, now time.Time) (storage.DeviceCode, error)

	RecordFailure(ctx context.Context, key string, now time.Time, policy storage.LockoutPolicy) (int, time.Time, error)
	GetLockout(ctx context.Context, key string) (storage.Lockout, error)
	ResetLockout(ctx context.Context, key string) error
	UseTOTPStep(ctx context.Context, userID string, step int64) error

	PutSMSCode(ctx context.Context, c storage.SMSCode) error
	GetSMSCode(ctx context.Context, userID string) (storage.SMSCode, error)
	ConsumeSMSCode(ctx context.Context, userID, codeHash string, now time.Time, maxAttempts int) error

	RememberJTI(ctx context.Context, jti string, expiresAt time.Time) (bool, error)

	CreateSignInSession(ctx context.Context, s storage.SignInSession) error
	GetSignInSession(ctx context.Context, id string) (storage.SignInSession, error)
	GetSignInSessionByRelay(ctx context.Context, relayHash string) (storage.SignInSession, error)
	UpdateSignInSession(ctx context.Context, id string, fn func(storage.SignInSession) (storage.SignInSession, error)) (storage.SignInSession, error)
	DeleteSignInSession(ctx context.Context, id string) error
}

var _ Store = (storage.Storage)(nil)
