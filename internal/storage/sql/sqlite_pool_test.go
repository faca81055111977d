package sql

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/storage"
)

// The SQLite read pool is read-only: a write that were routed to it by
// mistake fails instead of racing the single writer connection.
func TestSQLiteReadPoolIsReadOnly(t *testing.T) {
	s := newSQLite(t).(*Store)
	if s.rdb == s.db {
		t.Fatal("SQLite store has no separate read pool")
	}
	if _, err := s.rdb.Exec(`CREATE TABLE scratch (a INTEGER)`); err == nil || !strings.Contains(err.Error(), "readonly") {
		t.Fatalf("CREATE TABLE through the read pool: %v, want a readonly error", err)
	}
	if _, err := s.db.Exec(`CREATE TABLE scratch (a INTEGER)`); err != nil {
		t.Fatalf("CREATE TABLE through the writer: %v", err)
	}
	for q, wantRead := range map[string]bool{
		"SELECT 1":                      true,
		"\n\t  select id FROM tenants":  true,
		"UPDATE x SET a=1 RETURNING id": false,
		"INSERT INTO x VALUES (1)":      false,
		"SELEC":                         false,
	} {
		if got := s.readsFromPool(q); got != wantRead {
			t.Errorf("readsFromPool(%q) = %v, want %v", q, got, wantRead)
		}
	}
	// Inside a transaction every statement, reads too, stays on the tx.
	err := s.Tx(context.Background(), func(ctx context.Context, tx storage.Storage) error {
		if tx.(*Store).readsFromPool("SELECT 1") {
			t.Error("a SELECT inside a transaction went to the read pool")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Many concurrent writers and readers in one process all succeed and
// every write is read back: writers queue on the one connection instead
// of failing with SQLITE_BUSY.
func TestSQLiteConcurrentWritersAndReaders(t *testing.T) {
	s := newSQLite(t)
	ctx := context.Background()
	if err := s.CreateTenant(ctx, storage.Tenant{ID: "t1", Name: "t1"}); err != nil {
		t.Fatal(err)
	}
	const n = 64
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, err := s.CreateObject(ctx, storage.Object{TenantID: "t1", Kind: "K", ID: fmt.Sprint("o", i), Name: fmt.Sprint("O", i), Body: []byte(`{}`)})
			errs <- err
		}()
		go func() {
			defer wg.Done()
			_, err := s.GetTenant(ctx, "t1")
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		if _, err := s.GetObject(ctx, "t1", "K", fmt.Sprint("o", i)); err != nil {
			t.Fatalf("object %d: %v", i, err)
		}
	}
}

// Statements are prepared once and reused, also inside transactions
// (where a statement first seen is prepared in the background, since the
// transaction holds SQLite's only writer connection).
func TestSQLiteStatementCache(t *testing.T) {
	s := newSQLite(t).(*Store)
	ctx := context.Background()
	if err := s.CreateTenant(ctx, storage.Tenant{ID: "t1", Name: "t1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetTenant(ctx, "t1"); err != nil {
		t.Fatal(err)
	}
	s.stmts.mu.Lock()
	n := len(s.stmts.m)
	s.stmts.mu.Unlock()
	if n == 0 {
		t.Fatal("no statement cached after a write and a read")
	}
	// A transaction using a statement never seen before completes (no
	// deadlock on the writer), and the statement is cached afterwards.
	for range 3 {
		err := s.Tx(ctx, func(ctx context.Context, tx storage.Storage) error {
			_, err := tx.CountObjects(ctx, "t1", "K")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		s.stmts.mu.Lock()
		grown := len(s.stmts.m) > n
		s.stmts.mu.Unlock()
		if grown {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("statement first used inside a transaction was never cached")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
