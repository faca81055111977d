package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDefaultsValidate(t *testing.T) {
	c := Default()
	if err := c.Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
}

func TestLayering(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ippsd.json")
	os.WriteFile(path, []byte(`{"dsn":"postgres://x/y","shell_idle_timeout":"2m","max_shells_per_user":3}`), 0o600)
	c := Default()
	if err := c.LoadFile(path); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"IPPSD_MAX_SHELLS_PER_USER": "7", "IPPSD_BIND_SHELL_TO_ADDRESS": "true"}
	if err := c.LoadEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok }); err != nil {
		t.Fatal(err)
	}
	if c.DSN != "postgres://x/y" || time.Duration(c.ShellIdleTimeout) != 2*time.Minute {
		t.Fatalf("file not applied: %+v", c)
	}
	if c.MaxShellsPerUser != 7 || !c.BindShellToAddress {
		t.Fatalf("env did not override file: %+v", c)
	}
	if c.Listen != ":8443" {
		t.Fatalf("default lost: %q", c.Listen)
	}
}

func TestUnknownKeyRejected(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.json")
	os.WriteFile(path, []byte(`{"dns":"typo"}`), 0o600)
	c := Default()
	err := c.LoadFile(path)
	if err == nil || !strings.Contains(err.Error(), `unknown field "dns"`) {
		t.Fatalf("got %v, want unknown field error", err)
	}
}

func TestBadEnv(t *testing.T) {
	c := Default()
	env := map[string]string{"IPPSD_MAX_SHELLS_PER_USER": "five", "IPPSD_SHELL_IDLE_TIMEOUT": "soon"}
	err := c.LoadEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err == nil || !strings.Contains(err.Error(), "IPPSD_MAX_SHELLS_PER_USER") || !strings.Contains(err.Error(), "IPPSD_SHELL_IDLE_TIMEOUT") {
		t.Fatalf("want both env errors, got %v", err)
	}
}

func TestValidateReportsEverything(t *testing.T) {
	c := Default()
	c.HTTPListen = "0.0.0.0:8080"
	c.MFASender = "pigeon"
	c.MaxShellsPerUser = 0
	c.TLSCert = "x.pem"
	err := c.Validate()
	if err == nil {
		t.Fatal("expected errors")
	}
	for _, want := range []string{"must be a loopback address", `"pigeon"`, "max_shells_per_user", "tls_cert and tls_key"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in %v", want, err)
		}
	}
	c = Default()
	c.HTTPListen = "127.0.0.1:8080"
	if err := c.Validate(); err != nil {
		t.Fatalf("loopback http refused: %v", err)
	}
}

func TestUserStateCacheTTL(t *testing.T) {
	c := Default()
	if time.Duration(c.UserStateCacheTTL) != time.Second {
		t.Fatalf("default %v, want 1s", time.Duration(c.UserStateCacheTTL))
	}
	path := filepath.Join(t.TempDir(), "c.json")
	os.WriteFile(path, []byte(`{"user_state_cache_ttl":"0s"}`), 0o600)
	if err := c.LoadFile(path); err != nil || c.UserStateCacheTTL != 0 {
		t.Fatalf("file: %v %v", time.Duration(c.UserStateCacheTTL), err)
	}
	env := map[string]string{"IPPSD_USER_STATE_CACHE_TTL": "250ms"}
	if err := c.LoadEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok }); err != nil {
		t.Fatal(err)
	}
	if time.Duration(c.UserStateCacheTTL) != 250*time.Millisecond {
		t.Fatalf("env: %v", time.Duration(c.UserStateCacheTTL))
	}
	c.UserStateCacheTTL = Duration(-time.Second)
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "user_state_cache_ttl") {
		t.Fatalf("negative TTL: %v", err)
	}
}

func TestGCPercent(t *testing.T) {
	c := Default()
	if c.GCPercent != 400 {
		t.Fatalf("default gc_percent %d, want 400", c.GCPercent)
	}
	env := map[string]string{"IPPSD_GC_PERCENT": "150"}
	if err := c.LoadEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok }); err != nil || c.GCPercent != 150 {
		t.Fatalf("IPPSD_GC_PERCENT=150: %d, %v", c.GCPercent, err)
	}
	c.GCPercent = -5
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "gc_percent") {
		t.Fatalf("gc_percent -5 accepted: %v", err)
	}
}
