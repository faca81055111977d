package storage

import (
	"context"
	"time"
)

// SignInSession is one interactive sign-in transaction of the authority
// (username → password → second factor, or a federation hand-off), kept
// in storage so that any replica can continue it and it survives
// restarts.
type SignInSession struct {
	// ID is the caller's hash of the opaque cookie value; the cookie
	// value itself is never stored.
	ID       string
	TenantID string
	ClientID string
	// Step is the caller's state-machine step ("username", "mfa", ...).
	Step   string
	UserID string
	// AMR are the authentication methods completed so far.
	AMR []string
	// CSRFHash is the caller's hash of the transaction's CSRF token.
	CSRFHash string
	// RelayHash is the caller's hash of the RelayState sent to a
	// federated IdP ("" when none); the IdP's POST finds the transaction
	// by it (GetSignInSessionByRelay). Unique when set.
	RelayHash string
	// Params is the caller-encoded rest of the transaction (authorization
	// request parameters and step progress); storage does not read it.
	Params    []byte
	CreatedAt time.Time
	ExpiresAt time.Time
	// Version counts updates: 1 after create, +1 per UpdateSignInSession.
	Version int64
}

// SignInStore stores sign-in transactions. Expired sessions are returned
// like live ones (callers compare ExpiresAt) until GC deletes them.
type SignInStore interface {
	// CreateSignInSession stores s with Version 1; ErrAlreadyExists if
	// the ID or a non-empty RelayHash is taken.
	CreateSignInSession(ctx context.Context, s SignInSession) error
	GetSignInSession(ctx context.Context, id string) (SignInSession, error)
	GetSignInSessionByRelay(ctx context.Context, relayHash string) (SignInSession, error)
	// UpdateSignInSession applies fn atomically and increments Version.
	// ID and CreatedAt are kept.
	UpdateSignInSession(ctx context.Context, id string, fn func(SignInSession) (SignInSession, error)) (SignInSession, error)
	// DeleteSignInSession deletes the session; ErrNotFound if it is
	// already gone. Exactly one of concurrent deletes succeeds, which
	// callers use to make a step single use.
	DeleteSignInSession(ctx context.Context, id string) error
}
