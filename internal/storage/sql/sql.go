// Package sql implements storage.Storage on SQL databases: SQLite (via the
// pure-Go modernc.org/sqlite driver) and PostgreSQL (via pgx).
//
// Queries are written once in PostgreSQL dialect and rewritten for SQLite
// by the flavor (bind markers, bytea, FOR UPDATE). Instants are stored as
// BIGINT Unix nanoseconds (NULL for the zero time), so both backends keep
// nanosecond precision and compare times as integers; instants outside
// 1678..2262 are clamped to that range. Case-insensitive keys are stored
// in extra *_lower columns with unique indexes.
//
// Concurrency: read-modify-write operations run in "locking" transactions
// (PostgreSQL READ COMMITTED with SELECT ... FOR UPDATE or a per-key
// advisory lock; SQLite BEGIN IMMEDIATE, which serializes writers across
// processes). Storage.Tx runs SERIALIZABLE on PostgreSQL and is retried on
// serialization failures and deadlocks.
package sql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/ipps/ipps/internal/storage"
)

func init() {
	storage.Register("sqlite", OpenSQLite)
	storage.Register("postgres", OpenPostgres)
	storage.Register("postgresql", OpenPostgres)
}

// querier is satisfied by *sql.DB and *sql.Tx.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Store is the SQL implementation of storage.Storage. A Store either owns
// the database handle (from Open*) or is bound to one transaction (inside
// Tx and the locking helpers).
type Store struct {
	db *sql.DB
	// rdb serves plain SELECTs outside transactions. For SQLite it is a
	// separate read-only pool, so readers never queue behind the single
	// writer connection; for PostgreSQL it is db.
	rdb    *sql.DB
	q      querier // db, or tx when bound
	tx     *sql.Tx
	fl     *flavor
	logger *slog.Logger
	// lockNS prefixes advisory lock keys (the PostgreSQL schema).
	lockNS string
	// now is the clock for backend-set timestamps (UpdatedAt,
	// ModifiedAt, RenewedAt).
	now func() time.Time
	// txState is shared by every Store bound to one transaction.
	txState *txState
	// stmts caches prepared statements (SQLite only; nil otherwise).
	stmts *stmtCache
}

// txState is the bookkeeping of one open transaction.
type txState struct {
	// savepoints counts nested Tx calls, for unique savepoint names.
	savepoints int
	// doomed is set when a nested Tx failed in a way that only retrying
	// the whole transaction can fix; the transaction then rolls back and
	// returns it.
	doomed error
}

var _ storage.Storage = (*Store)(nil)

func newStore(db *sql.DB, fl *flavor, logger *slog.Logger) *Store {
	return &Store{db: db, rdb: db, q: db, fl: fl, logger: logger, now: func() time.Time { return time.Now().UTC() }}
}

// Close closes the database handle. Closing a transaction-bound Store is
// a no-op.
func (s *Store) Close() error {
	if s.tx != nil {
		return nil
	}
	if s.rdb != s.db {
		s.rdb.Close()
	}
	return s.db.Close()
}

func (s *Store) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	q := s.fl.translate(query)
	ctx, err := s.short(ctx, s.tx != nil)
	if err != nil {
		return nil, err
	}
	if st := s.prepared(ctx, q, false); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return s.q.ExecContext(ctx, q, args...)
}

func (s *Store) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	q, read := s.fl.translate(query), s.readsFromPool(query)
	ctx, err := s.short(ctx, s.tx != nil)
	if err != nil {
		return nil, err
	}
	if st := s.prepared(ctx, q, read); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return s.querier(read).QueryContext(ctx, q, args...)
}

func (s *Store) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	q, read := s.fl.translate(query), s.readsFromPool(query)
	if sctx, err := s.short(ctx, true); err == nil {
		ctx = sctx
	} // else run on ctx, which fails the row with ctx's error
	if st := s.prepared(ctx, q, read); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return s.querier(read).QueryRowContext(ctx, q, args...)
}

// short returns the context to run one statement with. On a flavor with
// cheapShortStatements, a statement that cannot run long (quick) runs
// detached from ctx's cancellation once ctx is checked: a cancellable
// context costs each statement a watcher goroutine in database/sql
// (for rows) and one in the SQLite driver, a steady share of the CPU of
// a point read. Quick statements are single-row reads (queryRow) and
// anything on a connection s already holds (a transaction: its
// statements are small, and the transaction itself still ends with
// its context, which database/sql watches once per transaction).
// Listings and writes outside a transaction keep ctx, so they stay
// cancellable while they wait for a connection or step through rows.
func (s *Store) short(ctx context.Context, quick bool) (context.Context, error) {
	if !quick || !s.fl.cheapShortStatements || ctx.Done() == nil {
		return ctx, nil
	}
	if err := ctx.Err(); err != nil {
		return ctx, err
	}
	return context.WithoutCancel(ctx), nil
}

// readsFromPool reports whether query runs on the read pool: a plain
// SELECT outside a transaction, on a store that has one (SQLite).
// Everything else (UPDATE ... RETURNING, transaction-bound queries) runs
// on q.
func (s *Store) readsFromPool(query string) bool {
	return s.tx == nil && s.rdb != s.db && isSelect(query)
}

