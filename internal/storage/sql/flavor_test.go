package sql

import "testing"

func TestSQLiteRewrite(t *testing.T) {
	for in, want := range map[string]string{
		`SELECT a FROM t WHERE id = $1 AND x > $12 FOR UPDATE`: `SELECT a FROM t WHERE id = ?1 AND x > ?12`,
		`CREATE TABLE k (pem bytea NOT NULL)`:                  `CREATE TABLE k (pem blob NOT NULL)`,
		`SELECT 'cost $' FROM t`:                               `SELECT 'cost $' FROM t`,
		"UPDATE t SET a = $2 WHERE id = $1\n\t\tFOR UPDATE":    `UPDATE t SET a = ?2 WHERE id = ?1`,
		// In order, each once: anonymous markers (see sqliteMarkers).
		`SELECT a FROM t WHERE id = $1 AND x > $2`:           `SELECT a FROM t WHERE id = ? AND x > ?`,
		`INSERT INTO t VALUES ($1, $2), ($3, $4)`:            `INSERT INTO t VALUES (?, ?), (?, ?)`,
		`SELECT a FROM t WHERE id = $1 OR parent = $1`:       `SELECT a FROM t WHERE id = ?1 OR parent = ?1`,
		`SELECT a FROM t WHERE x = $1 AND y = $3 AND z = $2`: `SELECT a FROM t WHERE x = ?1 AND y = ?3 AND z = ?2`,
	} {
		if got := sqliteFlavor.translate(in); got != want {
			t.Errorf("translate(%q) = %q, want %q", in, got, want)
		}
	}
	// PostgreSQL is the source dialect.
	q := `SELECT 1 FROM t WHERE id = $1 FOR UPDATE`
	if got := postgresFlavor.translate(q); got != q {
		t.Errorf("postgres rewrote %q to %q", q, got)
	}
}
