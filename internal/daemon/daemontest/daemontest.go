// Package daemontest starts a real ippsd replica (daemon.Daemon behind an
// httptest TLS server) for tests in other packages, with helpers to create
// an administrator, sign in with MSAL for Go and open a remoting shell.
package daemontest

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"

	"github.com/ipps/ipps/internal/admin"
	"github.com/ipps/ipps/internal/authority"
	"github.com/ipps/ipps/internal/compliance"
	"github.com/ipps/ipps/internal/config"
	"github.com/ipps/ipps/internal/daemon"
	"github.com/ipps/ipps/internal/devpki"
	"github.com/ipps/ipps/internal/rbac"
	"github.com/ipps/ipps/internal/remoting"
	"github.com/ipps/ipps/internal/storage"
)

// Server is a whole ippsd replica over real TLS (a devpki CA) with a
// SQLite store in a temporary directory.
type Server struct {
	*daemon.Daemon
	URL string
	// CAFile is the PEM of the CA that issued the server certificate.
	CAFile string
	// Client trusts that CA.
	Client *http.Client
	// Admin bootstraps tenants and users on the server's store (cheap
	// password hashes, compliance defaults seeded).
	Admin *admin.Admin
}

// Start runs a replica until the test ends. mutate, if not nil, adjusts
// the configuration before the daemon is built.
func Start(t testing.TB, mutate func(*config.Config)) *Server {
	t.Helper()
	dir := t.TempDir()
	pki, err := devpki.Ensure(dir, []string{"127.0.0.1"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{pki.Server}}
	url := "https://" + srv.Listener.Addr().String()
	cfg := config.Default()
	cfg.DSN = filepath.Join(t.TempDir(), "ipps.db")
	cfg.IssuerURL = url
	cfg.ReplicaID = "test-replica"
	if mutate != nil {
		mutate(&cfg)
	}
	d, err := daemon.New(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = d.Handler()
	srv.StartTLS()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	t.Cleanup(func() {
		srv.Close()
		cancel()
		<-done
		sctx, c := context.WithTimeout(context.Background(), 10*time.Second)
		defer c()
		d.Shutdown(sctx)
	})
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pki.CertPool()}}}
	adm := &admin.Admin{Store: d.Store, Password: authority.PasswordParams{MemoryKiB: 64, Time: 1, Threads: 1},
		Seed: func(ctx context.Context, st storage.Storage, tid string) error { return compliance.Seed(ctx, st, tid) }}
	return &Server{Daemon: d, URL: url, CAFile: pki.CAPath(), Client: client, Admin: adm}
}

// OrgAdmin creates the tenant of upn's domain and upn (no MFA) as a member
// of Organization Management on both endpoints, and returns its password.
func (s *Server) OrgAdmin(t testing.TB, upn string) string {
	t.Helper()
	ctx := context.Background()
	if _, err := s.Admin.CreateTenant(ctx, strings.SplitN(upn, "@", 2)[1], ""); err != nil {
		t.Fatal(err)
	}
	cu, err := s.Admin.CreateUser(ctx, admin.NewUser{UPN: upn})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range []string{"Organization Management", rbac.EXO.Stored("Organization Management")} {
		if err := s.Admin.AddRoleGroupMember(ctx, g, upn); err != nil {
			t.Fatal(err)
		}
	}
	return cu.Password
}

// PasswordToken signs a user in with MSAL for Go (username/password grant).
func (s *Server) PasswordToken(t testing.TB, upn, password, resource string) string {
	t.Helper()
	app, err := public.New(authority.ClientEXOModule, public.WithAuthority(s.URL+"/"+strings.SplitN(upn, "@", 2)[1]),
		public.WithHTTPClient(s.Client), public.WithInstanceDiscovery(false))
	if err != nil {
		t.Fatal(err)
	}
	res, err := app.AcquireTokenByUsernamePassword(context.Background(), []string{resource + "/.default"}, upn, password)
	if err != nil {
		t.Fatalf("MSAL sign-in: %v", err)
	}
	return res.AccessToken
}

// Dial opens a shell on path with upn and "Bearer "+token.
func (s *Server) Dial(t testing.TB, path, upn, token string) *remoting.Client {
	t.Helper()
	c, err := remoting.Dial(context.Background(), remoting.ClientConfig{
		URL: s.URL + path + "?BasicAuthToOAuthConversion=true", Username: upn, Password: "Bearer " + token, HTTPClient: s.Client,
	})
	if err != nil {
		t.Fatalf("dial %s: %v", path, err)
	}
	return c
}
