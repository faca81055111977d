package storage

import (
	"context"
	"time"
)

// SigningKey is a token-signing key of the authority. A key is active
// while RetiredAt is zero; retired keys stay published (for validation)
// until NotAfter and are then removed by the caller.
type SigningKey struct {
	KID           string
	Algorithm     string // e.g. "RS256"
	PrivateKeyPEM []byte
	CreatedAt     time.Time
	NotAfter      time.Time
	RetiredAt     time.Time
}

// RefreshToken is a stored refresh token. ID is a hash of the opaque token
// value (the value itself is never stored). Tokens descending from one
// sign-in share a FamilyID; reuse of a rotated token revokes the family.
type RefreshToken struct {
	ID        string
	FamilyID  string
	UserID    string
	ClientID  string
	TenantID  string
	Scopes    []string
	Resource  string
	AMR       []string
	IssuedAt  time.Time
	ExpiresAt time.Time
	// RevokedAt is set when the token or its family is revoked.
	RevokedAt time.Time
	// UsedAt and ReplacedBy are set when the token is rotated.
	UsedAt     time.Time
	ReplacedBy string
}

// AuthCode is an authorization code (RFC 6749 §4.1) with PKCE. ID is a
// hash of the code value.
type AuthCode struct {
	ID                  string
	ClientID            string
	RedirectURI         string
	CodeChallenge       string
	CodeChallengeMethod string // "S256" or "plain"
	UserID              string
	TenantID            string
	Scopes              []string
	Resource            string
	Nonce               string
	AMR                 []string
	// FamilyID is the refresh-token family the caller will issue from
	// this code, so that a replayed code can revoke it.
	FamilyID   string
	ExpiresAt  time.Time
	RedeemedAt time.Time
}

// DeviceCodeStatus is the state of a device authorization.
type DeviceCodeStatus string

// Device code states. Transitions: pending → approved|denied (by the
// user), approved → redeemed (by the polling client, once).
const (
	DevicePending  DeviceCodeStatus = "pending"
	DeviceApproved DeviceCodeStatus = "approved"
	DeviceDenied   DeviceCodeStatus = "denied"
	DeviceRedeemed DeviceCodeStatus = "redeemed"
)

// DeviceCode is a device authorization grant (RFC 8628). ID is a hash of
// the device code; UserCode (as shown to the user, normalized by the
// caller) is unique.
type DeviceCode struct {
	ID         string
	UserCode   string
	ClientID   string
	TenantID   string
	Scopes     []string
	Resource   string
	Status     DeviceCodeStatus
	UserID     string   // set on approval
	AMR        []string // set on approval
	ExpiresAt  time.Time
	LastPollAt time.Time // for slow_down; the caller updates it
	CreatedAt  time.Time
}

// LockoutPolicy is the smart-lockout rule applied by RecordFailure.
type LockoutPolicy struct {
	// Threshold failures lock the key for Duration.
	Threshold int
	Duration  time.Duration
	// Growth multiplies the lock duration for every failure beyond the
	// threshold (1 = constant). MaxDuration caps it (0 = no cap).
	Growth      float64
	MaxDuration time.Duration
	// ResetAfter: a failure arriving more than ResetAfter after the
	// previous one (and after any lock ended) starts counting from 1.
	ResetAfter time.Duration
}

// DefaultLockoutPolicy is Entra's public-cloud smart lockout: 10 failures
// lock for 60 s, doubling with each further failure, up to a day.
var DefaultLockoutPolicy = LockoutPolicy{
	Threshold:   10,
	Duration:    60 * time.Second,
	Growth:      2,
	MaxDuration: 24 * time.Hour,
	ResetAfter:  time.Hour,
}

// Lockout is the failure counter for one key.
type Lockout struct {
	Key         string
	Failures    int
	LastFailure time.Time
	LockedUntil time.Time
}

// SMSCode is the single outstanding one-time code of a user (a new one
// replaces the old). CodeHash is the caller's keyed hash of the digits.
type SMSCode struct {
	UserID    string
	CodeHash  string
	ExpiresAt time.Time
	Attempts  int
	// SentAt is when the code was last sent, for resend rate limiting.
	SentAt time.Time
}

