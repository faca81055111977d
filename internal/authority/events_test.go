package authority

import (
	"net/url"
	"sync"
	"testing"
)

// recordEvents collects what the authority reports for metrics.
type recordEvents struct {
	mu       sync.Mutex
	signIns  map[string]int
	lockouts int
}

func (r *recordEvents) SignIn(result string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.signIns[result]++
}

func (r *recordEvents) Lockout() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lockouts++
}

func TestEventsReportSignInResultsAndLockouts(t *testing.T) {
	ev := &recordEvents{signIns: map[string]int{}}
	e := newEnv(t, func(c *Config) { c.Events = ev })
	grant := func(upn, pw string) {
		e.tokenPost("/contoso.test/oauth2/v2.0/token", url.Values{"grant_type": {"password"}, "client_id": {ClientEXOModule},
			"username": {upn}, "password": {pw}, "scope": {ResourceCompliance + "/.default"}})
	}
	grant("alice@contoso.test", testPassword)
	grant("bob@contoso.test", testPassword) // MFA applies: refused with 50076
	for range 10 {
		grant("alice@contoso.test", "wrong")
	}
	ev.mu.Lock()
	defer ev.mu.Unlock()
	if ev.signIns["success"] != 1 || ev.signIns["mfa_required"] != 1 {
		t.Fatalf("sign-in results %v", ev.signIns)
	}
	if ev.signIns["bad_password"]+ev.signIns["locked"] != 10 || ev.lockouts != 1 {
		t.Fatalf("failures %v, lockouts %d (want 10 failures, 1 lockout)", ev.signIns, ev.lockouts)
	}
}
