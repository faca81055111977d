package main

import (
	"path/filepath"
	"testing"
	"time"
)

func TestDevConfigEnvWins(t *testing.T) {
	env := map[string]string{}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	cfg, err := devConfig(lookup, "127.0.0.1:9443", "/data", "https://localhost:9443", "s3cret", "/data/pki/ca.pem")
	if err != nil {
		t.Fatal(err)
	}
	if got := time.Duration(cfg.DistributionInterval); got != 2*time.Second {
		t.Fatalf("dev distribution interval %v, want 2s", got)
	}
	if cfg.DSN != filepath.Join("/data", "ipps.db") || cfg.ReplicaID != "dev" || cfg.IssuerURL != "https://localhost:9443" {
		t.Fatalf("dev identity not applied: %+v", cfg)
	}
	env["IPPSD_DISTRIBUTION_INTERVAL"] = "7s"
	env["IPPSD_DSN"] = "postgres://elsewhere"
	if cfg, err = devConfig(lookup, "127.0.0.1:9443", "/data", "https://localhost:9443", "s3cret", "/data/pki/ca.pem"); err != nil {
		t.Fatal(err)
	}
	if got := time.Duration(cfg.DistributionInterval); got != 7*time.Second {
		t.Fatalf("IPPSD_DISTRIBUTION_INTERVAL ignored: %v", got)
	}
	if cfg.DSN != filepath.Join("/data", "ipps.db") {
		t.Fatalf("dev mode must keep its own database, got %q", cfg.DSN)
	}
	env["IPPSD_DISTRIBUTION_INTERVAL"] = "soon"
	if _, err := devConfig(lookup, "127.0.0.1:9443", "/data", "https://localhost:9443", "s3cret", "/data/pki/ca.pem"); err == nil {
		t.Fatal("a bad IPPSD_DISTRIBUTION_INTERVAL was accepted")
	}
}
