package compliance

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ipps/ipps/internal/storage"
)

// DistributorConfig configures a Distributor.
type DistributorConfig struct {
	// Interval between passes. Default 30s; tests use milliseconds.
	Interval time.Duration
	// Lag keeps the ModifiedAfter checkpoint this far behind the newest
	// change seen, for late commits on other replicas. Default 5s.
	Lag time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// SetDefaults fills zero fields.
func (c *DistributorConfig) SetDefaults() {
	if c.Interval <= 0 {
		c.Interval = 30 * time.Second
	}
	if c.Lag <= 0 {
		c.Lag = 5 * time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Distributor stands in for the policy sync backend: it moves retention
// policies from Pending to Success (stamping LastStatusUpdateTime) and
// deletes policies in PendingDeletion, in every tenant. Several replicas
// may run one each: updates are idempotent.
//
// A pass costs what changed: policies it already judged at their
// current version (see lagWindow) are listed again while they stay in
// the lag window but not decoded again, and the others are decoded only
// as far as their DistributionStatus (policyStatus).
type Distributor struct {
	st     storage.ObjectStore
	cfg    DistributorConfig
	logger *slog.Logger
	// checkpoint, window and decoded are owned by the goroutine calling
	// Step or Run.
	checkpoint time.Time
	window     lagWindow
	decoded    int // bodies read by Step, for tests
}

// NewDistributor returns a Distributor over st.
func NewDistributor(st storage.ObjectStore, cfg DistributorConfig, logger *slog.Logger) *Distributor {
	cfg.SetDefaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Distributor{st: st, cfg: cfg, logger: logger}
}

// Run calls Step every Interval until ctx is done and returns ctx.Err().
// Step errors are logged and retried on the next tick.
func (d *Distributor) Run(ctx context.Context) error {
	t := time.NewTicker(d.cfg.Interval)
	defer t.Stop()
	for {
		if _, err := d.Step(ctx); err != nil && ctx.Err() == nil {
			d.logger.WarnContext(ctx, "distribution pass failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Step runs one pass over policies modified since the checkpoint and
// returns how many it distributed or deleted. When the store has
// transactions, changes commit distributeChunk at a time (one durable
// commit instead of one per policy), so the distributor holds SQLite's
// single writer briefly and rarely.
func (d *Distributor) Step(ctx context.Context) (int, error) {
	q := storage.ObjectQuery{Kind: KindPolicy, ModifiedAfter: d.checkpoint, Page: storage.Page{Size: storage.MaxPageSize}}
	newest := d.checkpoint
	n := 0
	for {
		objs, next, err := d.st.ListObjects(ctx, q)
		if err != nil {
			return n, fmt.Errorf("compliance: distributor list: %w", err)
		}
		var todo []pendingPolicy
		for _, o := range objs {
			if o.ModifiedAt.After(newest) {
				newest = o.ModifiedAt
			}
			if d.window.settled(o) {
				continue
			}
			d.decoded++
			ps, err := decode[policyStatus](o)
			if err != nil {
				return n, err
			}
			if ps.DistributionStatus == StatusPending || ps.DistributionStatus == StatusPendingDeletion {
				todo = append(todo, pendingPolicy{o, ps.DistributionStatus})
			} else {
				d.window.add(o)
			}
		}
		for len(todo) > 0 {
			chunk := todo[:min(len(todo), distributeChunk)]
			todo = todo[len(chunk):]
			done, err := d.distributePage(ctx, chunk)
			n += done
			if err != nil {
				return n, err
			}
		}
		if next == "" {
			break
		}
		q.Page.Cursor = next
	}
	if cp := newest.Add(-d.cfg.Lag); cp.After(d.checkpoint) {
		d.checkpoint = cp
		d.window.prune(cp)
	}
	return n, nil
}

// policyStatus is the part of a policy body Step reads to find work;
// decoding only it skips building the body's lists and maps.
type policyStatus struct {
	DistributionStatus string `json:"distributionStatus"`
}

// distributeChunk bounds the changes one transaction carries, so that
// the distributor never holds SQLite's single writer for long while
// cmdlets wait for their audit commits.
const distributeChunk = 64

// txObjects is the optional capability distributePage batches with.
type txObjects interface {
	Tx(ctx context.Context, fn func(ctx context.Context, tx storage.Storage) error) error
}

// pendingPolicy is a policy Step found waiting, with the status it had.
type pendingPolicy struct {
	obj    storage.Object
	status string
}

// distributePage distributes ps, in one transaction when it can, and
// remembers the policies it moved to Success in the lag window once
// their updates are committed.
func (d *Distributor) distributePage(ctx context.Context, ps []pendingPolicy) (int, error) {
	if len(ps) == 0 {
		return 0, nil
	}
	var updated []storage.Object
	run := func(st storage.ObjectStore) (int, error) {
		n := 0
		updated = updated[:0] // a retried transaction starts over
		for _, p := range ps {
			done, err := d.distribute(ctx, st, p.obj, p.status, &updated)
			if err != nil {
				return n, err
			}
			if done {
				n++
			}
		}
		return n, nil
	}
	tx, ok := d.st.(txObjects)
	if !ok {
		n, err := run(d.st)
		d.remember(updated) // each update committed on its own
		return n, err
	}
	var n int
	err := tx.Tx(ctx, func(ctx context.Context, s storage.Storage) error {
		var err error
		n, err = run(s) // n is reset on every attempt
		return err
	})
	if err != nil {
		return 0, err
	}
	d.remember(updated)
	return n, nil
}

// remember adds committed updates to the lag window.
func (d *Distributor) remember(updated []storage.Object) {
	for _, o := range updated {
		d.window.add(o)
	}
}

// distribute moves o on from status (read when it was listed; the
// update re-checks it under the row lock). A policy it updates is
// appended, as stored, to updated.
func (d *Distributor) distribute(ctx context.Context, st storage.ObjectStore, o storage.Object, status string, updated *[]storage.Object) (bool, error) {
	switch status {
	case StatusPendingDeletion:
		if err := st.DeleteObject(ctx, o.TenantID, KindPolicy, o.ID); err != nil && !errors.Is(err, storage.ErrNotFound) {
			return false, fmt.Errorf("compliance: distributor delete: %w", err)
		}
		return true, nil
	case StatusPending:
		stored, err := st.UpdateObject(ctx, o.TenantID, KindPolicy, o.ID, func(cur storage.Object) (storage.Object, error) {
			cb, err := decode[policyBody](cur)
			if err != nil {
				return cur, err
			}
			if cb.DistributionStatus != StatusPending {
				return cur, errSkip
			}
			cb.DistributionStatus = StatusSuccess
			cb.DistributionResults = nil
			cb.LastStatusUpdateTime = d.cfg.Now().UTC()
			cur.Body = encode(cb)
			return cur, nil
		})
		if errors.Is(err, errSkip) || errors.Is(err, storage.ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("compliance: distributor update: %w", err)
		}
		*updated = append(*updated, stored)
		return true, nil
	}
	return false, nil
}

var errSkip = errors.New("compliance: state changed concurrently")