// AuthorityStore holds the sign-in authority's state.
type AuthorityStore interface {
	AddSigningKey(ctx context.Context, k SigningKey) error
	// ListSigningKeys returns all keys, newest CreatedAt first.
	ListSigningKeys(ctx context.Context) ([]SigningKey, error)
	RetireSigningKey(ctx context.Context, kid string, at time.Time) error
	DeleteSigningKey(ctx context.Context, kid string) error

	CreateRefreshToken(ctx context.Context, t RefreshToken) error
	GetRefreshToken(ctx context.Context, id string) (RefreshToken, error)
	// RotateRefreshToken atomically marks oldID used (UsedAt=now,
	// ReplacedBy=next.ID) and stores next, which must carry the same
	// FamilyID. It returns the old token. Errors:
	//   - ErrNotFound: no such token;
	//   - ErrRevoked: the token or its family was revoked;
	//   - ErrExpired: ExpiresAt <= now;
	//   - ErrAlreadyUsed: the token was already rotated; the whole
	//     family is revoked before returning (reuse detection).
	RotateRefreshToken(ctx context.Context, oldID string, next RefreshToken, now time.Time) (RefreshToken, error)
	// RevokeRefreshFamily revokes every unrevoked token of the family
	// and returns how many it revoked.
	RevokeRefreshFamily(ctx context.Context, familyID string, now time.Time) (int, error)
	// RevokeUserRefreshTokens revokes every unrevoked token of the user.
	RevokeUserRefreshTokens(ctx context.Context, userID string, now time.Time) (int, error)
	// ListUserRefreshTokens lists the user's tokens, newest first.
	ListUserRefreshTokens(ctx context.Context, userID string) ([]RefreshToken, error)

	CreateAuthCode(ctx context.Context, c AuthCode) error
	// RedeemAuthCode atomically marks the code redeemed and returns it.
	// A second redeem returns the stored code with ErrAlreadyUsed, so the
	// caller can revoke c.FamilyID. An expired code returns ErrExpired
	// and is not marked.
	RedeemAuthCode(ctx context.Context, id string, now time.Time) (AuthCode, error)

	CreateDeviceCode(ctx context.Context, d DeviceCode) error
	GetDeviceCode(ctx context.Context, id string) (DeviceCode, error)
	GetDeviceCodeByUserCode(ctx context.Context, userCode string) (DeviceCode, error)
	// UpdateDeviceCode applies fn atomically (approve, deny, record a
	// poll). fn sees the previous LastPollAt, so a poll that sets
	// LastPollAt=now can decide slow_down from old.LastPollAt.
	UpdateDeviceCode(ctx context.Context, id string, fn func(DeviceCode) (DeviceCode, error)) (DeviceCode, error)
	// RedeemDeviceCode atomically moves an approved code to redeemed and
	// returns it. Exactly one concurrent caller succeeds. Errors:
	// ErrAlreadyUsed (already redeemed), ErrNotApproved (pending or
	// denied; check Status of the returned code), ErrExpired, ErrNotFound.
	RedeemDeviceCode(ctx context.Context, id string, now time.Time) (DeviceCode, error)

	// RecordFailure atomically counts a failed sign-in for key (a user id,
	// or "upn|ip") and returns the new count and the lock end (zero if
	// not locked) computed with policy.
	RecordFailure(ctx context.Context, key string, now time.Time, policy LockoutPolicy) (failures int, lockedUntil time.Time, err error)
	// GetLockout returns the key's counter; a key never seen returns a
	// zero Lockout (with Key set) and no error.
	GetLockout(ctx context.Context, key string) (Lockout, error)
	// ResetLockout forgets the key (after a successful sign-in).
	ResetLockout(ctx context.Context, key string) error

	// UseTOTPStep atomically records step as the user's last accepted
	// TOTP time step. It returns ErrAlreadyUsed if step is not greater
	// than the last accepted one (RFC 6238 §5.2), ErrNotFound for an
	// unknown user.
	UseTOTPStep(ctx context.Context, userID string, step int64) error

	// PutSMSCode stores c as the user's outstanding code, replacing any
	// previous one (Attempts is reset to c.Attempts).
	PutSMSCode(ctx context.Context, c SMSCode) error
	// GetSMSCode returns the outstanding code (for the resend limit).
	GetSMSCode(ctx context.Context, userID string) (SMSCode, error)
	// ConsumeSMSCode atomically checks codeHash against the outstanding
	// code: on a match the code is deleted and nil returned. Otherwise:
	// ErrNotFound (no code), ErrExpired (deleted), ErrCodeMismatch
	// (attempt counted), ErrTooManyAttempts (attempts reached
	// maxAttempts; the code is deleted).
	ConsumeSMSCode(ctx context.Context, userID, codeHash string, now time.Time, maxAttempts int) error

	// RememberJTI records a token identifier until expiresAt. fresh is
	// true the first time jti is seen and false for a replay (while the
	// row lives; GC removes it after expiresAt).
	RememberJTI(ctx context.Context, jti string, expiresAt time.Time) (fresh bool, err error)
}
