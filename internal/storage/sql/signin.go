package sql

import (
	"context"

	"github.com/ipps/ipps/internal/storage"
)

const signInCols = `id, tenant_id, client_id, step, user_id, amr, csrf_hash, relay_hash, params, created_at, expires_at, version`

func scanSignIn(r interface{ Scan(...any) error }) (storage.SignInSession, error) {
	var s storage.SignInSession
	var relay *string
	err := r.Scan(&s.ID, &s.TenantID, &s.ClientID, &s.Step, &s.UserID, jc(&s.AMR), &s.CSRFHash, &relay, &s.Params,
		tc(&s.CreatedAt), tc(&s.ExpiresAt), &s.Version)
	if relay != nil {
		s.RelayHash = *relay
	}
	s.AMR = nonEmpty(s.AMR)
	if len(s.Params) == 0 {
		s.Params = nil
	}
	return s, err
}

func signInArgs(s storage.SignInSession) []any {
	p := s.Params
	if p == nil {
		p = []byte{}
	}
	return []any{s.ID, s.TenantID, s.ClientID, s.Step, s.UserID, jv(s.AMR), s.CSRFHash, nullStr(s.RelayHash), p,
		tv(s.CreatedAt), nanos(s.ExpiresAt), s.Version}
}

// CreateSignInSession implements storage.SignInStore.
func (s *Store) CreateSignInSession(ctx context.Context, ss storage.SignInSession) error {
	ss.Version = 1
	_, err := s.exec(ctx, `INSERT INTO signin_sessions (`+signInCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		signInArgs(ss)...)
	return s.wrap("create sign-in session", err)
}

// GetSignInSession implements storage.SignInStore.
func (s *Store) GetSignInSession(ctx context.Context, id string) (storage.SignInSession, error) {
	ss, err := scanSignIn(s.queryRow(ctx, `SELECT `+signInCols+` FROM signin_sessions WHERE id = $1`, id))
	return ss, s.wrap("get sign-in session", err)
}

// GetSignInSessionByRelay implements storage.SignInStore.
func (s *Store) GetSignInSessionByRelay(ctx context.Context, relayHash string) (storage.SignInSession, error) {
	if relayHash == "" {
		return storage.SignInSession{}, notFound("get sign-in session")
	}
	ss, err := scanSignIn(s.queryRow(ctx, `SELECT `+signInCols+` FROM signin_sessions WHERE relay_hash = $1`, relayHash))
	return ss, s.wrap("get sign-in session", err)
}

// UpdateSignInSession implements storage.SignInStore.
func (s *Store) UpdateSignInSession(ctx context.Context, id string, fn func(storage.SignInSession) (storage.SignInSession, error)) (storage.SignInSession, error) {
	var out storage.SignInSession
	err := s.withTx(ctx, txLocking, func(tx *Store) error {
		old, err := scanSignIn(tx.queryRow(ctx, `SELECT `+signInCols+` FROM signin_sessions WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return err
		}
		ss, err := fn(old)
		if err != nil {
			return err
		}
		ss.ID, ss.CreatedAt, ss.Version = old.ID, old.CreatedAt, old.Version+1
		_, err = tx.exec(ctx, `UPDATE signin_sessions SET tenant_id = $2, client_id = $3, step = $4, user_id = $5, amr = $6,
			csrf_hash = $7, relay_hash = $8, params = $9, created_at = $10, expires_at = $11, version = $12 WHERE id = $1`,
			signInArgs(ss)...)
		out = ss
		return err
	})
	return out, s.wrap("update sign-in session", err)
}

// DeleteSignInSession implements storage.SignInStore.
func (s *Store) DeleteSignInSession(ctx context.Context, id string) error {
	return s.deleteOne(ctx, "delete sign-in session", `DELETE FROM signin_sessions WHERE id = $1`, id)
}
