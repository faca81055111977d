package sql

import (
	"context"
	"database/sql"

	"strings"

	"github.com/ipps/ipps/internal/storage"
)

// CreateTenant implements storage.DirectoryStore.
func (s *Store) CreateTenant(ctx context.Context, t storage.Tenant) error {
	_, err := s.exec(ctx, `INSERT INTO tenants (id, name, name_lower, display_name, created_at) VALUES ($1, $2, $3, $4, $5)`,
		t.ID, t.Name, strings.ToLower(t.Name), t.DisplayName, tv(t.CreatedAt))
	return s.wrap("create tenant", err)
}

const tenantCols = `id, name, display_name, created_at`

func scanTenant(r interface{ Scan(...any) error }) (storage.Tenant, error) {
	var t storage.Tenant
	err := r.Scan(&t.ID, &t.Name, &t.DisplayName, tc(&t.CreatedAt))
	return t, err
}

// GetTenant implements storage.DirectoryStore.
func (s *Store) GetTenant(ctx context.Context, id string) (storage.Tenant, error) {
	t, err := scanTenant(s.queryRow(ctx, `SELECT `+tenantCols+` FROM tenants WHERE id = $1`, id))
	return t, s.wrap("get tenant", err)
}

// GetTenantByName implements storage.DirectoryStore.
func (s *Store) GetTenantByName(ctx context.Context, name string) (storage.Tenant, error) {
	t, err := scanTenant(s.queryRow(ctx, `SELECT `+tenantCols+` FROM tenants WHERE name_lower = $1`, strings.ToLower(name)))
	return t, s.wrap("get tenant", err)
}

// ListTenants implements storage.DirectoryStore.
func (s *Store) ListTenants(ctx context.Context) ([]storage.Tenant, error) {
	return collect(s, ctx, "list tenants", scanTenant, `SELECT `+tenantCols+` FROM tenants ORDER BY name_lower`)
}

// UpdateTenant implements storage.DirectoryStore.
func (s *Store) UpdateTenant(ctx context.Context, id string, fn func(storage.Tenant) (storage.Tenant, error)) (storage.Tenant, error) {
	var out storage.Tenant
	err := s.withTx(ctx, txLocking, func(tx *Store) error {
		old, err := scanTenant(tx.queryRow(ctx, `SELECT `+tenantCols+` FROM tenants WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return err
		}
		nt, err := fn(old)
		if err != nil {
			return err
		}
		nt.ID = old.ID
		_, err = tx.exec(ctx, `UPDATE tenants SET name = $2, name_lower = $3, display_name = $4, created_at = $5 WHERE id = $1`,
			nt.ID, nt.Name, strings.ToLower(nt.Name), nt.DisplayName, tv(nt.CreatedAt))
		out = nt
		return err
	})
	return out, s.wrap("update tenant", err)
}

// DeleteTenant implements storage.DirectoryStore.
func (s *Store) DeleteTenant(ctx context.Context, id string) error {
	return s.deleteOne(ctx, "delete tenant", `DELETE FROM tenants WHERE id = $1`, id)
}

// deleteOne runs a DELETE and maps "no rows" to ErrNotFound.
func (s *Store) deleteOne(ctx context.Context, op, q string, args ...any) error {
	n, err := s.execN(ctx, q, args...)
	if err != nil {
		return s.wrap(op, err)
	}
	if n == 0 {
		return notFound(op)
	}
	return nil
}

// collect runs q and scans every row with scan.
func collect[T any](s *Store, ctx context.Context, op string, scan func(interface{ Scan(...any) error }) (T, error), q string, args ...any) ([]T, error) {
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, s.wrap(op, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, s.wrap(op, err)
		}
		out = append(out, v)
	}
	return out, s.wrap(op, rows.Err())
}

// CreateDomain implements storage.DirectoryStore.
func (s *Store) CreateDomain(ctx context.Context, d storage.Domain) error {
	f := d.Federation
	_, err := s.exec(ctx, `INSERT INTO domains (name, tenant_id, kind, metadata_url, metadata_xml, idp_entity_id, honour_idp_mfa, match_immutable_id, created_at, mex_url)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		strings.ToLower(d.Name), d.TenantID, string(d.Kind), f.MetadataURL, f.MetadataXML, f.IdPEntityID, f.HonourIdPMFA, f.MatchImmutableID, tv(d.CreatedAt), f.MetadataExchangeURL)
	return s.wrap("create domain", err)
}

const domainCols = `name, tenant_id, kind, metadata_url, metadata_xml, idp_entity_id, honour_idp_mfa, match_immutable_id, created_at, mex_url`

func scanDomain(r interface{ Scan(...any) error }) (storage.Domain, error) {
	var d storage.Domain
	f := &d.Federation
	err := r.Scan(&d.Name, &d.TenantID, &d.Kind, &f.MetadataURL, &f.MetadataXML, &f.IdPEntityID, &f.HonourIdPMFA, &f.MatchImmutableID, tc(&d.CreatedAt), &f.MetadataExchangeURL)
	return d, err
}

// GetDomain implements storage.DirectoryStore.
func (s *Store) GetDomain(ctx context.Context, name string) (storage.Domain, error) {
	d, err := scanDomain(s.queryRow(ctx, `SELECT `+domainCols+` FROM domains WHERE name = $1`, strings.ToLower(name)))
	return d, s.wrap("get domain", err)
}

// ListDomains implements storage.DirectoryStore.
func (s *Store) ListDomains(ctx context.Context, tenantID string) ([]storage.Domain, error) {
	return collect(s, ctx, "list domains", scanDomain, `SELECT `+domainCols+` FROM domains WHERE tenant_id = $1 ORDER BY name`, tenantID)
}

// UpdateDomain implements storage.DirectoryStore.
func (s *Store) UpdateDomain(ctx context.Context, name string, fn func(storage.Domain) (storage.Domain, error)) (storage.Domain, error) {
	var out storage.Domain
	err := s.withTx(ctx, txLocking, func(tx *Store) error {
		old, err := scanDomain(tx.queryRow(ctx, `SELECT `+domainCols+` FROM domains WHERE name = $1 FOR UPDATE`, strings.ToLower(name)))
		if err != nil {
			return err
		}
		d, err := fn(old)
		if err != nil {
			return err
		}
		d.Name, d.TenantID = old.Name, old.TenantID
		f := d.Federation
		_, err = tx.exec(ctx, `UPDATE domains SET kind = $2, metadata_url = $3, metadata_xml = $4, idp_entity_id = $5, honour_idp_mfa = $6, match_immutable_id = $7, created_at = $8, mex_url = $9 WHERE name = $1`,
			d.Name, string(d.Kind), f.MetadataURL, f.MetadataXML, f.IdPEntityID, f.HonourIdPMFA, f.MatchImmutableID, tv(d.CreatedAt), f.MetadataExchangeURL)
		out = d
		return err
	})
	return out, s.wrap("update domain", err)
}

// DeleteDomain implements storage.DirectoryStore.
func (s *Store) DeleteDomain(ctx context.Context, name string) error {
	return s.deleteOne(ctx, "delete domain", `DELETE FROM domains WHERE name = $1`, strings.ToLower(name))
}

// nullStr maps "" to NULL (for nullable unique columns).
func nullStr(v string) any {
	if v == "" {
		return nil
	}
	return v
}

type nullStrCol struct{ p *string }

func (c nullStrCol) Scan(src any) error {
	var n sql.NullString
	if err := n.Scan(src); err != nil {
		return err
	}
	*c.p = n.String
	return nil
}
