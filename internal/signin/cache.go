package signin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/cache"
)

// fileCache is MSAL's persistent token cache: one file per authority and
// account, mode 0600, in a 0700 directory. Writes go to a temporary file and
// are renamed into place, so a crash never leaves a torn cache.
type fileCache struct {
	mu   sync.Mutex // serializes reads and writes of path within this process
	path string
}

var _ cache.ExportReplace = (*fileCache)(nil)

// CachePath returns the cache file for an authority, client and account
// (the account may be empty before the first sign-in).
func CachePath(dir, authority, clientID, account string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(authority) + "\x00" + clientID))
	name := hex.EncodeToString(sum[:8])
	if account != "" {
		name += "-" + sanitize(account)
	}
	return filepath.Join(dir, name+".json")
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_', r == '@':
			return r
		}
		return '_'
	}, strings.ToLower(s))
}

func newFileCache(path string) (*fileCache, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("signin: token cache: %w", err)
	}
	return &fileCache{path: path}, nil
}

// Replace loads the cache file into MSAL's in-memory cache. A missing file is
// an empty cache.
func (c *fileCache) Replace(_ context.Context, u cache.Unmarshaler, _ cache.ReplaceHints) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	data, err := os.ReadFile(c.path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("signin: token cache: %w", err)
	}
	if err := u.Unmarshal(data); err != nil {
		// A corrupt cache must not lock the user out: start empty.
		return nil
	}
	return nil
}

// Export writes MSAL's cache to the file with mode 0600.
func (c *fileCache) Export(_ context.Context, m cache.Marshaler, _ cache.ExportHints) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	data, err := m.Marshal()
	if err != nil {
		return fmt.Errorf("signin: token cache: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(c.path), ".tokens-*")
	if err != nil {
		return fmt.Errorf("signin: token cache: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("signin: token cache: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("signin: token cache: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("signin: token cache: %w", err)
	}
	if err := os.Rename(tmp.Name(), c.path); err != nil {
		return fmt.Errorf("signin: token cache: %w", err)
	}
	return nil
}
