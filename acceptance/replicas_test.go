package acceptance

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"database/sql"
	"encoding/hex"

	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/ipps/ipps/internal/devpki"
	"github.com/ipps/ipps/internal/storage/storagetest"
)

// postgresDSN returns a DSN for a fresh schema on the test PostgreSQL, or
// skips (fails under IPPS_CI=1).
func postgresDSN(t *testing.T) string { return storagetest.PostgresSchema(t) }

// alternator is the front door: every request from ipps goes to the next
// replica in turn (no affinity at all, worse than the page's SNAT case).
// The browser stays on replica A, as a browser with an affinity cookie
// would: sign-in sessions are per replica.
type alternator struct {
	backends []*httputil.ReverseProxy
	n        atomic.Uint64
	perShell [2]atomic.Int64 // remoting requests per replica
}

func (a *alternator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	i := 0
	if !strings.Contains(r.UserAgent(), "Chrome") {
		i = int(a.n.Add(1) % uint64(len(a.backends)))
	}
	if strings.Contains(strings.ToLower(r.URL.Path), "powershell-liveid") {
		a.perShell[i].Add(1)
	}
	a.backends[i].ServeHTTP(w, r)
}

var passwordRE = regexp.MustCompile(`(?m)^password: (\S+)$`)
var totpRE = regexp.MustCompile(`(?m)^totp secret: (\S+)$`)

// TestAcceptanceTwoReplicas runs the scenario against two `ippsd serve`
// replicas sharing PostgreSQL, with ipps's requests alternating between
// them.
func TestAcceptanceTwoReplicas(t *testing.T) {
	dsn := postgresDSN(t)
	bctx := browser(t)
	ippsd, _ := binaries(t)
	dir := t.TempDir()
	pki, err := devpki.Ensure(filepath.Join(dir, "pki"), []string{"127.0.0.1", "localhost"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(pki.Dir, devpki.ServerCert), filepath.Join(pki.Dir, devpki.ServerKey)

	// Bootstrap with the admin commands, as an operator would.
	adminCmd := func(args ...string) string {
		out, err := exec.Command(ippsd, append(args, "--dsn", dsn)...).CombinedOutput()
		if err != nil {
			t.Fatalf("ippsd %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	adminCmd("tenant", "create", "contoso.test")
	created := adminCmd("user", "create", "admin@contoso.test", "--mfa")
	pw, totp := passwordRE.FindStringSubmatch(created), totpRE.FindStringSubmatch(created)
	if pw == nil || totp == nil {
		t.Fatalf("user create printed no password/totp:\n%s", created)
	}
	adminCmd("rolegroup", "add-member", "Organization Management", "admin@contoso.test")

	// The front door's address is the issuer both replicas advertise.
	front := httptest.NewUnstartedServer(nil)
	front.TLS = &tls.Config{Certificates: []tls.Certificate{pki.Server}}
	frontURL := "https://" + front.Listener.Addr().String()
	secret := make([]byte, 32)
	rand.Read(secret)
	env := []string{"IPPSD_SECRET_KEY=" + hex.EncodeToString(secret), "IPPSD_REPLICA_CA_FILE=" + pki.CAPath()}
	var alt alternator
	for _, id := range []string{"a", "b"} {
		addr := freePort(t)
		startProcess(t, env, ippsd, "serve", "--listen", addr, "--tls-cert", certFile, "--tls-key", keyFile, "--dsn", dsn,
			"--issuer-url", frontURL, "--replica-id", id, "--advertise-url", "https://"+addr, "--log-format", "text")
		u, _ := url.Parse("https://" + addr)
		waitFor(t, func() bool {
			resp, err := httpClient(pki.CAPath()).Get(u.String() + "/readyz")
			if err == nil {
				resp.Body.Close()
			}
			return err == nil && resp.StatusCode == 200
		}, "replica %s to be ready", id)
		rp := httputil.NewSingleHostReverseProxy(u)
		rp.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pki.CertPool()}}
		alt.backends = append(alt.backends, rp)
	}
	front.Config.Handler = &alt
	front.StartTLS()
	defer front.Close()

	f := DevFacts{IssuerURL: frontURL, AuthorityURL: frontURL + "/contoso.test", ComplianceURI: frontURL + "/powershell-liveid",
		ExchangeURI: frontURL + "/exchange/powershell-liveid", AdminUPN: "admin@contoso.test", CAFile: pki.CAPath()}
	admin := newUser(t, f, f.AdminUPN)
	admin.signIn(bctx, sccResource, f.AdminUPN, pw[1], totp[1])

	// Create, list, change and remove, every request alternating replicas.
	admin.runJSON("New-RetentionCompliancePolicy -Name 'Replicated' -ExchangeLocation All")
	admin.runJSON("Set-RetentionCompliancePolicy -Identity 'Replicated' -Comment 'seen by both'")
	got := admin.runJSON("Get-RetentionCompliancePolicy -Identity 'Replicated'")
	if len(got) != 1 || got[0]["Comment"] != "seen by both" {
		t.Fatalf("policy through alternating replicas: %v", got)
	}
	admin.runJSON("Remove-RetentionCompliancePolicy -Identity 'Replicated' -ForceDeletion -Confirm:$false")
	if has(names(admin.runJSON("Get-RetentionCompliancePolicy")), "Replicated") {
		t.Fatal("force-deleted policy still listed")
	}
	if alt.perShell[0].Load() == 0 || alt.perShell[1].Load() == 0 {
		t.Fatalf("requests did not reach both replicas: %d / %d", alt.perShell[0].Load(), alt.perShell[1].Load())
	}

	// The five-connection limit is exact across replicas.
	var holders []func()
	for i := range 5 {
		_, ipps := binaries(t)
		cmd := exec.Command(ipps, "connect", "--no-prompt")
		cmd.Env = append(os.Environ(), admin.env...)
		stdin, _ := cmd.StdinPipe()
		var out syncBuffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		stop := func() { stdin.Close(); cmd.Wait() }
		holders = append(holders, stop)
		t.Cleanup(func() { stdin.Close(); cmd.Process.Kill(); cmd.Wait() })
		waitFor(t, func() bool { return strings.Contains(out.String(), "PS>") || leases(t, dsn) >= i+1 }, "session %d; ipps said:\n%s", i+1, &out)
		waitFor(t, func() bool { return leases(t, dsn) >= i+1 }, "lease %d", i+1)
	}
	_, stderr, code := admin.ipps("run", "--no-prompt", "Get-ComplianceTag")
	if code == 0 || !strings.Contains(stderr, "exceeded the maximum number of connections allowed : 5") {
		t.Fatalf("sixth connection across replicas not refused (exit %d):\n%s", code, stderr)
	}
	for _, stop := range holders {
		stop()
	}
	waitFor(t, func() bool { return leases(t, dsn) == 0 }, "leases to be released")
}

// leases counts open-shell leases in the shared database.
func leases(t *testing.T, dsn string) int {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return -1
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM leases").Scan(&n); err != nil {
		return -1
	}
	return n
}
