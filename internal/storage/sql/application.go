package sql

import (
	"context"

	"github.com/ipps/ipps/internal/storage"
)

const appCols = `client_id, tenant_id, display_name, redirect_uris, public, secret_hashes, certificates, roles, created_at`

func scanApp(r interface{ Scan(...any) error }) (storage.Application, error) {
	var a storage.Application
	err := r.Scan(&a.ClientID, nullStrCol{&a.TenantID}, &a.DisplayName, jc(&a.RedirectURIs), &a.Public,
		jc(&a.SecretHashes), jc(&a.Certificates), jc(&a.Roles), tc(&a.CreatedAt))
	a.RedirectURIs, a.SecretHashes, a.Roles = nonEmpty(a.RedirectURIs), nonEmpty(a.SecretHashes), nonEmpty(a.Roles)
	a.Certificates = nonEmpty(a.Certificates)
	for i := range a.Certificates {
		c := &a.Certificates[i]
		c.NotBefore, c.NotAfter = c.NotBefore.UTC(), c.NotAfter.UTC()
	}
	return a, err
}

func appArgs(a storage.Application) []any {
	return []any{a.ClientID, nullStr(a.TenantID), a.DisplayName, jv(a.RedirectURIs), a.Public, jv(a.SecretHashes),
		jv(a.Certificates), jv(a.Roles), tv(a.CreatedAt)}
}

// CreateApplication implements storage.DirectoryStore.
func (s *Store) CreateApplication(ctx context.Context, a storage.Application) error {
	_, err := s.exec(ctx, `INSERT INTO applications (`+appCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, appArgs(a)...)
	return s.wrap("create application", err)
}

// GetApplication implements storage.DirectoryStore.
func (s *Store) GetApplication(ctx context.Context, clientID string) (storage.Application, error) {
	a, err := scanApp(s.queryRow(ctx, `SELECT `+appCols+` FROM applications WHERE client_id = $1`, clientID))
	return a, s.wrap("get application", err)
}

// ListApplications implements storage.DirectoryStore.
func (s *Store) ListApplications(ctx context.Context, tenantID string) ([]storage.Application, error) {
	if tenantID == "" {
		return collect(s, ctx, "list applications", scanApp, `SELECT `+appCols+` FROM applications WHERE tenant_id IS NULL ORDER BY client_id`)
	}
	return collect(s, ctx, "list applications", scanApp, `SELECT `+appCols+` FROM applications WHERE tenant_id = $1 ORDER BY client_id`, tenantID)
}

// UpdateApplication implements storage.DirectoryStore.
func (s *Store) UpdateApplication(ctx context.Context, clientID string, fn func(storage.Application) (storage.Application, error)) (storage.Application, error) {
	var out storage.Application
	err := s.withTx(ctx, txLocking, func(tx *Store) error {
		old, err := scanApp(tx.queryRow(ctx, `SELECT `+appCols+` FROM applications WHERE client_id = $1 FOR UPDATE`, clientID))
		if err != nil {
			return err
		}
		a, err := fn(old)
		if err != nil {
			return err
		}
		a.ClientID, a.TenantID = old.ClientID, old.TenantID
		_, err = tx.exec(ctx, `UPDATE applications SET tenant_id = $2, display_name = $3, redirect_uris = $4, public = $5,
			secret_hashes = $6, certificates = $7, roles = $8, created_at = $9 WHERE client_id = $1`, appArgs(a)...)
		out = a
		return err
	})
	return out, s.wrap("update application", err)
}

// DeleteApplication implements storage.DirectoryStore.
func (s *Store) DeleteApplication(ctx context.Context, clientID string) error {
	return s.deleteOne(ctx, "delete application", `DELETE FROM applications WHERE client_id = $1`, clientID)
}
