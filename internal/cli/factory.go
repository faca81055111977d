package cli

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
)

// Factory carries what every command needs from its environment; tests
// build one over TestStreams and a fake Getenv.
type Factory struct {
	IOStreams *IOStreams
	Logger    *slog.Logger
	// Getenv reads the environment (os.Getenv in production).
	Getenv func(string) string
	// CacheDir returns the directory for the token cache and history.
	CacheDir func() (string, error)
}

// NewFactory returns the production Factory: the process's streams and
// environment, and logs at level (off unless IPPS_DEBUG is set) to stderr.
func NewFactory() *Factory {
	ios := System()
	level := slog.Level(100)
	if os.Getenv("IPPS_DEBUG") != "" {
		level = slog.LevelDebug
	}
	return &Factory{
		IOStreams: ios,
		Logger:    slog.New(slog.NewTextHandler(ios.ErrOut, &slog.HandlerOptions{Level: level})),
		Getenv:    os.Getenv,
		CacheDir:  func() (string, error) { return defaultCacheDir(os.Getenv) },
	}
}

// defaultCacheDir is $IPPS_CACHE_DIR, else <user cache dir>/ipps.
func defaultCacheDir(getenv func(string) string) (string, error) {
	if d := getenv("IPPS_CACHE_DIR"); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("locating the cache directory: %w", err)
	}
	return filepath.Join(d, "ipps"), nil
}
