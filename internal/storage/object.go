package storage

import (
	"context"
	"encoding/json"
	"time"
)

// Object is a compliance object (policy, rule, case, search, label...)
// stored generically: the compliance service owns the schema of Body.
//
// (TenantID, Kind, ID) is the key. Name is unique per tenant and kind,
// case-insensitively. Parent optionally names the ID of the owning
// object in the same tenant (a rule's policy, a search's case); deleting
// an object deletes its children, recursively.
type Object struct {
	TenantID string
	Kind     string // e.g. "RetentionCompliancePolicy"
	ID       string // GUID
	Name     string
	Parent   string
	Body     json.RawMessage
	// Version is 1 after create and incremented by every update. Updaters
	// compare it against the version a client read and return
	// ErrConflict to implement optimistic concurrency.
	Version    int64
	CreatedAt  time.Time
	ModifiedAt time.Time
}

// ObjectQuery selects objects for ListObjects.
type ObjectQuery struct {
	// TenantID restricts to one tenant. "" lists across all tenants
	// (for background workers).
	TenantID string
	// Kind restricts to one kind; required.
	Kind string
	// Parent, when non-empty, restricts to children of that object.
	Parent string
	// ModifiedAfter, when non-zero, keeps only objects with
	// ModifiedAt > ModifiedAfter.
	ModifiedAfter time.Time
	Page          Page
}

// ObjectStore stores compliance objects.
//
// Results of ListObjects are ordered by (TenantID, lowercased Name, ID)
// and paginated by keyset, so each page costs one index range scan
// regardless of depth, and pages are stable under concurrent inserts
// (an object inserted behind the cursor is simply not seen).
//
// Background distributors find work with ListObjects{TenantID: "",
// Kind: k, ModifiedAfter: checkpoint} and inspect Body themselves; they
// should keep their checkpoint a few seconds behind the newest
// ModifiedAt seen, because concurrent writers on other replicas may
// commit slightly older timestamps late.
type ObjectStore interface {
	// CreateObject stores o and returns it as stored: Version 1,
	// CreatedAt defaulted to now if zero, ModifiedAt = CreatedAt.
	// ErrAlreadyExists on a duplicate ID or name.
	CreateObject(ctx context.Context, o Object) (Object, error)
	GetObject(ctx context.Context, tenantID, kind, id string) (Object, error)
	// GetObjectByName looks the name up case-insensitively.
	GetObjectByName(ctx context.Context, tenantID, kind, name string) (Object, error)
	ListObjects(ctx context.Context, q ObjectQuery) (objs []Object, next string, err error)
	// CountObjects counts the tenant's objects of the given kinds (all
	// kinds if none are given), e.g. for the 10,000-policy limit.
	CountObjects(ctx context.Context, tenantID string, kinds ...string) (int, error)
	// UpdateObject applies fn atomically and returns the stored result.
	// Renames are allowed (ErrAlreadyExists on collision). The backend
	// sets Version = old.Version+1 and ModifiedAt = now.
	UpdateObject(ctx context.Context, tenantID, kind, id string, fn func(Object) (Object, error)) (Object, error)
	// DeleteObject deletes the object and, recursively, its children.
	DeleteObject(ctx context.Context, tenantID, kind, id string) error
}
