package rbac

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/google/uuid"

	"github.com/ipps/ipps/internal/storage"
	storesql "github.com/ipps/ipps/internal/storage/sql"
)

func TestResolveUser(t *testing.T) {
	ctx := context.Background()
	st, err := storesql.OpenSQLite(ctx, "sqlite://"+filepath.Join(t.TempDir(), "m.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tenant, other := uuid.NewString(), uuid.NewString()
	for _, id := range []string{tenant, other} {
		if err := st.CreateTenant(ctx, storage.Tenant{ID: id, Name: id[:8]}); err != nil {
			t.Fatal(err)
		}
	}
	mk := func(tid, upn, name string) storage.User {
		u := storage.User{ID: uuid.NewString(), TenantID: tid, UPN: upn, DisplayName: name, Enabled: true, MFAState: storage.MFADisabled}
		if err := st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		return u
	}
	ann := mk(tenant, "ann@contoso.com", "Ann Lee")
	mk(tenant, "bo@contoso.com", "Same Name")
	mk(tenant, "cy@contoso.com", "Same Name")
	stranger := mk(other, "zed@fabrikam.com", "Zed")
	for _, id := range []string{ann.ID, "ANN@contoso.com", "ann lee", "ann"} {
		if u, err := ResolveUser(ctx, st, tenant, id); err != nil || u.ID != ann.ID {
			t.Errorf("%q: %v", id, err)
		}
	}
	for _, id := range []string{"Same Name", stranger.ID, "zed@fabrikam.com", "nobody"} {
		if _, err := ResolveUser(ctx, st, tenant, id); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("%q: err %v, want not found (ambiguous or other tenant)", id, err)
		}
	}
	if o := RecipientObject(ann); o.ToString == nil || *o.ToString != "Ann Lee" {
		t.Error("RecipientObject name")
	}
}
