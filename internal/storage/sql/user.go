package sql

import (
	"context"
	"strings"

	"github.com/ipps/ipps/internal/storage"
)

const userCols = `id, tenant_id, upn, display_name, enabled, password_hash, password_changed_at, mfa_state, totp_secret,
	totp_last_step, phone_number, recovery_code_hashes, remote_powershell_enabled, exo_module_enabled, immutable_id,
	tokens_valid_after, created_at, updated_at`

func scanUser(r interface{ Scan(...any) error }) (storage.User, error) {
	var u storage.User
	err := r.Scan(&u.ID, &u.TenantID, &u.UPN, &u.DisplayName, &u.Enabled, &u.PasswordHash, tc(&u.PasswordChangedAt),
		&u.MFAState, &u.TOTPSecret, &u.TOTPLastStep, &u.PhoneNumber, jc(&u.RecoveryCodeHashes),
		&u.RemotePowerShellEnabled, &u.EXOModuleEnabled, nullStrCol{&u.ImmutableID}, tc(&u.TokensValidAfter),
		tc(&u.CreatedAt), tc(&u.UpdatedAt))
	u.RecoveryCodeHashes = nonEmpty(u.RecoveryCodeHashes)
	return u, err
}

func userArgs(u storage.User) []any {
	mfa := u.MFAState
	if mfa == "" {
		mfa = storage.MFADisabled
	}
	return []any{u.ID, u.TenantID, u.UPN, strings.ToLower(u.UPN), u.DisplayName, u.Enabled, u.PasswordHash,
		tv(u.PasswordChangedAt), string(mfa), u.TOTPSecret, u.TOTPLastStep, u.PhoneNumber, jv(u.RecoveryCodeHashes),
		u.RemotePowerShellEnabled, u.EXOModuleEnabled, nullStr(u.ImmutableID), tv(u.TokensValidAfter),
		tv(u.CreatedAt), tv(u.UpdatedAt)}
}

// CreateUser implements storage.DirectoryStore.
func (s *Store) CreateUser(ctx context.Context, u storage.User) error {
	_, err := s.exec(ctx, `INSERT INTO users (id, tenant_id, upn, upn_lower, display_name, enabled, password_hash,
		password_changed_at, mfa_state, totp_secret, totp_last_step, phone_number, recovery_code_hashes,
		remote_powershell_enabled, exo_module_enabled, immutable_id, tokens_valid_after, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`, userArgs(u)...)
	return s.wrap("create user", err)
}

// GetUser implements storage.DirectoryStore.
func (s *Store) GetUser(ctx context.Context, id string) (storage.User, error) {
	u, err := scanUser(s.queryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = $1`, id))
	return u, s.wrap("get user", err)
}

// GetUserByUPN implements storage.DirectoryStore.
func (s *Store) GetUserByUPN(ctx context.Context, upn string) (storage.User, error) {
	u, err := scanUser(s.queryRow(ctx, `SELECT `+userCols+` FROM users WHERE upn_lower = $1`, strings.ToLower(upn)))
	return u, s.wrap("get user by upn", err)
}

// GetUserByImmutableID implements storage.DirectoryStore.
func (s *Store) GetUserByImmutableID(ctx context.Context, tenantID, immutableID string) (storage.User, error) {
	if immutableID == "" {
		return storage.User{}, notFound("get user by immutable id")
	}
	u, err := scanUser(s.queryRow(ctx, `SELECT `+userCols+` FROM users WHERE tenant_id = $1 AND immutable_id = $2`, tenantID, immutableID))
	return u, s.wrap("get user by immutable id", err)
}

// ListUsers implements storage.DirectoryStore.
func (s *Store) ListUsers(ctx context.Context, tenantID string, page storage.Page) ([]storage.User, string, error) {
	size := pageSize(page)
	after := ""
	if page.Cursor != "" {
		if err := decodeCursor(page.Cursor, &after); err != nil {
			return nil, "", err
		}
	}
	users, err := collect(s, ctx, "list users", scanUser, `SELECT `+userCols+` FROM users
		WHERE tenant_id = $1 AND upn_lower > $2 ORDER BY upn_lower LIMIT $3`, tenantID, after, size+1)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(users) > size {
		users = users[:size]
		next = encodeCursor(strings.ToLower(users[size-1].UPN))
	}
	return users, next, nil
}

// UpdateUser implements storage.DirectoryStore.
func (s *Store) UpdateUser(ctx context.Context, id string, fn func(storage.User) (storage.User, error)) (storage.User, error) {
	var out storage.User
	err := s.withTx(ctx, txLocking, func(tx *Store) error {
		old, err := scanUser(tx.queryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return err
		}
		u, err := fn(old)
		if err != nil {
			return err
		}
		u.ID, u.TenantID = old.ID, old.TenantID
		u.TOTPLastStep = max(u.TOTPLastStep, old.TOTPLastStep)
		u.UpdatedAt = tx.now()
		_, err = tx.exec(ctx, `UPDATE users SET upn = $3, upn_lower = $4, display_name = $5, enabled = $6,
			password_hash = $7, password_changed_at = $8, mfa_state = $9, totp_secret = $10, totp_last_step = $11,
			phone_number = $12, recovery_code_hashes = $13, remote_powershell_enabled = $14, exo_module_enabled = $15,
			immutable_id = $16, tokens_valid_after = $17, created_at = $18, updated_at = $19
			WHERE id = $1 AND tenant_id = $2`, userArgs(u)...)
		out = u
		return err
	})
	return out, s.wrap("update user", err)
}

// DeleteUser implements storage.DirectoryStore.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	return s.wrap("delete user", s.withTx(ctx, txLocking, func(tx *Store) error {
		for _, q := range []string{
			`DELETE FROM refresh_tokens WHERE user_id = $1`,
			`DELETE FROM leases WHERE user_id = $1`,
			`DELETE FROM sms_codes WHERE user_id = $1`,
		} {
			if _, err := tx.exec(ctx, q, id); err != nil {
				return err
			}
		}
		return tx.deleteOne(ctx, "delete user", `DELETE FROM users WHERE id = $1`, id)
	}))
}
