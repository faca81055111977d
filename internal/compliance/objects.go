package compliance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/google/uuid"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/cmdlet"
	"github.com/ipps/ipps/internal/storage"
)

// Object kinds stored by this package.
const (
	KindPolicy = "RetentionCompliancePolicy"
	KindRule   = "RetentionComplianceRule"
	KindTag    = "ComplianceTag"
)

// Distribution states (compliance-cmdlets.md §2.3).
const (
	StatusPending         = "Pending"
	StatusSuccess         = "Success"
	StatusError           = "Error"
	StatusPendingDeletion = "PendingDeletion"
)

// store is the part of storage the compliance cmdlets use.
type store interface {
	storage.ObjectStore
	storage.DirectoryStore
}

// find resolves a compliance identity: Name, DistinguishedName or GUID.
// It returns an error wrapping storage.ErrNotFound when nothing matches.
func find(ctx context.Context, st storage.ObjectStore, tenant, kind, id string) (storage.Object, error) {
	id = strings.TrimSpace(id)
	if o, err := st.GetObjectByName(ctx, tenant, kind, id); err == nil || !errors.Is(err, storage.ErrNotFound) {
		return o, err
	}
	guid := id
	if strings.HasPrefix(strings.ToUpper(id), "CN=") {
		guid, _, _ = strings.Cut(id[3:], ",")
	}
	if u, err := uuid.Parse(guid); err == nil {
		return st.GetObject(ctx, tenant, kind, u.String())
	}
	return storage.Object{}, fmt.Errorf("compliance: %s %q: %w", kind, id, storage.ErrNotFound)
}

// findOrNotFound is find with not-found mapped to the Exchange error.
func findOrNotFound(ctx context.Context, st storage.ObjectStore, inv *cmdlet.Invocation, kind, id string) (storage.Object, error) {
	o, err := find(ctx, st, inv.Principal.TenantID, kind, id)
	if errors.Is(err, storage.ErrNotFound) {
		return o, inv.NotFound(id)
	}
	if err != nil {
		return o, fmt.Errorf("compliance: find %s: %w", kind, err)
	}
	return o, nil
}

// each streams the tenant's objects of kind (optionally children of
// parent) in name order, page by page, so the first object is delivered
// after one small page read. It stops at ctx cancellation or when fn
// errs. A pipeline blocked on a slow reader holds one page, so pages
// stay small (eachPage).
func each(ctx context.Context, st storage.ObjectStore, tenant, kind, parent string, fn func(storage.Object) error) error {
	page := storage.Page{Size: eachPage}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		objs, next, err := st.ListObjects(ctx, storage.ObjectQuery{TenantID: tenant, Kind: kind, Parent: parent, Page: page})
		if err != nil {
			return fmt.Errorf("compliance: list %s: %w", kind, err)
		}
		for _, o := range objs {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := fn(o); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		page.Cursor = next
	}
}

// getAll implements the SCC Get-* identity rule: no identity, a wildcard
// pattern, or (documented caution) a non-existent identity all stream
// every object; an existing identity streams that object only.
func getAll(ctx context.Context, st storage.ObjectStore, inv *cmdlet.Invocation, kind string, emit func(storage.Object) error) error {
	id := inv.Bound.String("Identity")
	tenant := inv.Principal.TenantID
	if id != "" && !strings.ContainsAny(id, "*?") {
		o, err := find(ctx, st, tenant, kind, id)
		if err == nil {
			return emit(o)
		}
		if !errors.Is(err, storage.ErrNotFound) {
			return fmt.Errorf("compliance: find %s: %w", kind, err)
		}
		id = "" // as if Identity were omitted
	}
	pattern := strings.ToLower(id)
	return each(ctx, st, tenant, kind, "", func(o storage.Object) error {
		if pattern != "" {
			if ok, _ := path.Match(pattern, strings.ToLower(o.Name)); !ok {
				return nil
			}
		}
		return emit(o)
	})
}

func decode[T any](o storage.Object) (T, error) {
	var v T
	if err := json.Unmarshal(o.Body, &v); err != nil {
		return v, fmt.Errorf("compliance: decode %s %s: %w", o.Kind, o.ID, err)
	}
	return v, nil
}

func encode(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // bodies are plain structs
	}
	return b
}

func guid(id string) clixml.Value {
	u, err := uuid.Parse(id)
	if err != nil {
		return id
	}
	return clixml.GUID(u)
}

func strs(list []string) *clixml.Object { return clixml.NewStringList(list...) }

// typed builds an output object with its type chain and ToString name.
func typed(typeName, name string, props ...clixml.Property) *clixml.Object {
	o := clixml.NewTypedObject([]string{typeName, "Microsoft.Exchange.Data.Directory.ADObject", "Microsoft.Exchange.Data.ConfigurableObject", "System.Object"}, props...)
	o.ToString = clixml.Str(name)
	return o
}

// confirmed applies the Remove-* -Confirm rule on a NoLanguage endpoint
// without a host to prompt: only -Confirm:$false proceeds.
func confirmed(inv *cmdlet.Invocation) error {
	if inv.Bound.Has("Confirm") && !inv.Bound.Switch("Confirm") {
		return nil
	}
	return errNonInteractive
}

// promptRequested reports a New/Set bare -Confirm, which adds a prompt.
func promptRequested(inv *cmdlet.Invocation) error {
	if inv.Bound.Switch("Confirm") {
		return errNonInteractive
	}
	return nil
}

// whatIf reports -WhatIf: "doesn't work in Security & Compliance
// PowerShell" — accepted, and nothing is changed.
func whatIf(inv *cmdlet.Invocation) bool { return inv.Bound.Switch("WhatIf") }

// store returns the Storage cmdlet code must use: the audit transaction
// a mutating cmdlet runs in (see Runspace.call), or the root store.
// eachPage is the page size each reads with.
const eachPage = 200

func (s *Service) store(ctx context.Context) storage.Storage { return storage.InTx(ctx, s.st) }
