package sql

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/ipps/ipps/internal/storage"
	"github.com/ipps/ipps/internal/storage/conformance"
)

// postgresDSN returns the DSN from IPPS_TEST_POSTGRES, skipping the test
// when it is unset (failing instead when IPPS_CI=1).
func postgresDSN(t testing.TB) string {
	dsn := os.Getenv("IPPS_TEST_POSTGRES")
	if dsn == "" {
		if os.Getenv("IPPS_CI") == "1" {
			t.Fatal("IPPS_CI=1 but IPPS_TEST_POSTGRES is not set")
		}
		t.Skip("IPPS_TEST_POSTGRES not set (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable); skipping PostgreSQL tests")
	}
	return dsn
}

// newSchema creates a randomly named schema, drops it at cleanup, and
// returns a DSN whose connections all use it as search_path.
func newSchema(t testing.TB) string {
	t.Helper()
	dsn := postgresDSN(t)
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
			t.Errorf("drop schema %s: %v", schema, err)
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

func openPostgres(t testing.TB, dsn string) storage.Storage {
	t.Helper()
	s, err := storage.Open(context.Background(), dsn, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() }) // runs before the schema drop
	return s
}

func newPostgres(t *testing.T) storage.Storage { return openPostgres(t, newSchema(t)) }

func newPostgresPair(t *testing.T) (storage.Storage, storage.Storage) {
	dsn := newSchema(t)
	return openPostgres(t, dsn), openPostgres(t, dsn)
}

func TestPostgres(t *testing.T) {
	postgresDSN(t)
	conformance.RunTests(t, newPostgres)
	conformance.RunSharedTests(t, newPostgresPair)
}

// TestPostgresConcurrentMigrate opens several handles on one fresh schema
// at once; migrations must be applied exactly once.
func TestPostgresConcurrentMigrate(t *testing.T) {
	dsn := newSchema(t)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			s, err := storage.Open(context.Background(), dsn, testLogger(t))
			if err == nil {
				s.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	s := openPostgres(t, dsn)
	var n int
	if err := s.(*Store).queryRow(context.Background(), `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil || n != len(migrations) {
		t.Fatalf("schema_migrations rows %d (err %v)", n, err)
	}
}
