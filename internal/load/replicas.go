package load

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ipps/ipps/internal/devpki"
)

// scratchDB is a PostgreSQL database created for one fault run.
type scratchDB struct {
	adminDSN string
	name     string
	// DSN points at the scratch database.
	DSN string
}

// createScratchDB creates database ippsload_<runID> through adminDSN (a
// postgres:// URL of any database the user may CREATE DATABASE from).
func createScratchDB(ctx context.Context, adminDSN, runID string) (*scratchDB, error) {
	u, err := url.Parse(adminDSN)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil, fmt.Errorf("load: --dsn %q must be a postgres:// URL", adminDSN)
	}
	name := "ippsload_" + strings.ToLower(runID)
	conn, err := pgx.Connect(ctx, adminDSN)
	if err != nil {
		return nil, fmt.Errorf("load: connect %s: %w", u.Redacted(), err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return nil, fmt.Errorf("load: create database %s: %w", name, err)
	}
	u.Path = "/" + name
	return &scratchDB{adminDSN: adminDSN, name: name, DSN: u.String()}, nil
}

// drop removes the scratch database, disconnecting its sessions.
func (d *scratchDB) drop(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, d.adminDSN)
	if err != nil {
		return fmt.Errorf("load: drop %s: %w", d.name, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{d.name}.Sanitize()+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("load: drop database %s: %w", d.name, err)
	}
	return nil
}

// replicaSet is two or more `ippsd serve` processes sharing one database,
// secret key and TLS certificate. They all use the first replica's URL
// as the token issuer, so sign-ins go to replica 0 and its tokens are
// valid on every replica; each advertises its own URL.
type replicaSet struct {
	procs   []*Process
	targets []Target
	logs    []*os.File
}

// startReplicas starts n replicas named replica-a, replica-b, ... with
// files (PKI, logs) in dir and waits until each is ready. Replicas start
// one after the other so only the first applies the migrations.
func startReplicas(ctx context.Context, bin, dsn, dir, domain string, n int, log *slog.Logger) (*replicaSet, error) {
	pki, err := devpki.Ensure(filepath.Join(dir, "pki"), []string{"localhost", "127.0.0.1"}, time.Now())
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	rs := &replicaSet{}
	ports := make([]int, n)
	for i := range ports {
		if ports[i], err = FreePort(); err != nil {
			return nil, err
		}
	}
	issuer := fmt.Sprintf("https://localhost:%d", ports[0])
	for i := range n {
		name := "replica-" + string(rune('a'+i))
		base := fmt.Sprintf("https://localhost:%d", ports[i])
		logf, err := os.Create(filepath.Join(dir, name+".log"))
		if err != nil {
			rs.stop()
			return nil, err
		}
		rs.logs = append(rs.logs, logf)
		args := []string{"serve", "--listen", fmt.Sprintf("127.0.0.1:%d", ports[i]),
			"--tls-cert", filepath.Join(pki.Dir, devpki.ServerCert), "--tls-key", filepath.Join(pki.Dir, devpki.ServerKey),
			"--dsn", dsn, "--issuer-url", issuer, "--replica-id", name, "--advertise-url", base,
			"--log-format", "text", "--log-level", "info"}
		p, err := StartProcess(name, bin, args, []string{"IPPSD_SECRET_KEY=" + hex.EncodeToString(key), "IPPSD_REPLICA_CA_FILE=" + pki.CAPath()}, logf)
		if err != nil {
			rs.stop()
			return nil, err
		}
		rs.procs = append(rs.procs, p)
		httpc, err := NewHTTPClient(pki.CAPath(), 2048)
		if err != nil {
			rs.stop()
			return nil, err
		}
		t := Target{Name: name, BaseURL: base, AuthorityURL: issuer + "/" + domain, ComplianceURI: base + "/powershell-liveid", HTTP: httpc}
		rs.targets = append(rs.targets, t)
		wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		err = WaitReady(wctx, httpc, base, p)
		cancel()
		if err != nil {
			rs.stop()
			return nil, fmt.Errorf("%w (log: %s)", err, logf.Name())
		}
		log.InfoContext(ctx, "replica ready", "replica", name, "url", base, "pid", p.Pid())
	}
	return rs, nil
}

// stop stops every replica still running (SIGTERM, then SIGKILL).
func (rs *replicaSet) stop() {
	for _, p := range rs.procs {
		p.Stop(15 * time.Second)
	}
	for _, f := range rs.logs {
		f.Close()
	}
}
