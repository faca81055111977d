package sql

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ipps/ipps/internal/storage"
)

const auditCols = `id, tenant_id, time, user_id, upn, client_addr, session_id, cmdlet, parameters, object_ids, succeeded, error`

func scanAudit(r interface{ Scan(...any) error }) (storage.AuditRecord, error) {
	var a storage.AuditRecord
	var params []byte
	err := r.Scan(&a.ID, &a.TenantID, tc(&a.Time), &a.UserID, &a.UPN, &a.ClientAddr, &a.SessionID, &a.Cmdlet, &params,
		jc(&a.ObjectIDs), &a.Succeeded, &a.Error)
	if len(params) > 0 {
		a.Parameters = params
	}
	a.ObjectIDs = nonEmpty(a.ObjectIDs)
	return a, err
}

// AppendAudit implements storage.AuditStore. On SQLite synchronous=FULL
// fsyncs the WAL before the commit returns; on PostgreSQL the transaction
// sets synchronous_commit on locally, so the commit waits for the WAL
// flush even if the server or session default is off.
func (s *Store) AppendAudit(ctx context.Context, r storage.AuditRecord) error {
	if r.ID == "" {
		return fmt.Errorf("storage: append audit: id is required")
	}
	if s.fl.durableSQL == "" {
		return s.wrap("append audit", s.insertAudit(ctx, &r))
	}
	return s.wrap("append audit", s.withTx(ctx, txLocking, func(tx *Store) error {
		// Also inside a caller's Tx: that commit then carries the record.
		if _, err := tx.exec(ctx, tx.fl.durableSQL); err != nil {
			return err
		}
		return tx.insertAudit(ctx, &r)
	}))
}

// insertAudit inserts r with the single-row INSERT (see auditbatch.go).
func (s *Store) insertAudit(ctx context.Context, r *storage.AuditRecord) error {
	_, err := s.exec(ctx, auditInserts[0], auditInsertArgs(make([]any, 0, auditRowArgs), r)...)
	return err
}

// maxLowerNames bounds lowerNames: cmdlet names are a few dozen, but a
// record of an unknown command carries whatever name the client sent.
const maxLowerNames = 1024

// lowerNames memoizes strings.ToLower of the cmdlet names audit records
// carry, so that a record's insert does not allocate one. Past
// maxLowerNames entries it computes without storing. Safe for concurrent
// use.
type lowerNames struct {
	mu sync.RWMutex
	m  map[string]string // guarded by mu
}

var cmdletLower lowerNames

func (c *lowerNames) get(s string) string {
	c.mu.RLock()
	l, ok := c.m[s]
	c.mu.RUnlock()
	if ok {
		return l
	}
	l = strings.ToLower(s)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]string)
	}
	if len(c.m) < maxLowerNames {
		c.m[strings.Clone(s)] = l
	}
	return l
}

func inList(w *where, expr string, vals []string, lower bool) string {
	marks := make([]string, len(vals))
	for i, v := range vals {
		if lower {
			v = strings.ToLower(v)
		}
		w.args = append(w.args, v)
		marks[i] = fmt.Sprintf("$%d", len(w.args))
	}
	return expr + ` IN (` + strings.Join(marks, ", ") + `)`
}

// SearchAudit implements storage.AuditStore.
func (s *Store) SearchAudit(ctx context.Context, q storage.AuditQuery) ([]storage.AuditRecord, string, error) {
	size := pageSize(q.Page)
	var w where
	w.add(`tenant_id = ?`, q.TenantID)
	if !q.Start.IsZero() {
		w.add(`time >= ?`, nanos(q.Start))
	}
	if !q.End.IsZero() {
		w.add(`time < ?`, nanos(q.End))
	}
	if len(q.UserIDs) > 0 {
		a := inList(&w, `user_id`, q.UserIDs, false)
		b := inList(&w, `upn_lower`, q.UserIDs, true)
		w.conds = append(w.conds, `(`+a+` OR `+b+`)`)
	}
	if len(q.Operations) > 0 {
		w.conds = append(w.conds, inList(&w, `cmdlet_lower`, q.Operations, true))
	}
	if q.Page.Cursor != "" {
		var t int64
		var id string
		if err := decodeCursor(q.Page.Cursor, &t, &id); err != nil {
			return nil, "", err
		}
		w.add(`(time, id) > (?, ?)`, t, id)
	}
	w.args = append(w.args, size+1)
	recs, err := collect(s, ctx, "search audit", scanAudit,
		fmt.Sprintf(`SELECT %s FROM audit WHERE %s ORDER BY time, id LIMIT $%d`, auditCols, w.String(), len(w.args)), w.args...)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(recs) > size {
		recs = recs[:size]
		last := recs[size-1]
		next = encodeCursor(nanos(last.Time), last.ID)
	}
	return recs, next, nil
}

// DeleteAuditBefore implements storage.AuditStore.
func (s *Store) DeleteAuditBefore(ctx context.Context, tenantID string, t time.Time) (int, error) {
	n, err := s.execN(ctx, `DELETE FROM audit WHERE tenant_id = $1 AND time < $2`, tenantID, nanos(t))
	return n, s.wrap("delete audit", err)
}
