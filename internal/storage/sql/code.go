package sql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/ipps/ipps/internal/storage"
)

const authCodeCols = `id, client_id, redirect_uri, code_challenge, code_challenge_method, user_id, tenant_id, scopes, resource, nonce, amr, family_id, expires_at, redeemed_at`

func scanAuthCode(r interface{ Scan(...any) error }) (storage.AuthCode, error) {
	var c storage.AuthCode
	err := r.Scan(&c.ID, &c.ClientID, &c.RedirectURI, &c.CodeChallenge, &c.CodeChallengeMethod, &c.UserID, &c.TenantID,
		jc(&c.Scopes), &c.Resource, &c.Nonce, jc(&c.AMR), &c.FamilyID, tc(&c.ExpiresAt), tc(&c.RedeemedAt))
	c.Scopes, c.AMR = nonEmpty(c.Scopes), nonEmpty(c.AMR)
	return c, err
}

// CreateAuthCode implements storage.AuthorityStore.
func (s *Store) CreateAuthCode(ctx context.Context, c storage.AuthCode) error {
	_, err := s.exec(ctx, `INSERT INTO auth_codes (`+authCodeCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		c.ID, c.ClientID, c.RedirectURI, c.CodeChallenge, c.CodeChallengeMethod, c.UserID, c.TenantID, jv(c.Scopes),
		c.Resource, c.Nonce, jv(c.AMR), c.FamilyID, nanos(c.ExpiresAt), tv(c.RedeemedAt))
	return s.wrap("create auth code", err)
}

// RedeemAuthCode implements storage.AuthorityStore. The redeem is one
// conditional UPDATE, so exactly one concurrent caller wins.
func (s *Store) RedeemAuthCode(ctx context.Context, id string, now time.Time) (storage.AuthCode, error) {
	const op = "redeem auth code"
	c, err := scanAuthCode(s.queryRow(ctx, `UPDATE auth_codes SET redeemed_at = $2
		WHERE id = $1 AND redeemed_at IS NULL AND expires_at > $3 RETURNING `+authCodeCols, id, tv(now), nanos(now)))
	if err == nil {
		return c, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return c, s.wrap(op, err)
	}
	c, err = scanAuthCode(s.queryRow(ctx, `SELECT `+authCodeCols+` FROM auth_codes WHERE id = $1`, id))
	if err != nil {
		return c, s.wrap(op, err)
	}
	if !c.RedeemedAt.IsZero() {
		return c, fmt.Errorf("storage: %s: %w", op, storage.ErrAlreadyUsed)
	}
	return c, fmt.Errorf("storage: %s: %w", op, storage.ErrExpired)
}

const deviceCols = `id, user_code, client_id, tenant_id, scopes, resource, status, user_id, amr, expires_at, last_poll_at, created_at`

func scanDevice(r interface{ Scan(...any) error }) (storage.DeviceCode, error) {
	var d storage.DeviceCode
	err := r.Scan(&d.ID, &d.UserCode, &d.ClientID, &d.TenantID, jc(&d.Scopes), &d.Resource, &d.Status, &d.UserID,
		jc(&d.AMR), tc(&d.ExpiresAt), tc(&d.LastPollAt), tc(&d.CreatedAt))
	d.Scopes, d.AMR = nonEmpty(d.Scopes), nonEmpty(d.AMR)
	return d, err
}

func deviceArgs(d storage.DeviceCode) []any {
	st := d.Status
	if st == "" {
		st = storage.DevicePending
	}
	return []any{d.ID, d.UserCode, d.ClientID, d.TenantID, jv(d.Scopes), d.Resource, string(st), d.UserID, jv(d.AMR),
		nanos(d.ExpiresAt), tv(d.LastPollAt), tv(d.CreatedAt)}
}

// CreateDeviceCode implements storage.AuthorityStore. An empty Status is
// stored as pending.
func (s *Store) CreateDeviceCode(ctx context.Context, d storage.DeviceCode) error {
	_, err := s.exec(ctx, `INSERT INTO device_codes (`+deviceCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`, deviceArgs(d)...)
	return s.wrap("create device code", err)
}

// GetDeviceCode implements storage.AuthorityStore.
func (s *Store) GetDeviceCode(ctx context.Context, id string) (storage.DeviceCode, error) {
	d, err := scanDevice(s.queryRow(ctx, `SELECT `+deviceCols+` FROM device_codes WHERE id = $1`, id))
	return d, s.wrap("get device code", err)
}

// GetDeviceCodeByUserCode implements storage.AuthorityStore.
func (s *Store) GetDeviceCodeByUserCode(ctx context.Context, userCode string) (storage.DeviceCode, error) {
	d, err := scanDevice(s.queryRow(ctx, `SELECT `+deviceCols+` FROM device_codes WHERE user_code = $1`, userCode))
	return d, s.wrap("get device code", err)
}

// UpdateDeviceCode implements storage.AuthorityStore.
func (s *Store) UpdateDeviceCode(ctx context.Context, id string, fn func(storage.DeviceCode) (storage.DeviceCode, error)) (storage.DeviceCode, error) {
	var out storage.DeviceCode
	err := s.withTx(ctx, txLocking, func(tx *Store) error {
		old, err := scanDevice(tx.queryRow(ctx, `SELECT `+deviceCols+` FROM device_codes WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return err
		}
		d, err := fn(old)
		if err != nil {
			return err
		}
		d.ID = old.ID
		_, err = tx.exec(ctx, `UPDATE device_codes SET user_code = $2, client_id = $3, tenant_id = $4, scopes = $5,
			resource = $6, status = $7, user_id = $8, amr = $9, expires_at = $10, last_poll_at = $11, created_at = $12
			WHERE id = $1`, deviceArgs(d)...)
		out = d
		return err
	})
	return out, s.wrap("update device code", err)
}

// RedeemDeviceCode implements storage.AuthorityStore.
func (s *Store) RedeemDeviceCode(ctx context.Context, id string, now time.Time) (storage.DeviceCode, error) {
	const op = "redeem device code"
	d, err := scanDevice(s.queryRow(ctx, `UPDATE device_codes SET status = 'redeemed'
		WHERE id = $1 AND status = 'approved' AND expires_at > $2 RETURNING `+deviceCols, id, nanos(now)))
	if err == nil {
		return d, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return d, s.wrap(op, err)
	}
	d, err = s.GetDeviceCode(ctx, id)
	switch {
	case err != nil:
		return d, err
	case d.Status == storage.DeviceRedeemed:
		return d, fmt.Errorf("storage: %s: %w", op, storage.ErrAlreadyUsed)
	case !d.ExpiresAt.After(now):
		return d, fmt.Errorf("storage: %s: %w", op, storage.ErrExpired)
	}
	return d, fmt.Errorf("storage: %s: %w", op, storage.ErrNotApproved)
}
