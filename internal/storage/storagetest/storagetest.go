// Package storagetest gives other packages' tests a real, empty store.
//
//	s := storagetest.New(t)            // SQLite file in t.TempDir()
//	s := storagetest.NewPostgres(t)    // fresh schema; skips without IPPS_TEST_POSTGRES
//
// Both are closed (and the schema dropped) at test cleanup.
package storagetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/ipps/ipps/internal/storage"
	_ "github.com/ipps/ipps/internal/storage/sql" // registers sqlite and postgres
)

// New returns a migrated SQLite store in a temporary file.
func New(t testing.TB) storage.Storage {
	t.Helper()
	return open(t, "sqlite://"+filepath.Join(t.TempDir(), "ipps.db"))
}

// NewPostgres returns a store in a freshly created PostgreSQL schema on the
// server named by IPPS_TEST_POSTGRES. Without it the test is skipped, or
// fails when IPPS_CI=1.
func NewPostgres(t testing.TB) storage.Storage {
	t.Helper()
	return open(t, PostgresSchema(t))
}

// PostgresSchema creates a randomly named schema, drops it at cleanup, and
// returns a DSN whose connections use it (search_path). Open the DSN
// several times to simulate replicas sharing one database.
func PostgresSchema(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv("IPPS_TEST_POSTGRES")
	if dsn == "" {
		if os.Getenv("IPPS_CI") == "1" {
			t.Fatal("IPPS_CI=1 but IPPS_TEST_POSTGRES is not set")
		}
		t.Skip("IPPS_TEST_POSTGRES not set; skipping PostgreSQL test")
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "ipps_test_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		admin.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			t.Errorf("storagetest: drop schema %s: %v", schema, err)
		}
		admin.Close()
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func open(t testing.TB, dsn string) storage.Storage {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	s, err := storage.Open(context.Background(), dsn, logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
