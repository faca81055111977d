// Package testbrowser starts Debian's headless Chromium for tests that
// drive the sign-in pages through chromedp. It is imported only by tests.
package testbrowser

import (
	"context"
	"os"
	"testing"

	"github.com/chromedp/chromedp"
)

// Start returns a chromedp context on a fresh headless Chromium (the
// binary at $IPPS_TEST_CHROMIUM, default /usr/bin/chromium), killed when
// the test ends. Without the binary the test is skipped with the reason,
// or fails when IPPS_CI=1 (CI installs Chromium, so absence is an error).
func Start(t *testing.T) context.Context {
	t.Helper()
	path := os.Getenv("IPPS_TEST_CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("IPPS_CI") == "1" {
			t.Fatalf("chromium not found at %s (IPPS_CI=1)", path)
		}
		t.Skipf("skipping browser test: chromium not found at %s (set IPPS_TEST_CHROMIUM)", path)
	}
	// The flags keep Chromium off the (closed) network and away from any
	// profile: no QUIC, no background networking, updates or sync.
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.IgnoreCertErrors,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() }) // kills the browser process
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return bctx
}
