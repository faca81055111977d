package sql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers driver "pgx"
	"modernc.org/sqlite"
	_ "modernc.org/sqlite" // registers driver "sqlite"

	"github.com/ipps/ipps/internal/storage"
)

// flavor adapts PostgreSQL-dialect SQL and error handling to a database.
type flavor struct {
	name string
	// rewrite turns a PostgreSQL query into the flavor's dialect; nil
	// means identity.
	rewrite func(string) string
	cache   sync.Map // query -> rewritten query

	// lockKeySQL takes a transaction-scoped lock on $1 (a string); ""
	// when transactions already serialize writers (SQLite).
	lockKeySQL string
	// namespaceSQL returns a string naming the schema in use; lock keys
	// are prefixed with it so that schemas sharing a server (advisory
	// locks are server-wide per database) do not contend.
	namespaceSQL string
	// durableSQL, run first in a transaction, makes its commit wait for
	// the WAL flush whatever the server or session default is.
	durableSQL string

	// cheapShortStatements: a statement that cannot run long may run
	// without its context's cancellation (see Store.short). SQLite,
	// where a cancellable context costs database/sql's and the driver's
	// watcher goroutines per statement and a statement never waits on
	// the network.
	cheapShortStatements bool

	txOpts     map[txMode]*sql.TxOptions
	retryable  func(error) bool
	uniqueErr  func(error) bool
	foreignErr func(error) bool
}

func (f *flavor) translate(q string) string {
	if f.rewrite == nil {
		return q
	}
	if v, ok := f.cache.Load(q); ok {
		return v.(string)
	}
	r := f.rewrite(q)
	f.cache.Store(q, r)
	return r
}

func (f *flavor) txOptions(m txMode) *sql.TxOptions { return f.txOpts[m] }
func (f *flavor) isUnique(err error) bool           { return f.uniqueErr(err) }
func (f *flavor) isForeignKey(err error) bool       { return f.foreignErr(err) }

var (
	bindRE      = regexp.MustCompile(`\$(\d+)`)
	forUpdateRE = regexp.MustCompile(`(?i)\s+FOR UPDATE\b`)
	byteaRE     = regexp.MustCompile(`(?i)\bbytea\b`)
)

// SQLite error codes (sqlite3.h).
const (
	sqliteBusy          = 5
	sqliteLocked        = 6
	sqliteConstraint    = 19
	sqliteConstraintFK  = 787
	sqliteConstraintPK  = 1555
	sqliteConstraintUnq = 2067
)

func sqliteCode(err error) int {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return 0
}

// sqliteMarkers rewrites PostgreSQL's $N bind markers for SQLite: plain
// "?" when they are exactly $1, $2, ... in order (SQLite numbers "?" in
// order, so they bind the same arguments), else "?N". Binding a value to
// a numbered marker makes SQLite scan all of the statement's markers for
// its name, which is quadratic in their count (most of the cost of a
// multi-row INSERT) and a measurable share of a plain one.
func sqliteMarkers(q string) string {
	locs := bindRE.FindAllStringSubmatchIndex(q, -1)
	for i, l := range locs {
		if n, err := strconv.Atoi(q[l[2]:l[3]]); err != nil || n != i+1 {
			return bindRE.ReplaceAllString(q, "?$1")
		}
	}
	return bindRE.ReplaceAllString(q, "?")
}

var sqliteFlavor = &flavor{
	name: "sqlite",
	rewrite: func(q string) string {
		q = sqliteMarkers(q)
		q = forUpdateRE.ReplaceAllString(q, "")
		return byteaRE.ReplaceAllString(q, "blob")
	},
	cheapShortStatements: true,
	txOpts:               map[txMode]*sql.TxOptions{}, // BEGIN IMMEDIATE via _txlock
	retryable: func(err error) bool {
		c := sqliteCode(err) & 0xff
		return c == sqliteBusy || c == sqliteLocked
	},
	uniqueErr: func(err error) bool {
		c := sqliteCode(err)
		return c == sqliteConstraintUnq || c == sqliteConstraintPK
	},
	foreignErr: func(err error) bool { return sqliteCode(err) == sqliteConstraintFK },
}

