// Package interop runs clients that nobody on this project wrote against a
// real ippsd: the independent Go PSRP implementation go-psrpcore and MSAL for
// JavaScript. The tests only observe; incompatibilities are reported in the
// test log.
package interop

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"

	"github.com/ipps/ipps/internal/admin"
	"github.com/ipps/ipps/internal/authority"
	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/compliance"
	"github.com/ipps/ipps/internal/config"
	"github.com/ipps/ipps/internal/daemon"
	"github.com/ipps/ipps/internal/devpki"
	"github.com/ipps/ipps/internal/rbac"
	"github.com/ipps/ipps/internal/remoting"
	"github.com/ipps/ipps/internal/runspace"
	"github.com/ipps/ipps/internal/storage"
)

// server is a whole ippsd over real TLS with a SQLite store.
type server struct {
	*daemon.Daemon
	URL    string
	CAFile string // PEM of the CA that issued the server certificate
	Client *http.Client
	Admin  *admin.Admin
}

func startServer(t *testing.T) *server {
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
	cfg.DSN = filepath.Join(dir, "ipps.db")
	cfg.IssuerURL = url
	cfg.ReplicaID = "interop"
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
	caFile := filepath.Join(dir, devpki.CAFile)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pki.CertPool()}}}
	adm := &admin.Admin{Store: d.Store, Password: authority.PasswordParams{MemoryKiB: 64, Time: 1, Threads: 1},
		Seed: func(ctx context.Context, st storage.Storage, tid string) error { return compliance.Seed(ctx, st, tid) }}
	return &server{Daemon: d, URL: url, CAFile: caFile, Client: client, Admin: adm}
}

// tenantAdmin creates contoso.test with a non-MFA compliance administrator
// and returns its UPN and password.
func (s *server) tenantAdmin(t *testing.T) (string, string) {
	t.Helper()
	ctx := context.Background()
	if _, err := s.Admin.CreateTenant(ctx, "contoso.test", "Contoso"); err != nil {
		t.Fatal(err)
	}
	const upn = "ops@contoso.test"
	cu, err := s.Admin.CreateUser(ctx, admin.NewUser{UPN: upn})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range []string{"Organization Management", rbac.EXO.Stored("Organization Management")} {
		if err := s.Admin.AddRoleGroupMember(ctx, g, upn); err != nil {
			t.Fatal(err)
		}
	}
	return upn, cu.Password
}

// passwordToken signs a user in with MSAL for Go (username/password grant).
func (s *server) passwordToken(t *testing.T, upn, password, resource string) string {
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

// requireTool skips the test when an external tool is missing, except under
// IPPS_CI=1 where CI is expected to have installed it.
func requireTool(t *testing.T, ok bool, why string) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv("IPPS_CI") == "1" {
		t.Fatalf("IPPS_CI=1 but %s", why)
	}
	t.Skipf("skipping: %s", why)
}

// remotingCheck proves a token is accepted by ippsd's compliance endpoint by
// running Get-RetentionCompliancePolicy with ipps's own remoting client.
func (s *server) remotingCheck(t *testing.T, upn, token string) {
	t.Helper()
	ctx := context.Background()
	c, err := remoting.Dial(ctx, remoting.ClientConfig{
		URL:      s.URL + daemon.CompliancePath + "?BasicAuthToOAuthConversion=true",
		Username: upn, Password: "Bearer " + token, HTTPClient: s.Client,
	})
	if err != nil {
		t.Fatalf("ippsd refused the token: %v", err)
	}
	defer c.Close(ctx)
	var n int
	err = c.Invoke(ctx, []runspace.Command{{Name: "Get-RetentionCompliancePolicy"}}, nil,
		remoting.Handlers{Output: func(clixml.Value) { n++ }})
	if err != nil {
		t.Fatalf("Get-RetentionCompliancePolicy with the token: %v", err)
	}
}
