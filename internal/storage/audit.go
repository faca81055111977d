package storage

import (
	"context"
	"encoding/json"
	"time"
)

// AuditRecord is one audited cmdlet invocation (or sign-in event).
// Parameters must already be redacted by the caller.
type AuditRecord struct {
	ID         string // unique; a time-ordered GUID is recommended
	TenantID   string
	Time       time.Time
	UserID     string
	UPN        string
	ClientAddr string
	SessionID  string // shell ID, if any
	// Cmdlet is the operation name (Search-UnifiedAuditLog -Operations).
	Cmdlet     string
	Parameters json.RawMessage
	ObjectIDs  []string
	Succeeded  bool
	Error      string
}

// AuditQuery selects audit records. Empty slices do not filter.
type AuditQuery struct {
	TenantID string
	// Start (inclusive) and End (exclusive); zero values are open.
	Start time.Time
	End   time.Time
	// UserIDs matches records whose UserID or UPN (case-insensitively)
	// is in the list.
	UserIDs []string
	// Operations matches Cmdlet case-insensitively.
	Operations []string
	Page       Page
}

// AuditStore is the append-only audit log.
type AuditStore interface {
	// AppendAudit durably stores r: when it returns nil the record
	// survives a crash (fsynced commit). ErrAlreadyExists on duplicate
	// ID.
	AppendAudit(ctx context.Context, r AuditRecord) error
	// SearchAudit returns matching records ordered by (Time, ID) with
	// keyset pagination.
	SearchAudit(ctx context.Context, q AuditQuery) (recs []AuditRecord, next string, err error)
	// DeleteAuditBefore removes records older than t (retention).
	DeleteAuditBefore(ctx context.Context, tenantID string, t time.Time) (int, error)
}
