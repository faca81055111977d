package sql

import (
	"context"
	"fmt"
	"math/bits"
	"strconv"
	"strings"

	"github.com/ipps/ipps/internal/storage"
)

// auditInsertCols is the column list of an audit INSERT; auditInsertArgs
// appends one record's values in that order.
const auditInsertCols = `id, tenant_id, time, user_id, upn, upn_lower, client_addr, session_id, cmdlet, cmdlet_lower, parameters, object_ids, succeeded, error`

// auditRowArgs is the number of bound values per audit row (the columns
// of auditInsertCols).
const auditRowArgs = 14

// maxAuditRows is the most rows one multi-row audit INSERT carries:
// 64 × 14 = 896 bound values, far below SQLite's limit (32766 in
// modernc's build; 999 in SQLite builds before 3.32, also respected) and
// PostgreSQL's (65535). Must be a power of two (see AppendAudits).
const maxAuditRows = 64

// auditInserts[k] is the INSERT of 2^k rows, k = 0..log2(maxAuditRows),
// in PostgreSQL dialect (markers $1, $2, ... in order, which the SQLite
// flavor turns into plain "?"; see sqliteMarkers). They are built once,
// so that each is one fixed query text that the statement cache
// (SQLite) or pgx (PostgreSQL) prepares once and reuses.
var auditInserts = auditInsertQueries()

func auditInsertQueries() []string {
	qs := make([]string, bits.TrailingZeros(maxAuditRows)+1)
	for k := range qs {
		qs[k] = auditInsertQuery(1 << k)
	}
	return qs
}

// auditInsertQuery returns the INSERT of rows audit rows, with bind
// markers $1..$(rows*auditRowArgs).
func auditInsertQuery(rows int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO audit (` + auditInsertCols + `) VALUES `)
	n := 0
	for r := range rows {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := range auditRowArgs {
			if c > 0 {
				b.WriteString(", ")
			}
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		}
		b.WriteByte(')')
	}
	return b.String()
}

// auditInsertArgs appends r's values, in auditInsertCols order, to args.
func auditInsertArgs(args []any, r *storage.AuditRecord) []any {
	params := []byte(r.Parameters)
	if params == nil {
		params = []byte{}
	}
	return append(args, r.ID, r.TenantID, nanos(r.Time), r.UserID, r.UPN, strings.ToLower(r.UPN), r.ClientAddr,
		r.SessionID, r.Cmdlet, cmdletLower.get(r.Cmdlet), params, jv(r.ObjectIDs), r.Succeeded, r.Error)
}

// AppendAudits durably stores recs, all or none: when it returns nil
// every record survives a crash, with the same guarantees as AppendAudit
// (inside a caller's Tx, that transaction's commit carries them, and on
// PostgreSQL that commit waits for the WAL flush). A duplicate ID fails
// the call with ErrAlreadyExists and stores none of recs. The order in
// which the rows are inserted is unspecified; records are found by
// (time, id), never by insertion order.
//
// It costs about one statement per maxAuditRows records instead of one
// per record: recs are inserted in multi-row INSERTs of maxAuditRows
// rows, and the remainder in INSERTs of decreasing powers of two rows,
// so every statement is one of a few fixed, prepared query texts and a
// call of n records runs at most n/maxAuditRows + log2(maxAuditRows)
// statements.
func (s *Store) AppendAudits(ctx context.Context, recs []storage.AuditRecord) error {
	for i := range recs {
		if recs[i].ID == "" {
			return fmt.Errorf("storage: append audits: record %d: id is required", i)
		}
	}
	if len(recs) == 0 {
		return nil
	}
	return s.wrap("append audits", s.withTx(ctx, txLocking, func(tx *Store) error {
		if tx.fl.durableSQL != "" {
			if _, err := tx.exec(ctx, tx.fl.durableSQL); err != nil {
				return err
			}
		}
		args := make([]any, 0, min(len(recs), maxAuditRows)*auditRowArgs)
		for rest := recs; len(rest) > 0; {
			k := min(bits.Len(uint(len(rest)))-1, len(auditInserts)-1)
			rows := rest[:1<<k]
			rest = rest[len(rows):]
			args = args[:0]
			for i := range rows {
				args = auditInsertArgs(args, &rows[i])
			}
			if _, err := tx.exec(ctx, auditInserts[k], args...); err != nil {
				return err
			}
		}
		return nil
	}))
}
