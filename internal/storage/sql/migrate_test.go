package sql

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/ipps/ipps/internal/storage"
)

// TestUpgradeCountsObjects fills a database at schema version 3
// (before object_counts), reopens it with the current code and checks
// that the counts were backfilled from the existing objects and are
// kept from then on, on both backends.
func TestUpgradeCountsObjects(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "old.db")
		db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_txlock=immediate")
		if err != nil {
			t.Fatal(err)
		}
		db.SetMaxOpenConns(1)
		testUpgradeCountsObjects(t, newStore(db, sqliteFlavor, testLogger(t)), func() storage.Storage { return openSQLite(t, path) })
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := newSchema(t)
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		testUpgradeCountsObjects(t, newStore(db, postgresFlavor, testLogger(t)), func() storage.Storage { return openPostgres(t, dsn) })
	})
}

// testUpgradeCountsObjects migrates old to version 3, fills it, closes
// it and checks the store reopen returns.
func testUpgradeCountsObjects(t *testing.T, old *Store, reopen func() storage.Storage) {
	ctx := context.Background()
	if err := old.migrateTo(ctx, migrations[:3]); err != nil {
		t.Fatal(err)
	}
	for _, ten := range []string{"t0", "t1"} {
		if err := old.CreateTenant(ctx, storage.Tenant{ID: ten, Name: ten}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 9 {
		ten, kind := []string{"t0", "t1"}[i%2], []string{"P", "R", "P"}[i%3]
		if _, err := old.CreateObject(ctx, storage.Object{TenantID: ten, Kind: kind, ID: fmt.Sprint(i), Name: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	old.Close()

	s := reopen()
	for _, c := range []struct {
		tenant string
		kinds  []string
		want   int
	}{{"t0", []string{"P"}, 4}, {"t0", []string{"R"}, 1}, {"t0", nil, 5}, {"t1", []string{"P", "R"}, 4}, {"t2", nil, 0}} {
		if n, err := s.CountObjects(ctx, c.tenant, c.kinds...); err != nil || n != c.want {
			t.Fatalf("backfilled CountObjects(%s, %v) = %d, %v; want %d", c.tenant, c.kinds, n, err, c.want)
		}
	}
	if _, err := s.CreateObject(ctx, storage.Object{TenantID: "t0", Kind: "P", ID: "new", Name: "new"}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteObject(ctx, "t1", "R", "1"); err != nil {
		t.Fatal(err)
	}
	if n, err := s.CountObjects(ctx, "t0", "P"); err != nil || n != 5 {
		t.Fatalf("count after a create = %d, %v; want 5", n, err)
	}
	if n, err := s.CountObjects(ctx, "t1"); err != nil || n != 3 {
		t.Fatalf("count after a delete = %d, %v; want 3", n, err)
	}
}
