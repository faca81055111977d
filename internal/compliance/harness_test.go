package compliance

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ipps/ipps/internal/audit"
	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/psrp"
	"github.com/ipps/ipps/internal/runspace"
	"github.com/ipps/ipps/internal/storage"
	storesql "github.com/ipps/ipps/internal/storage/sql"
	"github.com/ipps/ipps/internal/storage/storagetest"
)

// backend opens a fresh database; reopen opens a second handle on it.
type backend struct {
	name string
	open func(t testing.TB) (st storage.Storage, reopen func() storage.Storage)
}

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func sqliteBackend() backend {
	return backend{name: "sqlite", open: func(t testing.TB) (storage.Storage, func() storage.Storage) {
		dsn := "sqlite://" + filepath.Join(t.TempDir(), "ipps.db")
		openOne := func() storage.Storage {
			st, err := storesql.OpenSQLite(context.Background(), dsn, testLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		}
		return openOne(), openOne
	}}
}

// postgresBackend uses IPPS_TEST_POSTGRES with a throwaway schema.
func postgresBackend() backend {
	return backend{name: "postgres", open: func(t testing.TB) (storage.Storage, func() storage.Storage) {
		dsn := storagetest.PostgresSchema(t)
		openOne := func() storage.Storage {
			st, err := storesql.OpenPostgres(context.Background(), dsn, testLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		}
		return openOne(), openOne
	}}
}

func backends() []backend { return []backend{sqliteBackend(), postgresBackend()} }

// env is a seeded tenant with both endpoints.
type env struct {
	t       testing.TB
	st      storage.Storage
	reopen  func() storage.Storage
	tenant  string
	broker  *audit.Broker
	scc     *Provider
	exo     *Provider
	admin   storage.User
	clock   time.Time
	shellNo int
}

func newEnv(t testing.TB, b backend) *env {
	t.Helper()
	ctx := context.Background()
	st, reopen := b.open(t)
	e := &env{t: t, st: st, reopen: reopen, tenant: uuid.NewString()}
	if err := st.CreateTenant(ctx, storage.Tenant{ID: e.tenant, Name: "contoso" + e.tenant[:6], DisplayName: "Contoso"}); err != nil {
		t.Fatal(err)
	}
	if err := Seed(ctx, st, e.tenant); err != nil {
		t.Fatal(err)
	}
	if err := Seed(ctx, st, e.tenant); err != nil { // idempotent
		t.Fatalf("second seed: %v", err)
	}
	var err error
	e.broker, err = audit.NewBroker(st, audit.Config{HMACKey: []byte("0123456789abcdef0123")}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	e.scc = e.provider(st, SecurityCompliance, "r1")
	e.exo = e.provider(st, ExchangeOnline, "r1")
	e.admin = e.user("admin@contoso.com", "Organization Management", "exo:Organization Management")
	return e
}

func (e *env) provider(st storage.Storage, ep Endpoint, replica string) *Provider {
	broker, err := audit.NewBroker(st, audit.Config{HMACKey: []byte("0123456789abcdef0123")}, testLogger(e.t))
	if err != nil {
		e.t.Fatal(err)
	}
	p, err := NewProvider(Config{Endpoint: ep, ReplicaID: replica, Server: "SRV01.IPPS.TEST"}, st, broker, testLogger(e.t))
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// user creates an enabled user and adds it to the named role groups
// (stored names: SCC plain, EXO with the "exo:" prefix).
func (e *env) user(upn string, groups ...string) storage.User {
	e.t.Helper()
	ctx := context.Background()
	u := storage.User{ID: uuid.NewString(), TenantID: e.tenant, UPN: upn, DisplayName: strings.Split(upn, "@")[0],
		Enabled: true, RemotePowerShellEnabled: true, EXOModuleEnabled: true, MFAState: storage.MFADisabled}
	if err := e.st.CreateUser(ctx, u); err != nil {
		e.t.Fatal(err)
	}
	for _, g := range groups {
		rg, err := e.st.GetRoleGroupByName(ctx, e.tenant, g)
		if err != nil {
			e.t.Fatalf("group %s: %v", g, err)
		}
		if err := e.st.AddRoleGroupMember(ctx, rg.ID, u.ID); err != nil {
			e.t.Fatal(err)
		}
	}
	return u
}

func principal(u storage.User) runspace.Principal {
	return runspace.Principal{UserID: u.ID, UPN: u.UPN, TenantID: u.TenantID, ClientAddr: "192.0.2.7"}
}

func (e *env) open(p *Provider, u storage.User) runspace.Runspace {
	e.t.Helper()
	e.shellNo++
	rs, err := p.Open(context.Background(), principal(u), uuid.NewString())
	if err != nil {
		e.t.Fatalf("open for %s: %v", u.UPN, err)
	}
	e.t.Cleanup(func() { rs.Close(context.Background()) })
	return rs
}

// capture is a runspace.Output that records everything.
type capture struct {
	mu      sync.Mutex
	objs    []clixml.Value
	errs    []*psrp.ErrorRecord
	warns   []string
	first   time.Time
	onWrite func(clixml.Value) error
}

func (c *capture) WriteObject(v clixml.Value) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.first.IsZero() {
		c.first = time.Now()
	}
	if c.onWrite != nil {
		if err := c.onWrite(v); err != nil {
			return err
		}
	}
	c.objs = append(c.objs, v)
	return nil
}
func (c *capture) WriteError(r *psrp.ErrorRecord) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.errs = append(c.errs, r)
	return nil
}
func (c *capture) WriteInformational(r psrp.InformationalRecord) error {
	c.warns = append(c.warns, r.Message)
	return nil
}
func (c *capture) WriteProgress(psrp.ProgressRecord) error       { return nil }
func (c *capture) WriteInformation(psrp.InformationRecord) error { return nil }

// A builds an argument: A("Name", v) named, A("", v) positional,
// A("-Force") switch.
func A(name string, v ...clixml.Value) runspace.Arg {
	if len(v) == 0 {
		return runspace.Arg{Name: name, Switch: true}
	}
	return runspace.Arg{Name: name, Value: v[0]}
}

func noConfirm() runspace.Arg { return A("Confirm", false) }

// run invokes one command and returns its output; a terminating error is
// returned as err.
func run(rs runspace.Runspace, name string, args ...runspace.Arg) (*capture, error) {
	c := &capture{}
	err := rs.Invoke(context.Background(), &runspace.Pipeline{Commands: []runspace.Command{{Name: name, Args: args}}}, c)
	return c, err
}

// must runs a command that must succeed without error records.
func must(t testing.TB, rs runspace.Runspace, name string, args ...runspace.Arg) []clixml.Value {
	t.Helper()
	c, err := run(rs, name, args...)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(c.errs) > 0 {
		t.Fatalf("%s: error record %q (%s)", name, c.errs[0].Message, c.errs[0].FullyQualifiedErrorID)
	}
	return c.objs
}

// failText runs a command expected to fail and returns the message of the
// terminating error or first error record.
func failText(t testing.TB, rs runspace.Runspace, name string, args ...runspace.Arg) (string, string) {
	t.Helper()
	c, err := run(rs, name, args...)
	var rec *psrp.ErrorRecord
	switch {
	case errors.As(err, &rec):
		return rec.Message, rec.FullyQualifiedErrorID
	case err != nil:
		t.Fatalf("%s: non-record error %v", name, err)
	case len(c.errs) > 0:
		return c.errs[0].Message, c.errs[0].FullyQualifiedErrorID
	}
	t.Fatalf("%s succeeded, want failure", name)
	return "", ""
}

func prop(v clixml.Value, name string) clixml.Value {
	o, _ := v.(*clixml.Object)
	p, _ := o.Get(name)
	return p
}

func propStr(v clixml.Value, name string) string {
	s, _ := clixml.AsString(prop(v, name))
	return s
}

func names(vs []clixml.Value) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = propStr(v, "Name")
	}
	return out
}

func forEachBackend(t *testing.T, fn func(t *testing.T, e *env)) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) { fn(t, newEnv(t, b)) })
	}
}
