package conformance

import (
	"context"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/storage"
)

func testTenant(t *testing.T, s storage.Storage) {
	ctx := context.Background()
	ten := newTenant(t, s)
	wantErr(t, s.CreateTenant(ctx, storage.Tenant{ID: id("x"), Name: strings.ToUpper(ten.Name)}), storage.ErrAlreadyExists)
	wantErr(t, s.CreateTenant(ctx, storage.Tenant{ID: ten.ID, Name: id("other")}), storage.ErrAlreadyExists)

	got, err := s.GetTenantByName(ctx, strings.ToUpper(ten.Name))
	must(t, err)
	if !reflect.DeepEqual(got, ten) {
		t.Fatalf("got %+v, want %+v", got, ten)
	}
	up, err := s.UpdateTenant(ctx, ten.ID, func(old storage.Tenant) (storage.Tenant, error) {
		old.DisplayName = "Renamed"
		return old, nil
	})
	must(t, err)
	got, err = s.GetTenant(ctx, ten.ID)
	must(t, err)
	if got.DisplayName != "Renamed" || !reflect.DeepEqual(got, up) {
		t.Fatalf("after update: %+v vs %+v", got, up)
	}
	list, err := s.ListTenants(ctx)
	must(t, err)
	if len(list) != 1 {
		t.Fatalf("list: %d tenants", len(list))
	}
	u := newUser(t, s, ten.ID)
	must(t, s.DeleteTenant(ctx, ten.ID))
	_, err = s.GetTenant(ctx, ten.ID)
	wantErr(t, err, storage.ErrNotFound)
	_, err = s.GetUser(ctx, u.ID)
	wantErr(t, err, storage.ErrNotFound) // cascaded
	wantErr(t, s.DeleteTenant(ctx, ten.ID), storage.ErrNotFound)
	_, err = s.UpdateTenant(ctx, ten.ID, func(o storage.Tenant) (storage.Tenant, error) { return o, nil })
	wantErr(t, err, storage.ErrNotFound)
}

func testDomain(t *testing.T, s storage.Storage) {
	ctx := context.Background()
	ten := newTenant(t, s)
	d := storage.Domain{Name: "Fabrikam.COM", TenantID: ten.ID, Kind: storage.DomainFederated, CreatedAt: base,
		Federation: storage.Federation{MetadataURL: "https://idp/md", IdPEntityID: "urn:idp", HonourIdPMFA: true, MatchImmutableID: true,
			MetadataExchangeURL: "https://idp/adfs/services/trust/mex"}}
	must(t, s.CreateDomain(ctx, d))
	wantErr(t, s.CreateDomain(ctx, storage.Domain{Name: "fabrikam.com", TenantID: ten.ID, Kind: storage.DomainManaged}), storage.ErrAlreadyExists)
	wantErr(t, s.CreateDomain(ctx, storage.Domain{Name: "x.com", TenantID: "missing", Kind: storage.DomainManaged}), storage.ErrNotFound)
	got, err := s.GetDomain(ctx, "FABRIKAM.com")
	must(t, err)
	d.Name = "fabrikam.com"
	if !reflect.DeepEqual(got, d) {
		t.Fatalf("got %+v, want %+v", got, d)
	}
	_, err = s.UpdateDomain(ctx, "fabrikam.com", func(o storage.Domain) (storage.Domain, error) {
		o.Kind = storage.DomainManaged
		o.Federation = storage.Federation{}
		return o, nil
	})
	must(t, err)
	ds, err := s.ListDomains(ctx, ten.ID)
	must(t, err)
	if len(ds) != 1 || ds[0].Kind != storage.DomainManaged || ds[0].Federation.HonourIdPMFA || ds[0].Federation.MetadataExchangeURL != "" {
		t.Fatalf("list: %+v", ds)
	}
	must(t, s.DeleteDomain(ctx, "Fabrikam.com"))
	_, err = s.GetDomain(ctx, "fabrikam.com")
	wantErr(t, err, storage.ErrNotFound)
}

