package sql

import (
	"context"
	"fmt"
	"strings"

	"github.com/ipps/ipps/internal/storage"
)

const objectCols = `tenant_id, kind, id, name, parent, body, version, created_at, modified_at`

func scanObject(r interface{ Scan(...any) error }) (storage.Object, error) {
	var o storage.Object
	var body []byte
	err := r.Scan(&o.TenantID, &o.Kind, &o.ID, &o.Name, &o.Parent, &body, &o.Version, tc(&o.CreatedAt), tc(&o.ModifiedAt))
	if len(body) > 0 {
		o.Body = body
	}
	return o, err
}

func objBody(o storage.Object) []byte {
	if o.Body == nil {
		return []byte{}
	}
	return o.Body
}

// CreateObject implements storage.ObjectStore.
func (s *Store) CreateObject(ctx context.Context, o storage.Object) (storage.Object, error) {
	if o.Kind == "" || o.ID == "" || o.Name == "" {
		return o, fmt.Errorf("storage: create object: kind, id and name are required")
	}
	if o.CreatedAt.IsZero() {
		o.CreatedAt = s.now()
	}
	o.CreatedAt = o.CreatedAt.UTC()
	o.ModifiedAt, o.Version = o.CreatedAt, 1
	_, err := s.exec(ctx, `INSERT INTO objects (tenant_id, kind, id, name, name_lower, parent, body, version, created_at, modified_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, o.TenantID, o.Kind, o.ID, o.Name, strings.ToLower(o.Name),
		o.Parent, objBody(o), o.Version, nanos(o.CreatedAt), nanos(o.ModifiedAt))
	return o, s.wrap("create object", err)
}

// GetObject implements storage.ObjectStore.
func (s *Store) GetObject(ctx context.Context, tenantID, kind, id string) (storage.Object, error) {
	o, err := scanObject(s.queryRow(ctx, `SELECT `+objectCols+` FROM objects WHERE tenant_id = $1 AND kind = $2 AND id = $3`, tenantID, kind, id))
	return o, s.wrap("get object", err)
}

// GetObjectByName implements storage.ObjectStore.
func (s *Store) GetObjectByName(ctx context.Context, tenantID, kind, name string) (storage.Object, error) {
	o, err := scanObject(s.queryRow(ctx, `SELECT `+objectCols+` FROM objects WHERE kind = $1 AND tenant_id = $2 AND name_lower = $3`,
		kind, tenantID, strings.ToLower(name)))
	return o, s.wrap("get object by name", err)
}

// where accumulates conditions with numbered bind markers.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	for _, a := range args {
		w.args = append(w.args, a)
		cond = strings.Replace(cond, "?", fmt.Sprintf("$%d", len(w.args)), 1)
	}
	w.conds = append(w.conds, cond)
}

func (w *where) String() string { return strings.Join(w.conds, " AND ") }

// ListObjects implements storage.ObjectStore. Within a tenant the keyset
// is the lowercased name (unique per tenant and kind); across tenants it
// is (tenant, lowercased name). Both are served by the objects_name index.
func (s *Store) ListObjects(ctx context.Context, q storage.ObjectQuery) ([]storage.Object, string, error) {
	if q.Kind == "" {
		return nil, "", fmt.Errorf("storage: list objects: kind is required")
	}
	size := pageSize(q.Page)
	var w where
	w.add(`kind = ?`, q.Kind)
	if q.TenantID != "" {
		w.add(`tenant_id = ?`, q.TenantID)
	}
	if q.Parent != "" {
		w.add(`parent = ?`, q.Parent)
	}
	if !q.ModifiedAfter.IsZero() {
		w.add(`modified_at > ?`, nanos(q.ModifiedAfter))
	}
	if q.Page.Cursor != "" {
		var tenant, name string
		if err := decodeCursor(q.Page.Cursor, &tenant, &name); err != nil {
			return nil, "", err
		}
		if q.TenantID != "" {
			w.add(`name_lower > ?`, name)
		} else {
			w.add(`(tenant_id, name_lower) > (?, ?)`, tenant, name)
		}
	}
	order := `tenant_id, name_lower`
	if q.TenantID != "" {
		order = `name_lower`
	}
	w.args = append(w.args, size+1)
	objs, err := collect(s, ctx, "list objects", scanObject,
		fmt.Sprintf(`SELECT %s FROM objects WHERE %s ORDER BY %s LIMIT $%d`, objectCols, w.String(), order, len(w.args)), w.args...)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(objs) > size {
		objs = objs[:size]
		last := objs[size-1]
		next = encodeCursor(last.TenantID, strings.ToLower(last.Name))
	}
	return objs, next, nil
}

// UpdateObject implements storage.ObjectStore.
func (s *Store) UpdateObject(ctx context.Context, tenantID, kind, id string, fn func(storage.Object) (storage.Object, error)) (storage.Object, error) {
	var out storage.Object
	err := s.withTx(ctx, txLocking, func(tx *Store) error {
		old, err := scanObject(tx.queryRow(ctx, `SELECT `+objectCols+` FROM objects WHERE tenant_id = $1 AND kind = $2 AND id = $3 FOR UPDATE`, tenantID, kind, id))
		if err != nil {
			return err
		}
		o, err := fn(old)
		if err != nil {
			return err
		}
		o.TenantID, o.Kind, o.ID, o.CreatedAt = old.TenantID, old.Kind, old.ID, old.CreatedAt
		o.Version, o.ModifiedAt = old.Version+1, tx.now()
		if o.Name == "" {
			return fmt.Errorf("name is required")
		}
		_, err = tx.exec(ctx, `UPDATE objects SET name = $4, name_lower = $5, parent = $6, body = $7, version = $8, modified_at = $9
			WHERE tenant_id = $1 AND kind = $2 AND id = $3`, o.TenantID, o.Kind, o.ID, o.Name, strings.ToLower(o.Name),
			o.Parent, objBody(o), o.Version, nanos(o.ModifiedAt))
		out = o
		return err
	})
	return out, s.wrap("update object", err)
}

// DeleteObject implements storage.ObjectStore. Children (objects whose
// Parent is the id, transitively) are deleted in the same statement.
func (s *Store) DeleteObject(ctx context.Context, tenantID, kind, id string) error {
	const op = "delete object"
	return s.wrap(op, s.withTx(ctx, txLocking, func(tx *Store) error {
		n, err := tx.execN(ctx, `DELETE FROM objects WHERE tenant_id = $1 AND kind = $2 AND id = $3`, tenantID, kind, id)
		if err != nil {
			return err
		}
		if n == 0 {
			return notFound(op)
		}
		_, err = tx.exec(ctx, `WITH RECURSIVE sub(id) AS (
				SELECT id FROM objects WHERE tenant_id = $1 AND parent = $2
				UNION SELECT o.id FROM objects o JOIN sub ON o.tenant_id = $1 AND o.parent = sub.id
			)
			DELETE FROM objects WHERE tenant_id = $1 AND id IN (SELECT id FROM sub)`, tenantID, id)
		return err
	}))
}
