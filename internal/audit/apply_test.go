package audit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/storage"
	"github.com/ipps/ipps/internal/storage/storagetest"
)

// auditFaults wraps a real store; once armed, AppendAudit inside its
// transactions fails, so the whole batch transaction rolls back.
type auditFaults struct {
	storage.Storage
	fail *atomic.Bool
}

func (a *auditFaults) Tx(ctx context.Context, fn func(context.Context, storage.Storage) error) error {
	return a.Storage.Tx(ctx, func(ctx context.Context, tx storage.Storage) error {
		return fn(ctx, &auditFaults{Storage: tx, fail: a.fail})
	})
}

func (a *auditFaults) AppendAudit(ctx context.Context, r storage.AuditRecord) error {
	if a.fail.Load() {
		return errors.New("disk full")
	}
	return a.Storage.AppendAudit(ctx, r)
}

func newApplyFixture(t *testing.T) (*Broker, storage.Storage, *atomic.Bool) {
	t.Helper()
	root := storagetest.New(t)
	if err := root.CreateTenant(context.Background(), storage.Tenant{ID: "t", Name: "t"}); err != nil {
		t.Fatal(err)
	}
	fail := &atomic.Bool{}
	b, err := NewBroker(&auditFaults{Storage: root, fail: fail}, Config{HMACKey: []byte("0123456789abcdef")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b, root, fail
}

func createChange(id string, after error) Change {
	return func(ctx context.Context, tx storage.Storage) error {
		if _, err := tx.CreateObject(ctx, storage.Object{TenantID: "t", Kind: "K", ID: id, Name: id, Body: []byte(`{}`)}); err != nil {
			return err
		}
		return after
	}
}

func records(t *testing.T, st storage.Storage) map[string]storage.AuditRecord {
	t.Helper()
	recs, _, err := st.SearchAudit(context.Background(), storage.AuditQuery{TenantID: "t", Start: time.Now().Add(-time.Hour), End: time.Now().Add(time.Hour), Page: storage.Page{Size: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]storage.AuditRecord{}
	for _, r := range recs {
		m[r.SessionID] = r
	}
	return m
}

// Each concurrent Apply gets its own change's outcome; successful changes
// and their records are stored, failed ones leave only a failure record,
// and the calls share transactions.
func TestApplyCommitsChangeWithItsRecord(t *testing.T) {
	b, st, _ := newApplyFixture(t)
	const n = 60
	boom := errors.New("validation failed after the write")
	var wg sync.WaitGroup
	outcomes := make([]error, n)
	for i := range n {
		wg.Go(func() {
			var after error
			if i%3 == 0 {
				after = boom
			}
			if i == 7 {
				outcomes[i], _ = b.Apply(context.Background(), Event{TenantID: "t", Cmdlet: "New-X", SessionID: fmt.Sprint(i)},
					func(context.Context, storage.Storage) error { panic("bad cmdlet") })
				return
			}
			var err error
			outcomes[i], err = b.Apply(context.Background(), Event{TenantID: "t", Cmdlet: "New-X", SessionID: fmt.Sprint(i)}, createChange(fmt.Sprint("o", i), after))
			if err != nil {
				t.Errorf("apply %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	recs := records(t, st)
	for i := range n {
		rec, ok := recs[fmt.Sprint(i)]
		if !ok {
			t.Fatalf("no audit record for call %d", i)
		}
		_, getErr := st.GetObject(context.Background(), "t", "K", fmt.Sprint("o", i))
		switch {
		case i == 7:
			if outcomes[i] == nil || rec.Succeeded || rec.Error == "" {
				t.Errorf("panicking change: outcome %v, record %+v", outcomes[i], rec)
			}
		case i%3 == 0:
			if !errors.Is(outcomes[i], boom) || rec.Succeeded || rec.Error != boom.Error() {
				t.Errorf("call %d: outcome %v, record succeeded=%v error=%q", i, outcomes[i], rec.Succeeded, rec.Error)
			}
			if !errors.Is(getErr, storage.ErrNotFound) {
				t.Errorf("call %d failed but its write survived: %v", i, getErr)
			}
		default:
			if outcomes[i] != nil || !rec.Succeeded {
				t.Errorf("call %d: outcome %v, record succeeded=%v", i, outcomes[i], rec.Succeeded)
			}
			if getErr != nil {
				t.Errorf("call %d succeeded but its object is missing: %v", i, getErr)
			}
		}
	}
}

// When the record cannot be written, Apply fails with ErrAuditFailed and
// the change is not stored either: a failed call never took effect.
func TestApplyAuditFailureUndoesChange(t *testing.T) {
	b, st, fail := newApplyFixture(t)
	fail.Store(true)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			_, err := b.Apply(context.Background(), Event{TenantID: "t", Cmdlet: "New-X"}, createChange(fmt.Sprint("o", i), nil))
			if !errors.Is(err, ErrAuditFailed) {
				t.Errorf("apply %d: %v, want ErrAuditFailed", i, err)
			}
		})
	}
	wg.Wait()
	n, err := st.CountObjects(context.Background(), "t", "K")
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%d changes stored although their audit records failed", n)
	}
	fail.Store(false)
	if out, err := b.Apply(context.Background(), Event{TenantID: "t", Cmdlet: "New-X"}, createChange("after", nil)); out != nil || err != nil {
		t.Fatalf("after recovery: %v, %v", out, err)
	}
}
