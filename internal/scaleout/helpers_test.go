package scaleout

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/devpki"
	"github.com/ipps/ipps/internal/runspace"
	"github.com/ipps/ipps/internal/storage"
	_ "github.com/ipps/ipps/internal/storage/sql" // sqlite and postgres backends, pgx driver
	"github.com/ipps/ipps/internal/storage/storagetest"
)

func testLogger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// backend makes a fresh database and returns a DSN for it; every
// storage.Open of that DSN shares the database (as replicas do).
type backend struct {
	name string
	dsn  func(t testing.TB) string
}

var backends = []backend{
	{"sqlite", func(t testing.TB) string { return filepath.Join(t.TempDir(), "ipps.db") }},
	{"postgres", storagetest.PostgresSchema},
}

// openStore opens dsn and closes it at cleanup (before a schema drop
// registered earlier).
func openStore(t testing.TB, dsn string) storage.Storage {
	t.Helper()
	st, err := storage.Open(context.Background(), dsn, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// testAuth accepts "Basic base64(upn:Bearer tok-<userid>)".
type testAuth struct{}

func (testAuth) Authenticate(_ context.Context, authz, addr string) (*runspace.Principal, error) {
	raw, ok := strings.CutPrefix(authz, "Basic ")
	if !ok {
		return nil, fmt.Errorf("no basic credentials: %w", runspace.ErrUnauthenticated)
	}
	b, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return nil, fmt.Errorf("bad base64: %w", runspace.ErrUnauthenticated)
	}
	upn, pass, _ := strings.Cut(string(b), ":")
	id, ok := strings.CutPrefix(pass, "Bearer tok-")
	if !ok || id == "" {
		return nil, fmt.Errorf("bad token: %w", runspace.ErrUnauthenticated)
	}
	return &runspace.Principal{UserID: id, UPN: upn, TenantID: "tenant-1", ClientAddr: addr}, nil
}

func basicAuth(user string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+"@contoso.test:Bearer tok-"+user))
}

// testLeaseTTL is long so that only dead-replica sweeping frees leases.
const testLeaseTTL = 10 * time.Minute

// leaseProvider is a small application behind the remoting server that
// holds a storage lease per shell, as the compliance provider does: Open
// acquires it (refusing at max), Close releases it — unless the replica
// "crashed", in which case its leases stay behind in the database.
type leaseProvider struct {
	replicaID string
	st        storage.LeaseStore
	max       int
	crashed   atomic.Bool
}

// errQuota is the refusal message at the connection limit.
const errQuota = "you have exceeded the maximum number of connections allowed"

func (p *leaseProvider) Open(ctx context.Context, pr runspace.Principal, shellID string) (runspace.Runspace, error) {
	now := time.Now().UTC()
	err := p.st.AcquireLease(ctx, storage.Lease{ShellID: shellID, UserID: pr.UserID, TenantID: pr.TenantID,
		ReplicaID: p.replicaID, ClientAddr: pr.ClientAddr, CreatedAt: now, RenewedAt: now, ExpiresAt: now.Add(testLeaseTTL)}, p.max)
	if errors.Is(err, storage.ErrLeaseLimit) {
		return nil, &runspace.RefusedError{Kind: runspace.RefusedQuota, Message: errQuota}
	}
	if err != nil {
		return nil, err
	}
	return &replicaRunspace{p: p, shellID: shellID, user: pr.UserID}, nil
}

// replicaRunspace runs:
//
//	Get-Number -Count N   the I32s 0..N-1
//	Get-Replica           the ID of the replica executing the pipeline
//	Get-Caller            the UserID of the shell's principal
type replicaRunspace struct {
	p       *leaseProvider
	shellID string
	user    string
}

func (r *replicaRunspace) Invoke(_ context.Context, pl *runspace.Pipeline, out runspace.Output) error {
	c := pl.Commands[0]
	switch strings.ToLower(c.Name) {
	case "get-number":
		n := 1
		for _, a := range c.Args {
			if strings.EqualFold(a.Name, "Count") {
				if v, ok := a.Value.(int32); ok {
					n = int(v)
				}
			}
		}
		for i := range n {
			if err := out.WriteObject(int32(i)); err != nil {
				return err
			}
		}
		return nil
	case "get-replica":
		return out.WriteObject(r.p.replicaID)
	case "get-caller":
		return out.WriteObject(r.user)
	}
	return fmt.Errorf("unknown command %s", c.Name)
}

func (r *replicaRunspace) Commands(context.Context) ([]runspace.CommandInfo, error) {
	return []runspace.CommandInfo{{Name: "Get-Caller", CommandType: 8}, {Name: "Get-Number", CommandType: 8}, {Name: "Get-Replica", CommandType: 8}}, nil
}

func (r *replicaRunspace) Close(ctx context.Context) error {
	if r.p.crashed.Load() {
		return nil
	}
	if err := r.p.st.ReleaseLease(context.WithoutCancel(ctx), r.shellID); err != nil && !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	return nil
}

// testCA is a throwaway replica CA with one certificate for 127.0.0.1,
// shared by every replica of a test.
type testCA struct {
	pool *x509.CertPool
	cert tls.Certificate
}

func newTestCA(t testing.TB) *testCA {
	t.Helper()
	pki, err := devpki.Ensure(t.TempDir(), []string{"127.0.0.1", "localhost"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return &testCA{pool: pki.CertPool(), cert: pki.Server}
}

// crashableStore is a replica's view of the database that fails every
// write once the replica has "crashed", so that it can neither heartbeat
// nor deregister.
type crashableStore struct {
	storage.LeaseStore
	dead atomic.Bool
}

var errCrashed = errors.New("replica crashed")

func (s *crashableStore) HeartbeatReplica(ctx context.Context, id string, now time.Time) error {
	if s.dead.Load() {
		return errCrashed
	}
	return s.LeaseStore.HeartbeatReplica(ctx, id, now)
}

func (s *crashableStore) RenewLeases(ctx context.Context, id string, ids []string, until time.Time) (int, error) {
	if s.dead.Load() {
		return 0, errCrashed
	}
	return s.LeaseStore.RenewLeases(ctx, id, ids, until)
}

func (s *crashableStore) ExpireReplicaLeases(ctx context.Context, id string) (int, error) {
	if s.dead.Load() {
		return 0, errCrashed
	}
	return s.LeaseStore.ExpireReplicaLeases(ctx, id)
}

func (s *crashableStore) DeleteReplica(ctx context.Context, id string) error {
	if s.dead.Load() {
		return errCrashed
	}
	return s.LeaseStore.DeleteReplica(ctx, id)
}

func (s *crashableStore) ExpireLeases(ctx context.Context, now time.Time) (int, error) {
	if s.dead.Load() {
		return 0, errCrashed
	}
	return s.LeaseStore.ExpireLeases(ctx, now)
}
