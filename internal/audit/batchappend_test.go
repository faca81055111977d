package audit

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/cmdlet"
	"github.com/ipps/ipps/internal/storage"
	"github.com/ipps/ipps/internal/storage/storagetest"
)

// batchProbe wraps a real store whose transactions are batchAppenders,
// counting the records appended through AppendAudits and, once fail is
// set, failing those calls.
type batchProbe struct {
	storage.Storage
	calls, batched atomic.Int64
	fail           atomic.Bool
}

func (p *batchProbe) Tx(ctx context.Context, fn func(context.Context, storage.Storage) error) error {
	return p.Storage.Tx(ctx, func(ctx context.Context, tx storage.Storage) error {
		return fn(ctx, &batchProbeTx{Storage: tx, p: p})
	})
}

type batchProbeTx struct {
	storage.Storage
	p *batchProbe
}

func (t *batchProbeTx) AppendAudits(ctx context.Context, recs []storage.AuditRecord) error {
	if t.p.fail.Load() {
		return errors.New("disk full")
	}
	t.p.calls.Add(1)
	t.p.batched.Add(int64(len(recs)))
	return t.Storage.(batchAppender).AppendAudits(ctx, recs)
}

func TestStoreIsBatchAppender(t *testing.T) {
	err := storagetest.New(t).Tx(context.Background(), func(_ context.Context, tx storage.Storage) error {
		if _, ok := tx.(batchAppender); !ok {
			t.Errorf("%T is not a batchAppender: group commit appends one record per statement", tx)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestGroupCommitBatchAppendStoresEveryField records concurrently
// through the batch path and checks every field of every stored record.
func TestGroupCommitBatchAppendStoresEveryField(t *testing.T) {
	p := &batchProbe{Storage: storagetest.New(t)}
	b, err := NewBroker(p, Config{HMACKey: []byte("0123456789abcdef")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	const n = 300 // more than maxBatch, so at least two batches
	events := make(map[string]Event, n)
	for i := range n {
		ev := Event{TenantID: "t", UserID: fmt.Sprint("u", i), UPN: fmt.Sprintf("User%d@Contoso.test", i),
			ClientAddr: fmt.Sprintf("203.0.113.%d", i%256), SessionID: fmt.Sprint(i), Cmdlet: fmt.Sprint("Get-X", i%7),
			Params: []cmdlet.BoundParam{
				{Param: &cmdlet.Param{Name: "Identity", Kind: cmdlet.String}, Value: fmt.Sprint("obj-", i)},
				{Param: &cmdlet.Param{Name: "ClientSecret", Kind: cmdlet.String}, Value: "s3cr3t"},
			}}
		if i%2 == 0 {
			ev.ObjectIDs = []string{fmt.Sprint("obj-", i), "other"}
		}
		if i%5 == 0 {
			ev.Err = fmt.Errorf("failure %d", i)
		}
		events[ev.SessionID] = ev
	}
	start := time.Now().UTC()
	var wg sync.WaitGroup
	for _, ev := range events {
		wg.Go(func() {
			if err := b.Record(context.Background(), ev); err != nil {
				t.Errorf("record %s: %v", ev.SessionID, err)
			}
		})
	}
	wg.Wait()
	end := time.Now().UTC()
	recs := records(t, p)
	if len(recs) != n {
		t.Fatalf("%d records stored, want %d", len(recs), n)
	}
	if got := p.batched.Load(); got != n {
		t.Errorf("%d records appended in batches, want all %d", got, n)
	}
	ids := map[string]bool{}
	for sid, ev := range events {
		rec := recs[sid]
		params, err := b.Redact(ev.Params)
		if err != nil {
			t.Fatal(err)
		}
		want := storage.AuditRecord{ID: rec.ID, TenantID: ev.TenantID, Time: rec.Time, UserID: ev.UserID, UPN: ev.UPN,
			ClientAddr: ev.ClientAddr, SessionID: ev.SessionID, Cmdlet: ev.Cmdlet, Parameters: params,
			ObjectIDs: ev.ObjectIDs, Succeeded: ev.Err == nil}
		if ev.Err != nil {
			want.Error = ev.Err.Error()
		}
		if !reflect.DeepEqual(rec, want) {
			t.Errorf("record %s:\n got %+v\nwant %+v", sid, rec, want)
		}
		if rec.ID == "" || ids[rec.ID] || rec.Time.Before(start) || rec.Time.After(end) {
			t.Errorf("record %s: id %q (duplicate %v), time %v outside [%v, %v]", sid, rec.ID, ids[rec.ID], rec.Time, start, end)
		}
		ids[rec.ID] = true
	}
	t.Logf("%d records in %d AppendAudits calls", n, p.calls.Load())
}

// TestGroupCommitBatchMixesChangesAndPlainRecords runs Records and
// Applies (succeeding, failing, panicking) in the same batches: plain
// records go through AppendAudits, and each change still commits or
// rolls back with its own record.
func TestGroupCommitBatchMixesChangesAndPlainRecords(t *testing.T) {
	root := storagetest.New(t)
	if err := root.CreateTenant(context.Background(), storage.Tenant{ID: "t", Name: "t"}); err != nil {
		t.Fatal(err)
	}
	p := &batchProbe{Storage: root}
	b, err := NewBroker(p, Config{HMACKey: []byte("0123456789abcdef")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	const n = 120
	boom := errors.New("validation failed after the write")
	outcomes := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			ev := Event{TenantID: "t", Cmdlet: "New-X", SessionID: fmt.Sprint(i)}
			var err error
			switch i % 4 {
			case 0:
				err = b.Record(context.Background(), ev)
			case 1:
				outcomes[i], err = b.Apply(context.Background(), ev, createChange(fmt.Sprint("o", i), nil))
			case 2:
				outcomes[i], err = b.Apply(context.Background(), ev, createChange(fmt.Sprint("o", i), boom))
			case 3:
				outcomes[i], err = b.Apply(context.Background(), ev, func(context.Context, storage.Storage) error { panic("bad cmdlet") })
			}
			if err != nil {
				t.Errorf("call %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	recs := records(t, root)
	for i := range n {
		rec, ok := recs[fmt.Sprint(i)]
		if !ok {
			t.Fatalf("no audit record for call %d", i)
		}
		_, getErr := root.GetObject(context.Background(), "t", "K", fmt.Sprint("o", i))
		stored := getErr == nil
		switch i % 4 {
		case 0:
			if !rec.Succeeded || rec.Error != "" || outcomes[i] != nil {
				t.Errorf("record %d: %+v, outcome %v", i, rec, outcomes[i])
			}
		case 1:
			if !rec.Succeeded || outcomes[i] != nil || !stored {
				t.Errorf("change %d: record %+v, outcome %v, stored %v", i, rec, outcomes[i], stored)
			}
		case 2:
			if rec.Succeeded || rec.Error != boom.Error() || !errors.Is(outcomes[i], boom) || stored {
				t.Errorf("failing change %d: record %+v, outcome %v, stored %v", i, rec, outcomes[i], stored)
			}
		case 3:
			if rec.Succeeded || rec.Error == "" || outcomes[i] == nil {
				t.Errorf("panicking change %d: record %+v, outcome %v", i, rec, outcomes[i])
			}
		}
	}
	if got := p.batched.Load(); got != n/4 {
		t.Errorf("%d records appended in batches, want the %d without a change", got, n/4)
	}
}

// TestGroupCommitBatchAppendFailureFailsEveryWaiter fails AppendAudits:
// every caller in the batch — plain records and changes alike — gets
// ErrAuditFailed, and no change survives.
func TestGroupCommitBatchAppendFailureFailsEveryWaiter(t *testing.T) {
	root := storagetest.New(t)
	if err := root.CreateTenant(context.Background(), storage.Tenant{ID: "t", Name: "t"}); err != nil {
		t.Fatal(err)
	}
	p := &batchProbe{Storage: root}
	p.fail.Store(true)
	b, err := NewBroker(p, Config{HMACKey: []byte("0123456789abcdef")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	const n = 60
	var failed atomic.Int64
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			var err error
			if i%2 == 0 {
				err = b.Record(context.Background(), Event{TenantID: "t", Cmdlet: "Get-X", SessionID: fmt.Sprint(i)})
			} else {
				_, err = b.Apply(context.Background(), Event{TenantID: "t", Cmdlet: "New-X", SessionID: fmt.Sprint(i)}, createChange(fmt.Sprint("o", i), nil))
			}
			if errors.Is(err, ErrAuditFailed) {
				failed.Add(1)
			}
		})
	}
	wg.Wait()
	// A batch of changes only never calls AppendAudits, so it may
	// commit; every batch with a plain record must fail whole.
	stored, err := root.CountObjects(context.Background(), "t", "K")
	if err != nil {
		t.Fatal(err)
	}
	if recs := records(t, root); len(recs) != stored || int64(n)-failed.Load() != int64(stored) {
		t.Fatalf("%d of %d callers failed, %d records and %d changes stored: a batch partly committed", failed.Load(), n, len(recs), stored)
	}
	if failed.Load() < n/2 {
		t.Fatalf("%d of %d callers saw the failure; every Record must", failed.Load(), n)
	}
	p.fail.Store(false)
	if err := b.Record(context.Background(), Event{TenantID: "t", Cmdlet: "Get-X"}); err != nil {
		t.Fatalf("after recovery: %v", err)
	}
}
