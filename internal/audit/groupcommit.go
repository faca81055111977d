package audit

import (
	"context"
	"sync"

	"github.com/ipps/ipps/internal/storage"
)

// maxBatch bounds how many records one transaction commits.
const maxBatch = 256

// txStore is the optional capability group commit needs: several appends
// in one transaction, so one durable commit (one fsync) covers them all.
type txStore interface {
	Tx(ctx context.Context, fn func(ctx context.Context, tx storage.Storage) error) error
}

// committer batches concurrent appends ("group commit"). It runs no
// goroutine of its own: the first caller to find no commit in flight
// becomes the leader and writes everything queued, batch after batch,
// while later callers wait for their own record's outcome. Each caller
// still returns only once its record is durable, so audit stays
// fail-closed; under load N concurrent cmdlets cost about one commit
// instead of N.
type committer struct {
	mu      sync.Mutex // guards pending and leading
	pending []*appendReq
	leading bool
}

type appendReq struct {
	rec  storage.AuditRecord
	done chan error // buffered(1); receives the record's outcome
}

// append stores rec durably, batching with concurrent callers when the
// store supports transactions.
func (c *committer) append(ctx context.Context, store storage.AuditStore, rec storage.AuditRecord) error {
	tx, ok := store.(txStore)
	if !ok {
		return store.AppendAudit(ctx, rec)
	}
	req := &appendReq{rec: rec, done: make(chan error, 1)}
	c.mu.Lock()
	c.pending = append(c.pending, req)
	if c.leading {
		c.mu.Unlock()
		return <-req.done
	}
	c.leading = true
	for len(c.pending) > 0 {
		n := min(len(c.pending), maxBatch)
		batch := c.pending[:n:n]
		c.pending = c.pending[n:]
		c.mu.Unlock()
		err := tx.Tx(ctx, func(ctx context.Context, s storage.Storage) error {
			for _, r := range batch {
				if err := s.AppendAudit(ctx, r.rec); err != nil {
					return err
				}
			}
			return nil
		})
		for _, r := range batch {
			r.done <- err
		}
		c.mu.Lock()
	}
	c.leading = false
	c.mu.Unlock()
	return <-req.done
}
