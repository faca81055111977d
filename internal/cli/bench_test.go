package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"testing"
)

// BenchmarkRunFirstResult execs the built ipps: start to first result of
// `ipps run` against the local TLS server (token from IPPS_TEST_TOKEN, so
// no MSAL round trip; MSAL's cache read is not measured here).
func BenchmarkRunFirstResult(b *testing.B) {
	ts := newTestServer(b)
	bin := ippsBinary(b)
	env := append(os.Environ(), TestTokenEnv+"=tok-alice", "IPPS_CACHE_DIR="+b.TempDir())
	ts.requests.Store(0)
	for b.Loop() {
		cmd := exec.Command(bin, "run", "--connection-uri", ts.URL, "--ca-file", ts.CAFile, "-o", "json", "Get-RetentionCompliancePolicy")
		cmd.Env = env
		var out bytes.Buffer
		cmd.Stdout = &out
		if err := cmd.Run(); err != nil || !bytes.Contains(out.Bytes(), []byte("Finance 7y")) {
			b.Fatalf("%v %q", err, out.String())
		}
	}
	b.ReportMetric(float64(ts.requests.Load())/float64(b.N), "requests/op")
}

// BenchmarkConnectImport opens a session and imports 800 commands (about
// Exchange Online's count), reporting the live heap after import.
func BenchmarkConnectImport(b *testing.B) {
	ts := newTestServer(b)
	var cmds []string
	for i := range 800 {
		cmds = append(cmds, fmt.Sprintf("Get-Thing%03d", i))
	}
	ts.prov.cmds = cmds
	f, _, _ := testFactory(b, "", false, nil)
	var heap uint64
	ts.requests.Store(0)
	for b.Loop() {
		conns := NewConnections(f)
		if _, err := conns.Connect(context.Background(), ts.options(""), Compliance); err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		heap = ms.HeapAlloc
		conns.CloseAll(context.Background())
	}
	b.ReportMetric(float64(heap)/(1<<20), "heap-MiB")
	b.ReportMetric(float64(ts.requests.Load())/float64(b.N), "requests/op")
}
