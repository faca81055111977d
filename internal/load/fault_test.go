package load

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"
)

// TestFaultKillReplica runs the kill -9 scenario for real. It needs
// PostgreSQL and takes about a minute (the dead replica's leases are
// swept after its 30 s heartbeat TTL), so it runs only when
// IPPSLOAD_PG_DSN names a database to create scratch databases from,
// e.g. postgres://postgres@127.0.0.1:5432/test.
func TestFaultKillReplica(t *testing.T) {
	dsn := os.Getenv("IPPSLOAD_PG_DSN")
	if dsn == "" || testing.Short() {
		t.Skip("set IPPSLOAD_PG_DSN to run the kill -9 scenario against PostgreSQL")
	}
	bin := buildIppsd(t)
	mix, err := ParseMix(DefaultMix)
	if err != nil {
		t.Fatal(err)
	}
	runID := "t" + strings.ReplaceAll(time.Now().Format("150405.000"), ".", "")
	r, err := Fault(context.Background(), FaultConfig{Ippsd: bin, AdminDSN: dsn, Dir: t.TempDir(), Users: 4, ShellsPerUser: 2, Mix: mix,
		Duration: 6 * time.Second, KillAfter: 2 * time.Second, LeaseWait: 90 * time.Second, RunID: runID,
		Log: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelInfo}))})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	_ = r.WriteText(&b)
	t.Logf("report:\n%s", b.String())
	f := r.Fault
	if r.ShellsOpened != 8 || f.SurvivorErrors != 0 || f.SurvivorCompletedAfterKill == 0 || r.Targets[1].ShellsLost != 4 {
		t.Errorf("opened %d, survivor errors %d, survivor completed after kill %d, replica-b shells lost %d",
			r.ShellsOpened, f.SurvivorErrors, f.SurvivorCompletedAfterKill, r.Targets[1].ShellsLost)
	}
	if w := r.Writes; w.Policies == 0 || w.Visible != w.Policies || w.LostCount != 0 {
		t.Errorf("writes %+v", w)
	}
	if l := f.LeaseRecovery; l.LeasesAfterKill != 2 || l.LeaseOwner != "replica-b" || !l.Recovered {
		t.Errorf("lease recovery %+v", l)
	}
}
