package sql

import (
	"context"
	"database/sql"
	"sync"
)

// maxCachedStmts bounds the statement cache; queries beyond it (built
// with a variable number of parameters, say) run unprepared.
const maxCachedStmts = 512

// stmtCache keeps one prepared *sql.Stmt per (database handle, query).
// modernc's SQLite driver compiles every statement anew on each call,
// which costs about as much as running a point query; database/sql
// prepares a cached Stmt once per connection and reuses it. PostgreSQL
// needs no cache: pgx caches prepared statements itself. Safe for
// concurrent use.
type stmtCache struct {
	mu sync.Mutex
	m  map[stmtKey]*sql.Stmt
	// warming holds the keys being prepared in the background.
	warming map[stmtKey]bool
}

type stmtKey struct {
	db    *sql.DB
	query string
}

// get returns the prepared statement for query on db, preparing it on
// first use; nil when the cache is full or preparing failed (the caller
// then runs the query unprepared, which reports any error itself).
func (c *stmtCache) get(ctx context.Context, db *sql.DB, query string) *sql.Stmt {
	k := stmtKey{db, query}
	c.mu.Lock()
	st, ok := c.m[k]
	full := len(c.m) >= maxCachedStmts
	c.mu.Unlock()
	if ok || full {
		return st
	}
	st, err := db.PrepareContext(context.WithoutCancel(ctx), query)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.m[k]; ok { // lost a race: keep the first
		st.Close()
		return prev
	}
	if c.m == nil {
		c.m = map[stmtKey]*sql.Stmt{}
	}
	c.m[k] = st
	return st
}

// lookup returns the cached statement for query on db without preparing
// it; ok is false when it is not cached and the cache has room.
func (c *stmtCache) lookup(db *sql.DB, query string) (st *sql.Stmt, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, ok = c.m[stmtKey{db, query}]
	return st, ok || len(c.m) >= maxCachedStmts
}

// warm prepares query on db in the background, once at a time per key.
func (c *stmtCache) warm(ctx context.Context, db *sql.DB, query string) {
	k := stmtKey{db, query}
	c.mu.Lock()
	if c.warming[k] {
		c.mu.Unlock()
		return
	}
	if c.warming == nil {
		c.warming = map[stmtKey]bool{}
	}
	c.warming[k] = true
	c.mu.Unlock()
	go func() {
		c.get(context.WithoutCancel(ctx), db, query)
		c.mu.Lock()
		delete(c.warming, k)
		c.mu.Unlock()
	}()
}

// prepared returns the statement to run query (already translated) with
// on behalf of s: a cached statement bound to s's transaction when s is
// bound to one, else a cached statement on the read pool (read, see
// readsFromPool) or the writer. nil means "run it unprepared".
func (s *Store) prepared(ctx context.Context, query string, read bool) *sql.Stmt {
	if s.stmts == nil {
		return nil
	}
	if s.tx != nil {
		// Preparing on the DB needs a connection, and SQLite's one
		// writer connection is the transaction's: use a statement
		// prepared earlier, or prepare it in the background (it waits
		// for the transaction to end) and run this one unprepared.
		st, ok := s.stmts.lookup(s.db, query)
		if !ok {
			s.stmts.warm(ctx, s.db, query)
			return nil
		}
		if st == nil {
			return nil
		}
		return s.tx.StmtContext(ctx, st)
	}
	db := s.db
	if read {
		db = s.rdb
	}
	return s.stmts.get(ctx, db, query)
}
