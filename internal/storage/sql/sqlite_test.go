package sql

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/ipps/ipps/internal/storage"
	"github.com/ipps/ipps/internal/storage/conformance"
)

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// openSQLite opens path as a storage and closes it at cleanup.
func openSQLite(t testing.TB, path string) storage.Storage {
	t.Helper()
	s, err := storage.Open(context.Background(), "sqlite://"+path, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func newSQLite(t *testing.T) storage.Storage {
	return openSQLite(t, filepath.Join(t.TempDir(), "ipps.db"))
}

func newSQLitePair(t *testing.T) (storage.Storage, storage.Storage) {
	path := filepath.Join(t.TempDir(), "ipps.db")
	return openSQLite(t, path), openSQLite(t, path)
}

func TestSQLite(t *testing.T) {
	conformance.RunParallelTests(t, newSQLite) // one file per subtest
	conformance.RunSharedTests(t, newSQLitePair)
}

func TestSQLitePlainPathAndReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "plain.db")
	s, err := storage.Open(ctx, path, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateTenant(ctx, storage.Tenant{ID: "t1", Name: "contoso"}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	// Reopening applies no migration twice and keeps the data.
	s = openSQLite(t, path)
	if _, err := s.GetTenant(ctx, "t1"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := s.(*Store).queryRow(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil || n != len(migrations) {
		t.Fatalf("schema_migrations rows %d (err %v), want %d", n, err, len(migrations))
	}
	var mode string
	if err := s.(*Store).queryRow(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode %q %v", mode, err)
	}
}

func TestOpenUnknownScheme(t *testing.T) {
	if _, err := storage.Open(context.Background(), "mysql://x", nil); err == nil {
		t.Fatal("unknown scheme accepted")
	}
}