func testUser(t *testing.T, s storage.Storage) {
	ctx := context.Background()
	ten := newTenant(t, s)
	u := storage.User{
		ID: id("uid"), TenantID: ten.ID, UPN: "Alice@Contoso.com", DisplayName: "Alice", Enabled: true,
		PasswordHash: "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA", PasswordChangedAt: base,
		MFAState: storage.MFAEnforced, TOTPSecret: "JBSWY3DPEHPK3PXP", TOTPLastStep: 7, PhoneNumber: "+1 555 0100",
		RecoveryCodeHashes: []string{"h1", "h2"}, RemotePowerShellEnabled: true, EXOModuleEnabled: true,
		ImmutableID: "imm-1", TokensValidAfter: base.Add(time.Hour), CreatedAt: base, UpdatedAt: base,
	}
	must(t, s.CreateUser(ctx, u))
	dup := u
	dup.ID, dup.UPN, dup.ImmutableID = id("uid"), "ALICE@contoso.COM", ""
	wantErr(t, s.CreateUser(ctx, dup), storage.ErrAlreadyExists)
	dup.UPN, dup.ImmutableID = "other@contoso.com", "imm-1"
	wantErr(t, s.CreateUser(ctx, dup), storage.ErrAlreadyExists)
	dup.ImmutableID = "" // several users without an immutable id are fine
	must(t, s.CreateUser(ctx, dup))

	for _, get := range []func() (storage.User, error){
		func() (storage.User, error) { return s.GetUser(ctx, u.ID) },
		func() (storage.User, error) { return s.GetUserByUPN(ctx, "aLiCe@CONTOSO.com") },
		func() (storage.User, error) { return s.GetUserByImmutableID(ctx, ten.ID, "imm-1") },
	} {
		got, err := get()
		must(t, err)
		if !reflect.DeepEqual(got, u) {
			t.Fatalf("got %+v\nwant %+v", got, u)
		}
	}
	_, err := s.GetUserByUPN(ctx, "nobody@contoso.com")
	wantErr(t, err, storage.ErrNotFound)

	got, err := s.UpdateUser(ctx, u.ID, func(o storage.User) (storage.User, error) {
		o.Enabled, o.UPN, o.RecoveryCodeHashes = false, "alice2@contoso.com", nil
		return o, nil
	})
	must(t, err)
	if got.Enabled || got.UpdatedAt.Equal(base) || got.RecoveryCodeHashes != nil {
		t.Fatalf("update result %+v", got)
	}
	reread, err := s.GetUserByUPN(ctx, "ALICE2@contoso.com")
	must(t, err)
	if !reflect.DeepEqual(reread, got) {
		t.Fatalf("reread %+v\nwant %+v", reread, got)
	}
	_, err = s.UpdateUser(ctx, u.ID, func(o storage.User) (storage.User, error) {
		o.UPN = dup.UPN
		return o, nil
	})
	wantErr(t, err, storage.ErrAlreadyExists)
	sentinel := fmt.Errorf("updater refused")
	_, err = s.UpdateUser(ctx, u.ID, func(o storage.User) (storage.User, error) { return o, sentinel })
	wantErr(t, err, sentinel)

	must(t, s.DeleteUser(ctx, u.ID))
	wantErr(t, s.DeleteUser(ctx, u.ID), storage.ErrNotFound)
	_, err = s.UpdateUser(ctx, u.ID, func(o storage.User) (storage.User, error) { return o, nil })
	wantErr(t, err, storage.ErrNotFound)
}

func testUserPagination(t *testing.T, s storage.Storage) {
	ctx := context.Background()
	ten, other := newTenant(t, s), newTenant(t, s)
	want := map[string]bool{}
	for range 53 {
		want[newUser(t, s, ten.ID).ID] = true
	}
	newUser(t, s, other.ID)
	seen := map[string]bool{}
	cursor, pages := "", 0
	prev := ""
	for {
		users, next, err := s.ListUsers(ctx, ten.ID, storage.Page{Size: 10, Cursor: cursor})
		must(t, err)
		pages++
		for _, u := range users {
			if seen[u.ID] || !want[u.ID] {
				t.Fatalf("unexpected or duplicate user %s", u.ID)
			}
			if l := strings.ToLower(u.UPN); l <= prev {
				t.Fatalf("order: %q after %q", l, prev)
			} else {
				prev = l
			}
			seen[u.ID] = true
		}
		if next == "" {
			break
		}
		cursor = next
	}
	if len(seen) != len(want) || pages != 6 {
		t.Fatalf("saw %d of %d users in %d pages", len(seen), len(want), pages)
	}
}

