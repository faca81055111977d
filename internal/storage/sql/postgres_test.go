package sql

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"sync"
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
	out, err := withSearchPath(dsn, schema)
	if err != nil {
		t.Fatal(err)
	}
	return out
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

// The conformance run shares one schema per test process: creating ~60
// relations per subtest costs seconds of fsyncs on a busy disk, so each
// subtest instead empties the shared schema (subtests run sequentially).
var shared struct {
	once   sync.Once
	dsn    string
	schema string
	admin  *sql.DB
	err    error
	store  *Store   // handle used for wiping
	tables []string // tables to empty
}

// wipe empties every table of the shared schema in one transaction.
func wipe(ctx context.Context) error {
	return shared.store.withTx(ctx, txLocking, func(tx *Store) error {
		for _, tb := range shared.tables {
			if _, err := tx.exec(ctx, `DELETE FROM `+tb); err != nil {
				return err
			}
		}
		return nil
	})
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.store != nil {
		shared.store.Close()
	}
	if shared.admin != nil {
		if _, err := shared.admin.Exec(`DROP SCHEMA ` + shared.schema + ` CASCADE`); err != nil {
			fmt.Fprintf(os.Stderr, "drop schema %s: %v\n", shared.schema, err)
			code = 1
		}
		shared.admin.Close()
	}
	os.Exit(code)
}

// sharedSchema returns the DSN of the process-wide test schema, emptied.
func sharedSchema(t testing.TB) string {
	t.Helper()
	base := postgresDSN(t)
	shared.once.Do(func() {
		b := make([]byte, 6)
		rand.Read(b)
		shared.schema = "ipps_test_" + hex.EncodeToString(b)
		if shared.admin, shared.err = sql.Open("pgx", base); shared.err != nil {
			return
		}
		if _, shared.err = shared.admin.Exec(`CREATE SCHEMA ` + shared.schema); shared.err != nil {
			return
		}
		if shared.dsn, shared.err = withSearchPath(base, shared.schema); shared.err != nil {
			return
		}
		// Conformance data need not survive a crash; skipping the WAL
		// flush wait keeps the suite fast on a busy disk. AppendAudit
		// still forces a synchronous commit (SET LOCAL), so its path is
		// exercised as in production. Benchmarks use newSchema, without
		// this setting.
		shared.dsn += "&synchronous_commit=off"
		var st storage.Storage
		if st, shared.err = storage.Open(context.Background(), shared.dsn, nil); shared.err != nil {
			return
		}
		shared.store = st.(*Store)
		shared.tables, shared.err = collect(shared.store, context.Background(), "tables", func(r interface{ Scan(...any) error }) (string, error) {
			var n string
			return n, r.Scan(&n)
		}, `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name <> 'schema_migrations'`)
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	if err := wipe(context.Background()); err != nil {
		t.Fatal(err)
	}
	return shared.dsn
}

func withSearchPath(dsn, schema string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func newPostgres(t *testing.T) storage.Storage { return openPostgres(t, sharedSchema(t)) }

func newPostgresPair(t *testing.T) (storage.Storage, storage.Storage) {
	dsn := sharedSchema(t)
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
