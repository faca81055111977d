package audit

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/cmdlet"
	"github.com/ipps/ipps/internal/storage"
)

// memAudit is an in-memory AuditStore for broker unit tests; the
// durable path is tested against SQLite/Postgres in package compliance.
type memAudit struct {
	recs   []storage.AuditRecord
	err    error
	ctxErr error // ctx.Err() seen during the last append
}

func (m *memAudit) AppendAudit(ctx context.Context, r storage.AuditRecord) error {
	m.ctxErr = ctx.Err()
	if m.err != nil {
		return m.err
	}
	m.recs = append(m.recs, r)
	return nil
}
func (m *memAudit) SearchAudit(context.Context, storage.AuditQuery) ([]storage.AuditRecord, string, error) {
	return m.recs, "", nil
}
func (m *memAudit) DeleteAuditBefore(context.Context, string, time.Time) (int, error) { return 0, nil }

func TestRecordRedactsSecrets(t *testing.T) {
	m := &memAudit{}
	b, err := NewBroker(m, Config{HMACKey: []byte("k0123456789abcdef")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	params := []cmdlet.BoundParam{
		{Param: &cmdlet.Param{Name: "Name", Kind: cmdlet.String}, Value: "P1"},
		{Param: &cmdlet.Param{Name: "Password", Kind: cmdlet.SecureString}, Value: clixml.SecureString("hunter2")},
		{Param: &cmdlet.Param{Name: "ClientSecret", Kind: cmdlet.String}, Value: "s3cr3t"},
		{Param: &cmdlet.Param{Name: "Locations", Kind: cmdlet.String, Multi: true, AddRemove: true}, Value: &cmdlet.MultiValue{Add: []string{"a"}}},
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // a cancelled request is still audited
	if err := b.Record(ctx, Event{Cmdlet: "Set-X", UPN: "u@x", Params: params, Err: errors.New("boom")}); err != nil {
		t.Fatal(err)
	}
	if m.ctxErr != nil {
		t.Error("append ran on the cancelled request context")
	}
	r := m.recs[0]
	raw := string(r.Parameters)
	if strings.Contains(raw, "hunter2") || strings.Contains(raw, "s3cr3t") {
		t.Fatalf("secret in clear: %s", raw)
	}
	var p map[string]any
	json.Unmarshal(r.Parameters, &p)
	if !strings.HasPrefix(p["Password"].(string), "hmac-sha256:") || p["Name"] != "P1" || r.Succeeded || r.Error != "boom" {
		t.Errorf("record %+v", p)
	}
	// Equal secrets correlate.
	b.Record(context.Background(), Event{Cmdlet: "Set-X", Params: params[1:2]})
	var p2 map[string]any
	json.Unmarshal(m.recs[1].Parameters, &p2)
	if p2["Password"] != p["Password"] {
		t.Error("HMAC not stable")
	}
}

func TestRecordFailsClosed(t *testing.T) {
	m := &memAudit{err: errors.New("disk full")}
	b, _ := NewBroker(m, Config{HMACKey: []byte("k0123456789abcdef")}, nil)
	if err := b.Record(context.Background(), Event{Cmdlet: "Get-X"}); !errors.Is(err, ErrAuditFailed) {
		t.Errorf("err %v", err)
	}
	if _, err := NewBroker(m, Config{}, nil); err == nil {
		t.Error("empty HMAC key accepted")
	}
}
