package sql

import (
	"context"
	"fmt"
	"time"

	"github.com/ipps/ipps/internal/storage"
)

// AddSigningKey implements storage.AuthorityStore.
func (s *Store) AddSigningKey(ctx context.Context, k storage.SigningKey) error {
	_, err := s.exec(ctx, `INSERT INTO signing_keys (kid, algorithm, private_key_pem, created_at, not_after, retired_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		k.KID, k.Algorithm, k.PrivateKeyPEM, tv(k.CreatedAt), tv(k.NotAfter), tv(k.RetiredAt))
	return s.wrap("add signing key", err)
}

// ListSigningKeys implements storage.AuthorityStore.
func (s *Store) ListSigningKeys(ctx context.Context) ([]storage.SigningKey, error) {
	return collect(s, ctx, "list signing keys", func(r interface{ Scan(...any) error }) (storage.SigningKey, error) {
		var k storage.SigningKey
		err := r.Scan(&k.KID, &k.Algorithm, &k.PrivateKeyPEM, tc(&k.CreatedAt), tc(&k.NotAfter), tc(&k.RetiredAt))
		return k, err
	}, `SELECT kid, algorithm, private_key_pem, created_at, not_after, retired_at FROM signing_keys ORDER BY created_at DESC, kid`)
}

// RetireSigningKey implements storage.AuthorityStore.
func (s *Store) RetireSigningKey(ctx context.Context, kid string, at time.Time) error {
	return s.deleteOne(ctx, "retire signing key", `UPDATE signing_keys SET retired_at = $2 WHERE kid = $1`, kid, tv(at))
}

// DeleteSigningKey implements storage.AuthorityStore.
func (s *Store) DeleteSigningKey(ctx context.Context, kid string) error {
	return s.deleteOne(ctx, "delete signing key", `DELETE FROM signing_keys WHERE kid = $1`, kid)
}

const refreshCols = `id, family_id, user_id, client_id, tenant_id, scopes, resource, amr, issued_at, expires_at, revoked_at, used_at, replaced_by`

func scanRefresh(r interface{ Scan(...any) error }) (storage.RefreshToken, error) {
	var t storage.RefreshToken
	err := r.Scan(&t.ID, &t.FamilyID, &t.UserID, &t.ClientID, &t.TenantID, jc(&t.Scopes), &t.Resource, jc(&t.AMR),
		tc(&t.IssuedAt), tc(&t.ExpiresAt), tc(&t.RevokedAt), tc(&t.UsedAt), &t.ReplacedBy)
	t.Scopes, t.AMR = nonEmpty(t.Scopes), nonEmpty(t.AMR)
	return t, err
}

// CreateRefreshToken implements storage.AuthorityStore.
func (s *Store) CreateRefreshToken(ctx context.Context, t storage.RefreshToken) error {
	_, err := s.exec(ctx, `INSERT INTO refresh_tokens (`+refreshCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		t.ID, t.FamilyID, t.UserID, t.ClientID, t.TenantID, jv(t.Scopes), t.Resource, jv(t.AMR),
		tv(t.IssuedAt), nanos(t.ExpiresAt), tv(t.RevokedAt), tv(t.UsedAt), t.ReplacedBy)
	return s.wrap("create refresh token", err)
}

// GetRefreshToken implements storage.AuthorityStore.
func (s *Store) GetRefreshToken(ctx context.Context, id string) (storage.RefreshToken, error) {
	t, err := scanRefresh(s.queryRow(ctx, `SELECT `+refreshCols+` FROM refresh_tokens WHERE id = $1`, id))
	return t, s.wrap("get refresh token", err)
}

// RotateRefreshToken implements storage.AuthorityStore.
func (s *Store) RotateRefreshToken(ctx context.Context, oldID string, next storage.RefreshToken, now time.Time) (storage.RefreshToken, error) {
	var old storage.RefreshToken
	var verdict error // returned after the transaction commits
	err := s.withTx(ctx, txLocking, func(tx *Store) error {
		verdict = nil
		var err error
		old, err = scanRefresh(tx.queryRow(ctx, `SELECT `+refreshCols+` FROM refresh_tokens WHERE id = $1 FOR UPDATE`, oldID))
		if err != nil {
			return err
		}
		switch {
		case !old.RevokedAt.IsZero():
			verdict = storage.ErrRevoked
			return nil
		case old.ReplacedBy != "":
			// Reuse of a rotated token: assume theft, revoke the family.
			verdict = storage.ErrAlreadyUsed
			_, err := tx.revokeFamily(ctx, old.FamilyID, now)
			return err
		case !old.ExpiresAt.After(now):
			verdict = storage.ErrExpired
			return nil
		}
		if next.FamilyID != old.FamilyID {
			return fmt.Errorf("next token family %q differs from %q", next.FamilyID, old.FamilyID)
		}
		if err := tx.CreateRefreshToken(ctx, next); err != nil {
			return err
		}
		_, err = tx.exec(ctx, `UPDATE refresh_tokens SET used_at = $2, replaced_by = $3 WHERE id = $1`, oldID, tv(now), next.ID)
		return err
	})
	if err != nil {
		return old, s.wrap("rotate refresh token", err)
	}
	if verdict != nil {
		return old, fmt.Errorf("storage: rotate refresh token: %w", verdict)
	}
	return old, nil
}

func (s *Store) revokeFamily(ctx context.Context, familyID string, now time.Time) (int, error) {
	return s.execN(ctx, `UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL`, familyID, tv(now))
}

// RevokeRefreshFamily implements storage.AuthorityStore.
func (s *Store) RevokeRefreshFamily(ctx context.Context, familyID string, now time.Time) (int, error) {
	n, err := s.revokeFamily(ctx, familyID, now)
	return n, s.wrap("revoke refresh family", err)
}

// RevokeUserRefreshTokens implements storage.AuthorityStore.
func (s *Store) RevokeUserRefreshTokens(ctx context.Context, userID string, now time.Time) (int, error) {
	n, err := s.execN(ctx, `UPDATE refresh_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL`, userID, tv(now))
	return n, s.wrap("revoke user refresh tokens", err)
}

// ListUserRefreshTokens implements storage.AuthorityStore.
func (s *Store) ListUserRefreshTokens(ctx context.Context, userID string) ([]storage.RefreshToken, error) {
	return collect(s, ctx, "list refresh tokens", scanRefresh,
		`SELECT `+refreshCols+` FROM refresh_tokens WHERE user_id = $1 ORDER BY issued_at DESC, id`, userID)
}

// RememberJTI implements storage.AuthorityStore.
func (s *Store) RememberJTI(ctx context.Context, jti string, expiresAt time.Time) (bool, error) {
	n, err := s.execN(ctx, `INSERT INTO jtis (jti, expires_at) VALUES ($1, $2) ON CONFLICT (jti) DO NOTHING`, jti, nanos(expiresAt))
	return n == 1, s.wrap("remember jti", err)
}
