package audit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ipps/ipps/internal/storage"
)

// maxBatch bounds how many records one transaction commits.
const maxBatch = 256

// txStore is the optional capability group commit needs: several appends
// in one transaction, so one durable commit (one fsync) covers them all.
type txStore interface {
	Tx(ctx context.Context, fn func(ctx context.Context, tx storage.Storage) error) error
}

// batchAppender is the optional capability of a transaction-bound store
// to append several records in a few statements (one multi-row INSERT
// per chunk, say) instead of one statement each. AppendAudits must be
// all-or-none and give each record AppendAudit's guarantees: when the
// enclosing transaction commits, every record in recs is durable.
type batchAppender interface {
	AppendAudits(ctx context.Context, recs []storage.AuditRecord) error
}

// Change is a state change that commits atomically with its audit
// record (see Broker.Apply). It runs inside a transaction — possibly more
// than once, when the transaction is retried — and must make every
// storage call through tx (or through storage.InTx on the ctx it is
// given). Its error is the invocation's outcome: when it fails, its
// writes are rolled back and a failure record is written instead.
type Change func(ctx context.Context, tx storage.Storage) error

// committer batches concurrent appends ("group commit"). It runs no
// goroutine of its own: the first caller to find no commit in flight
// becomes the leader and writes everything queued, batch after batch,
// until its own record has committed; it then hands leadership to the
// oldest waiting caller, so no caller ever commits under its context
// for longer than its own record takes. (A leader that kept leading
// under sustained load would eventually run a batch on its expired
// context and fail every record in it.) Each caller returns only once
// its record is durable, so audit stays fail-closed; under load N
// concurrent cmdlets cost about one commit instead of N. A request may
// carry a Change, which the leader runs in a savepoint of the batch
// transaction just before appending its record; the records of requests
// without one are appended together at the end of the batch when the
// transaction's store is a batchAppender (see runBatch).
type committer struct {
	mu      sync.Mutex // guards pending and leading
	pending []*appendReq
	leading bool
	// plain is the leader's scratch list of change-less records (see
	// runBatch); only the current leader touches it.
	plain []storage.AuditRecord
}

type appendReq struct {
	// ctx is the caller's detached, bounded context (see detach), made
	// only for a request with a change: the change runs with its
	// caller's values and deadline even when another caller leads.
	ctx    context.Context
	rec    storage.AuditRecord
	change Change
	// outcome is the change's error from the attempt that committed.
	outcome error
	// done receives the batch's outcome, or errLead when the caller must
	// take over as leader; buffered(1), written once per wake-up.
	done chan error
}

// errLead is sent on appendReq.done to make a waiting caller the leader.
var errLead = errors.New("audit: lead the next batch")

// append stores rec durably, first running change (if any) in the same
// transaction. It returns change's outcome and the durability error
// (nil when the record — and a successful change — committed).
//
// Every storage call append makes for the caller runs on detach(ctx,
// deadline): ctx's values without its cancellation, ending at deadline.
// Those contexts are made only where needed — for the change, and when
// the caller leads — so a caller whose record another leader commits
// costs no context or timer of its own.
func (c *committer) append(ctx context.Context, deadline time.Time, store storage.AuditStore, rec storage.AuditRecord, change Change) (outcome, err error) {
	tx, ok := store.(txStore)
	if !ok {
		if change != nil {
			return nil, fmt.Errorf("audit: store %T has no transactions, so a change cannot commit with its record", store)
		}
		actx, cancel := detach(ctx, deadline)
		defer cancel()
		return nil, store.AppendAudit(actx, rec)
	}
	req := &appendReq{rec: rec, change: change, done: make(chan error, 1)}
	if change != nil {
		var cancel context.CancelFunc
		req.ctx, cancel = detach(ctx, deadline)
		defer cancel() // after the change ran: append returns once its batch is done
	}
	c.mu.Lock()
	c.pending = append(c.pending, req)
	if c.leading {
		c.mu.Unlock()
		if err := <-req.done; err != errLead {
			return req.outcome, err
		}
		c.mu.Lock() // leadership was handed to us; req is still pending
	}
	c.leading = true
	lctx := req.ctx // the leader's batches run on its own bounded context
	for mine := false; !mine; {
		n := min(len(c.pending), maxBatch)
		batch := c.pending[:n:n]
		c.pending = c.pending[n:]
		c.mu.Unlock()
		if lctx == nil {
			var cancel context.CancelFunc
			lctx, cancel = detach(ctx, deadline)
			defer cancel()
		}
		err := tx.Tx(lctx, func(ctx context.Context, s storage.Storage) error {
			return c.runBatch(ctx, s, batch)
		})
		for _, r := range batch {
			mine = mine || r == req
			r.done <- err
		}
		c.mu.Lock()
	}
	if len(c.pending) > 0 {
		c.pending[0].done <- errLead // still leading: the next caller takes over
	} else {
		c.leading = false
	}
	c.mu.Unlock()
	err = <-req.done
	return req.outcome, err
}

// detach returns ctx's values without its cancellation, ending at
// deadline.
func detach(ctx context.Context, deadline time.Time) (context.Context, context.CancelFunc) {
	return context.WithDeadline(context.WithoutCancel(ctx), deadline)
}

// runBatch writes batch in the transaction s: each request with a change
// is applied in order (change in a savepoint, then its record). When s
// is a batchAppender, the records of requests without a change are then
// appended with one AppendAudits call; otherwise each is appended on its
// own. Any append error fails the whole batch. runBatch may run again
// for the same batch when the transaction is retried; it keeps no state
// between runs.
func (c *committer) runBatch(ctx context.Context, s storage.Storage, batch []*appendReq) error {
	ba, ok := s.(batchAppender)
	if !ok {
		for _, r := range batch {
			if err := r.apply(ctx, s); err != nil {
				return err
			}
		}
		return nil
	}
	plain := c.plain[:0]
	defer func() {
		clear(plain) // keep no caller's record alive past its batch
		c.plain = plain[:0]
	}()
	for _, r := range batch {
		if r.change == nil {
			plain = append(plain, r.rec)
			continue
		}
		if err := r.apply(ctx, s); err != nil {
			return err
		}
	}
	if err := ba.AppendAudits(ctx, plain); err != nil {
		return fmt.Errorf("audit: append %d records: %w", len(plain), err)
	}
	return nil
}

// apply runs r's change in a savepoint of s, then appends r's record
// (marked failed if the change failed). An error from apply fails the
// whole batch.
func (r *appendReq) apply(ctx context.Context, s storage.Storage) error {
	rec := r.rec
	r.outcome = nil
	if r.change != nil {
		r.outcome = s.Tx(ctx, func(_ context.Context, sp storage.Storage) error {
			return runChange(storage.ContextWithTx(r.ctx, sp), sp, r.change)
		})
		if r.outcome != nil {
			rec.Succeeded, rec.Error = false, r.outcome.Error()
		}
	}
	return s.AppendAudit(ctx, rec)
}

// runChange calls change, turning a panic into an error so that one bad
// cmdlet cannot take the batch leader (and every waiter) down with it.
func runChange(ctx context.Context, tx storage.Storage, change Change) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("audit: change panicked: %v", p)
		}
	}()
	return change(ctx, tx)
}