// testUserConcurrentUpdate increments a counter kept in DisplayName from
// many goroutines; no increment may be lost.
func testUserConcurrentUpdate(t *testing.T, s storage.Storage) {
	ctx := context.Background()
	u := newUser(t, s, newTenant(t, s).ID)
	const workers, each = 10, 5
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				_, err := s.UpdateUser(ctx, u.ID, func(o storage.User) (storage.User, error) {
					n, _ := strconv.Atoi(o.DisplayName)
					o.DisplayName = strconv.Itoa(n + 1)
					return o, nil
				})
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
	got, err := s.GetUser(ctx, u.ID)
	must(t, err)
	if got.DisplayName != strconv.Itoa(workers*each) {
		t.Fatalf("counter = %s, want %d", got.DisplayName, workers*each)
	}
}

func testApplication(t *testing.T, s storage.Storage) {
	ctx := context.Background()
	ten := newTenant(t, s)
	a := storage.Application{
		ClientID: id("client"), TenantID: ten.ID, DisplayName: "App", RedirectURIs: []string{"http://localhost"},
		SecretHashes: []string{"s1"}, Roles: []string{"Compliance Administrator"}, CreatedAt: base,
		Certificates: []storage.Certificate{{Thumbprint: "AB12", ThumbprintSHA256: "CD34", DER: []byte{0x30, 0x82, 0, 1},
			NotBefore: base, NotAfter: time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)}},
	}
	must(t, s.CreateApplication(ctx, a))
	wantErr(t, s.CreateApplication(ctx, a), storage.ErrAlreadyExists)
	global := storage.Application{ClientID: id("client"), DisplayName: "EXO module", Public: true, RedirectURIs: []string{"ms-appx-web://x"}}
	must(t, s.CreateApplication(ctx, global))
	got, err := s.GetApplication(ctx, a.ClientID)
	must(t, err)
	if !reflect.DeepEqual(got, a) {
		t.Fatalf("got %+v\nwant %+v", got, a)
	}
	gs, err := s.ListApplications(ctx, "")
	must(t, err)
	if len(gs) != 1 || gs[0].ClientID != global.ClientID || !gs[0].Public {
		t.Fatalf("global apps: %+v", gs)
	}
	_, err = s.UpdateApplication(ctx, a.ClientID, func(o storage.Application) (storage.Application, error) {
		o.SecretHashes = append(o.SecretHashes, "s2")
		return o, nil
	})
	must(t, err)
	ts, err := s.ListApplications(ctx, ten.ID)
	must(t, err)
	if len(ts) != 1 || len(ts[0].SecretHashes) != 2 {
		t.Fatalf("tenant apps: %+v", ts)
	}
	must(t, s.DeleteApplication(ctx, a.ClientID))
	_, err = s.GetApplication(ctx, a.ClientID)
	wantErr(t, err, storage.ErrNotFound)
}

// testTimeZones stores instants in a non-UTC zone and reads back the same
// instants in UTC.
func testTimeZones(t *testing.T, s storage.Storage) {
	ctx := context.Background()
	ten := newTenant(t, s)
	zone := time.FixedZone("UTC+5:30", 5*3600+1800)
	local := base.In(zone)
	u := newUser(t, s, ten.ID)
	_, err := s.UpdateUser(ctx, u.ID, func(o storage.User) (storage.User, error) {
		o.PasswordChangedAt, o.TokensValidAfter = local, local.Add(time.Nanosecond)
		return o, nil
	})
	must(t, err)
	got, err := s.GetUser(ctx, u.ID)
	must(t, err)
	sameTime(t, "PasswordChangedAt", got.PasswordChangedAt, base)
	sameTime(t, "TokensValidAfter", got.TokensValidAfter, base.Add(time.Nanosecond))

	o, err := s.CreateObject(ctx, storage.Object{TenantID: ten.ID, Kind: "K", ID: id("o"), Name: "n", CreatedAt: local})
	must(t, err)
	sameTime(t, "CreateObject result", o.CreatedAt, base)
	o, err = s.GetObject(ctx, ten.ID, "K", o.ID)
	must(t, err)
	sameTime(t, "Object.CreatedAt", o.CreatedAt, base)

	must(t, s.AppendAudit(ctx, storage.AuditRecord{ID: id("a"), TenantID: ten.ID, Time: local, Cmdlet: "Get-X"}))
	recs, _, err := s.SearchAudit(ctx, storage.AuditQuery{TenantID: ten.ID, Start: base, End: base.Add(time.Nanosecond)})
	must(t, err)
	if len(recs) != 1 {
		t.Fatalf("audit by UTC window: %d records", len(recs))
	}
	sameTime(t, "Audit.Time", recs[0].Time, base)
}
