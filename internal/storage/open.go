package storage

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
)

// Opener opens a backend for a DSN. Backends register one per DSN scheme.
type Opener func(ctx context.Context, dsn string, logger *slog.Logger) (Storage, error)

var (
	backendsMu sync.RWMutex
	backends   = map[string]Opener{}
)

// Register makes a backend available to Open under the given DSN scheme
// (for example "sqlite" or "postgres"). It panics if the scheme is taken.
// Backends call it from init; package storage/sql registers "sqlite",
// "postgres" and "postgresql".
func Register(scheme string, open Opener) {
	backendsMu.Lock()
	defer backendsMu.Unlock()
	if _, dup := backends[scheme]; dup {
		panic("storage: Register called twice for scheme " + scheme)
	}
	backends[scheme] = open
}

// Open opens the backend chosen by the DSN scheme and applies pending
// migrations:
//
//	sqlite:///var/lib/ippsd/ipps.db    SQLite file (created if missing)
//	/var/lib/ippsd/ipps.db             plain path: SQLite
//	postgres://user@host:5432/db?...   PostgreSQL (pgx DSN)
//
// The binary must import the backend, usually with
//
//	import _ "github.com/ipps/ipps/internal/storage/sql"
func Open(ctx context.Context, dsn string, logger *slog.Logger) (Storage, error) {
	scheme := "sqlite"
	if i := strings.Index(dsn, "://"); i > 0 {
		scheme = dsn[:i]
	}
	backendsMu.RLock()
	open, ok := backends[scheme]
	backendsMu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("storage: no backend for scheme %q (registered: %s)", scheme, strings.Join(Schemes(), ", "))
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return open(ctx, dsn, logger)
}

// Schemes lists the registered DSN schemes, sorted.
func Schemes() []string {
	backendsMu.RLock()
	defer backendsMu.RUnlock()
	out := make([]string, 0, len(backends))
	for s := range backends {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}
