// Package interop runs clients that nobody on this project wrote against a
// real ippsd: the independent Go PSRP implementation go-psrpcore and MSAL for
// JavaScript. The tests only observe; incompatibilities are reported in the
// test log.
package interop

import (
	"context"
	"os"
	"testing"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/config"
	"github.com/ipps/ipps/internal/daemon"
	"github.com/ipps/ipps/internal/daemon/daemontest"
	"github.com/ipps/ipps/internal/remoting"
	"github.com/ipps/ipps/internal/runspace"
)

// server is a whole ippsd replica over real TLS with a SQLite store.
type server = daemontest.Server

func startServer(t *testing.T) *server {
	return daemontest.Start(t, func(c *config.Config) { c.ReplicaID = "interop" })
}

// tenantAdmin creates contoso.test with a non-MFA administrator and
// returns its UPN and password.
func tenantAdmin(t *testing.T, s *server) (string, string) {
	const upn = "ops@contoso.test"
	return upn, s.OrgAdmin(t, upn)
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
func remotingCheck(t *testing.T, s *server, upn, token string) {
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
