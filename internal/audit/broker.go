// Package audit records every cmdlet invocation durably before its result
// reaches the client, and fails closed: when a record cannot be written the
// invocation fails. Secret parameter values never reach the log in clear;
// they are replaced by a keyed HMAC so equal secrets can still be
// correlated. The package also declares Search-UnifiedAuditLog and
// Search-AdminAuditLog over the stored records.
package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/ipps/ipps/internal/cmdlet"
	"github.com/ipps/ipps/internal/storage"
)

// ErrAuditFailed is returned (wrapped) by Record when the event could not
// be stored; the caller must then fail the invocation.
var ErrAuditFailed = errors.New("audit: record could not be written")

// Config configures a Broker.
type Config struct {
	// HMACKey keys the HMAC that replaces secret values. Required.
	HMACKey []byte
	// Timeout bounds one append; the append runs on a context detached
	// from the request's cancellation. Default 10s.
	Timeout time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// SetDefaults fills zero fields.
func (c *Config) SetDefaults() {
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Validate reports configuration errors.
func (c *Config) Validate() error {
	if len(c.HMACKey) < 16 {
		return errors.New("audit: HMACKey must be at least 16 bytes")
	}
	return nil
}

// Broker writes audit records to a storage.AuditStore.
type Broker struct {
	store  storage.AuditStore
	cfg    Config
	logger *slog.Logger
	group  committer
	ids    idGen
}

// Event is one invocation to record.
type Event struct {
	TenantID   string
	UserID     string
	UPN        string
	ClientAddr string
	SessionID  string
	Cmdlet     string
	// Params are the bound parameters; secret ones are HMACed.
	Params    []cmdlet.BoundParam
	ObjectIDs []string
	// Err is the failure, nil on success.
	Err error
}

// NewBroker returns a Broker; cfg is defaulted and validated.
func NewBroker(store storage.AuditStore, cfg Config, logger *slog.Logger) (*Broker, error) {
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Broker{store: store, cfg: cfg, logger: logger}, nil
}

// Record durably stores ev. It returns an error wrapping ErrAuditFailed if
// the store refused or timed out; request cancellation does not prevent
// the write.
func (b *Broker) Record(ctx context.Context, ev Event) error {
	_, err := b.commit(ctx, ev, nil)
	return err
}

// Apply runs change and durably stores ev with change's outcome, in one
// transaction: either both the change and its record commit, or neither
// does. outcome is change's own error (the record then says failed and
// the change's writes are rolled back); err wraps ErrAuditFailed when
// nothing could be committed, in which case nothing was changed. ev.Err
// is ignored. Concurrent calls share transactions (group commit); the
// change may run more than once if the transaction is retried, and runs
// on a context detached from ctx's cancellation, bounded by the
// configured Timeout.
func (b *Broker) Apply(ctx context.Context, ev Event, change Change) (outcome, err error) {
	ev.Err = nil
	return b.commit(ctx, ev, change)
}

func (b *Broker) commit(ctx context.Context, ev Event, change Change) (outcome, err error) {
	params, err := b.Redact(ev.Params)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrAuditFailed, err)
	}
	now := b.cfg.Now().UTC()
	rec := storage.AuditRecord{
		ID:         b.ids.next(now),
		TenantID:   ev.TenantID,
		Time:       now,
		UserID:     ev.UserID,
		UPN:        ev.UPN,
		ClientAddr: ev.ClientAddr,
		SessionID:  ev.SessionID,
		Cmdlet:     ev.Cmdlet,
		Parameters: params,
		ObjectIDs:  ev.ObjectIDs,
		Succeeded:  ev.Err == nil,
	}
	if ev.Err != nil {
		rec.Error = ev.Err.Error()
	}
	// The append runs detached from ctx's cancellation, bounded by
	// Timeout from now (see committer.append).
	outcome, err = b.group.append(ctx, time.Now().Add(b.cfg.Timeout), b.store, rec, change)
	if err != nil {
		b.logger.ErrorContext(ctx, "audit append failed; failing the invocation", "cmdlet", ev.Cmdlet, "user", ev.UPN, "err", err)
		return nil, fmt.Errorf("%w: %w", ErrAuditFailed, err)
	}
	return outcome, nil
}

// paramNames lists the keys of a redacted parameter object, sorted.
func paramNames(raw json.RawMessage) []string {
	var m map[string]json.RawMessage
	_ = json.Unmarshal(raw, &m)
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