func pgCode(err error) string {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

var postgresFlavor = &flavor{
	name:         "postgres",
	lockKeySQL:   `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`,
	namespaceSQL: `SELECT current_schema()`,
	durableSQL:   `SET LOCAL synchronous_commit TO on`,
	txOpts: map[txMode]*sql.TxOptions{
		txLocking:      {Isolation: sql.LevelReadCommitted},
		txSerializable: {Isolation: sql.LevelSerializable},
	},
	retryable: func(err error) bool {
		c := pgCode(err)
		return c == "40001" || c == "40P01"
	},
	uniqueErr:  func(err error) bool { return pgCode(err) == "23505" },
	foreignErr: func(err error) bool { return pgCode(err) == "23503" },
}

// lockKey takes a transaction-scoped exclusive lock named key. It must be
// called inside withTx.
func (s *Store) lockKey(ctx context.Context, key string) error {
	if s.fl.lockKeySQL == "" {
		return nil
	}
	_, err := s.exec(ctx, s.fl.lockKeySQL, s.lockNS+"/"+key)
	return err
}

// sqliteReaders is the size of the SQLite read pool.
const sqliteReaders = 8

// OpenSQLite opens (creating if needed) the SQLite database named by dsn,
// either "sqlite:///abs/path.db", "sqlite://rel/path.db" or a plain path,
// and applies migrations. The database runs in WAL mode with
// synchronous=FULL (every commit is fsynced), foreign keys on, a 10 s
// busy timeout, and BEGIN IMMEDIATE transactions.
//
// Each connection keeps a 16 MiB page cache.
//
// Writes in this process go through one connection, so writers queue in
// Go (in arrival order) instead of polling SQLite's busy handler, which
// sleeps up to 100 ms between attempts; the busy timeout only matters
// for other processes (ippsd's admin commands). Plain SELECTs outside
// transactions use a separate read-only pool of sqliteReaders
// connections, which WAL lets run beside the writer.
func OpenSQLite(ctx context.Context, dsn string, logger *slog.Logger) (storage.Storage, error) {
	path := strings.TrimPrefix(dsn, "sqlite://")
	if path == "" || strings.Contains(path, "?") {
		return nil, fmt.Errorf("storage: sqlite: bad dsn %q (want sqlite:///path/file.db)", dsn)
	}
	open := func(conns int, extra ...string) (*sql.DB, error) {
		v := url.Values{}
		for _, p := range append([]string{"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(FULL)", "foreign_keys(1)",
			"cache_size(-16384)"}, extra...) {
			v.Add("_pragma", p)
		}
		v.Set("_txlock", "immediate")
		db, err := sql.Open("sqlite", "file:"+path+"?"+v.Encode())
		if err != nil {
			return nil, fmt.Errorf("storage: sqlite: %w", err)
		}
		db.SetMaxOpenConns(conns)
		db.SetMaxIdleConns(conns)
		db.SetConnMaxIdleTime(0)
		return db, nil
	}
	db, err := open(1)
	if err != nil {
		return nil, err
	}
	st, err := finishOpen(ctx, db, sqliteFlavor, logger)
	if err != nil {
		return nil, err
	}
	// The read pool opens after migrations so that it never sees an
	// older schema, and is read-only so that a misrouted write fails
	// loudly instead of racing the writer.
	rdb, err := open(sqliteReaders, "query_only(1)")
	if err != nil {
		st.Close()
		return nil, err
	}
	s := st.(*Store)
	s.rdb = rdb
	s.stmts = &stmtCache{}
	return s, nil
}

// OpenPostgres opens a PostgreSQL database with a pgx DSN
// ("postgres://user@host:5432/db?sslmode=disable"; a search_path
// parameter selects the schema) and applies migrations.
func OpenPostgres(ctx context.Context, dsn string, logger *slog.Logger) (storage.Storage, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("storage: postgres: %w", err)
	}
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(20)
	return finishOpen(ctx, db, postgresFlavor, logger)
}

func finishOpen(ctx context.Context, db *sql.DB, fl *flavor, logger *slog.Logger) (storage.Storage, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("storage: %s: connect: %w", fl.name, err)
	}
	s := newStore(db, fl, logger)
	if fl.namespaceSQL != "" {
		if err := db.QueryRowContext(ctx, fl.namespaceSQL).Scan(&s.lockNS); err != nil {
			db.Close()
			return nil, fmt.Errorf("storage: %s: %w", fl.name, err)
		}
	}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}
