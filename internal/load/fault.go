package load

// FaultReport is what the kill -9 scenario found.
type FaultReport struct {
	Killed   string  `json:"killed_replica"`
	Survivor string  `json:"survivor"`
	KilledAt float64 `json:"killed_after_seconds"`
	// SurvivorErrors counts errors on the survivor's shells; the goal is 0.
	SurvivorErrors int `json:"survivor_errors"`
	// KilledErrors counts errors on the killed replica's shells
	// (expected: about one per shell, after which the worker stops).
	KilledErrors int `json:"killed_replica_errors"`
	// SurvivorCompletedAfterKill counts cmdlets the survivor completed
	// after the kill.
	SurvivorCompletedAfterKill uint64        `json:"survivor_completed_after_kill"`
	LeaseRecovery              LeaseRecovery `json:"lease_recovery"`
}

// LeaseRecovery is the check that a user whose shells died with their
// replica can open shells up to the limit again.
type LeaseRecovery struct {
	User string `json:"user"`
	// LeasesAfterKill are the user's unexpired leases in the database
	// right after the kill, and their owner.
	LeasesAfterKill int    `json:"leases_after_kill"`
	LeaseOwner      string `json:"lease_owner"`
	// Opened is how many shells the user opened on the survivor, of
	// Wanted, within Waited seconds.
	Opened    int     `json:"opened"`
	Wanted    int     `json:"wanted"`
	Waited    float64 `json:"waited_seconds"`
	Recovered bool    `json:"recovered"`
	FirstErr  string  `json:"first_error,omitempty"`
	Gap       string  `json:"gap,omitempty"`
}

func (f *FaultReport) writeText(p func(string, ...any)) {
	p("\nFAULT\n")
	p("killed\t%s after %.1fs (SIGKILL); survivor %s\n", f.Killed, f.KilledAt, f.Survivor)
	p("survivor errors\t%d (completed %d cmdlets after the kill)\n", f.SurvivorErrors, f.SurvivorCompletedAfterKill)
	p("killed replica errors\t%d\n", f.KilledErrors)
	l := f.LeaseRecovery
	p("lease recovery\t%s: %d leases left by %s; opened %d/%d on survivor within %.0fs: recovered=%v\n",
		l.User, l.LeasesAfterKill, l.LeaseOwner, l.Opened, l.Wanted, l.Waited, l.Recovered)
	if l.FirstErr != "" {
		p("  refusal\t%s\n", l.FirstErr)
	}
	if l.Gap != "" {
		p("  gap\t%s\n", l.Gap)
	}
}
