package signin

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/cache"
)

type blob []byte

func (b blob) Marshal() ([]byte, error) { return b, nil }

type sink struct{ got []byte }

func (s *sink) Unmarshal(b []byte) error { s.got = append([]byte(nil), b...); return nil }

func TestFileCacheRoundTripMode0600(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ipps", "tokens")
	path := CachePath(dir, "https://login.contoso.test/organizations", DefaultClientID, "Admin@Contoso.test")
	fc, err := newFileCache(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var empty sink
	if err := fc.Replace(ctx, &empty, cache.ReplaceHints{}); err != nil || empty.got != nil {
		t.Fatalf("missing file must read as empty cache: %v %q", err, empty.got)
	}
	if err := fc.Export(ctx, blob(`{"AccessToken":{}}`), cache.ExportHints{}); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("cache file mode %v, want 0600", fi.Mode().Perm())
	}
	if di, _ := os.Stat(dir); di.Mode().Perm() != 0o700 {
		t.Fatalf("cache dir mode %v, want 0700", di.Mode().Perm())
	}
	var s sink
	if err := fc.Replace(ctx, &s, cache.ReplaceHints{}); err != nil || string(s.got) != `{"AccessToken":{}}` {
		t.Fatalf("round trip: %v %q", err, s.got)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}
}

func TestCachePathSeparatesAuthoritiesAndAccounts(t *testing.T) {
	a := CachePath("/d", "https://login.microsoftonline.com/organizations", DefaultClientID, "a@x.com")
	b := CachePath("/d", "https://localhost:8443/organizations", DefaultClientID, "a@x.com")
	c := CachePath("/d", "https://login.microsoftonline.com/organizations", DefaultClientID, "b@x.com")
	if a == b || a == c || b == c {
		t.Fatalf("paths collide: %s %s %s", a, b, c)
	}
	if got := CachePath("/d", "https://X/organizations", DefaultClientID, "../../etc/passwd"); filepath.Dir(got) != "/d" {
		t.Fatalf("account name escaped the cache dir: %s", got)
	}
}

func TestOrgAuthority(t *testing.T) {
	for in, want := range map[string]string{
		"https://login.microsoftonline.com/organizations": "https://login.microsoftonline.com/contoso.test",
		"https://localhost:8443/common":                   "https://localhost:8443/contoso.test",
		"https://localhost:8443":                          "https://localhost:8443/contoso.test",
	} {
		if got := orgAuthority(in, "contoso.test"); got != want {
			t.Errorf("orgAuthority(%q) = %q, want %q", in, got, want)
		}
	}
}