func (s *Store) querier(read bool) querier {
	if read {
		return s.rdb
	}
	return s.q
}

func isSelect(q string) bool {
	q = strings.TrimLeft(q, " \t\r\n")
	return len(q) >= 6 && strings.EqualFold(q[:6], "SELECT")
}

// execN runs an exec and returns the number of affected rows.
func (s *Store) execN(ctx context.Context, query string, args ...any) (int, error) {
	res, err := s.exec(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// txMode selects how a transaction isolates itself.
type txMode int

const (
	// txLocking: PostgreSQL READ COMMITTED; the code takes row or
	// advisory locks itself. SQLite: BEGIN IMMEDIATE.
	txLocking txMode = iota
	// txSerializable: PostgreSQL SERIALIZABLE. SQLite: BEGIN IMMEDIATE.
	txSerializable
)

const maxTxAttempts = 30

// withTx runs fn in a transaction, or directly if s is already bound to
// one. It retries fn on serialization failures, deadlocks and busy errors.
func (s *Store) withTx(ctx context.Context, mode txMode, fn func(tx *Store) error) error {
	if s.tx != nil {
		return fn(s)
	}
	return s.retryTx(ctx, mode, fn)
}

// savepoint runs fn inside a savepoint of the transaction s is bound to.
// If fn fails its writes are rolled back to the savepoint; a retryable
// failure dooms the whole transaction instead (see txState).
func (s *Store) savepoint(ctx context.Context, fn func(tx *Store) error) error {
	st := s.txState
	st.savepoints++
	name := fmt.Sprintf("sp%d", st.savepoints)
	ctx, err := s.short(ctx, true)
	if err != nil {
		return s.doom(err)
	}
	if _, err := s.tx.ExecContext(ctx, "SAVEPOINT "+name); err != nil {
		return s.doom(fmt.Errorf("storage: savepoint: %w", err))
	}
	err = fn(s)
	if err != nil && s.fl.retryable(err) {
		return s.doom(err)
	}
	if err != nil {
		if _, rerr := s.tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT "+name); rerr != nil {
			return s.doom(fmt.Errorf("storage: rollback to savepoint: %w", rerr))
		}
	}
	if _, rerr := s.tx.ExecContext(ctx, "RELEASE SAVEPOINT "+name); rerr != nil {
		return s.doom(fmt.Errorf("storage: release savepoint: %w", rerr))
	}
	return err
}

func (s *Store) doom(err error) error {
	if s.txState.doomed == nil {
		s.txState.doomed = err
	}
	return err
}

func (s *Store) retryTx(ctx context.Context, mode txMode, fn func(tx *Store) error) error {
	var err error
	for attempt := 1; ; attempt++ {
		err = s.tryTx(ctx, mode, fn)
		if err == nil || !s.fl.retryable(err) || attempt == maxTxAttempts || ctx.Err() != nil {
			return err
		}
		// Jittered backoff growing to ~50ms.
		d := time.Duration(rand.Int64N(int64(min(attempt, 10))*int64(5*time.Millisecond))) + time.Millisecond
		s.logger.DebugContext(ctx, "storage: retrying transaction", "attempt", attempt, "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(d):
		}
	}
}

func (s *Store) tryTx(ctx context.Context, mode txMode, fn func(tx *Store) error) (err error) {
	tx, err := s.db.BeginTx(ctx, s.fl.txOptions(mode))
	if err != nil {
		return fmt.Errorf("storage: begin: %w", err)
	}
	bound := *s
	bound.q, bound.tx, bound.txState = tx, tx, &txState{}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	err = fn(&bound)
	if d := bound.txState.doomed; d != nil {
		err = d
	}
	if err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("storage: commit: %w", err)
	}
	return nil
}

// Tx implements storage.Storage.
func (s *Store) Tx(ctx context.Context, fn func(ctx context.Context, tx storage.Storage) error) error {
	if s.tx != nil {
		return s.savepoint(ctx, func(tx *Store) error { return fn(ctx, tx) })
	}
	return s.withTx(ctx, txSerializable, func(tx *Store) error { return fn(ctx, tx) })
}

// wrap turns driver errors into storage errors: unique violations become
// ErrAlreadyExists, and everything gets the "storage: op" prefix.
func (s *Store) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("storage: %s: %w", op, storage.ErrNotFound)
	}
	if s.fl.isUnique(err) {
		return fmt.Errorf("storage: %s: %w (%v)", op, storage.ErrAlreadyExists, err)
	}
	if s.fl.isForeignKey(err) {
		return fmt.Errorf("storage: %s: referenced row missing: %w (%v)", op, storage.ErrNotFound, err)
	}
	if strings.HasPrefix(err.Error(), "storage: ") {
		return err
	}
	return fmt.Errorf("storage: %s: %w", op, err)
}

func notFound(op string) error { return fmt.Errorf("storage: %s: %w", op, storage.ErrNotFound) }
