package daemon_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/authority"
	"github.com/ipps/ipps/internal/config"
	"github.com/ipps/ipps/internal/daemon"
	"github.com/ipps/ipps/internal/daemon/daemontest"
	"github.com/ipps/ipps/internal/remoting"
)

// TestDisableTakesEffectWithinUserStateTTL drives the remoting endpoint's
// cached validator. A new shell is refused at once (the provider reads the
// user when it opens a runspace), but requests on a shell already open
// are authenticated by the token alone: they are refused once
// user_state_cache_ttl has passed, immediately with "0s".
func TestDisableTakesEffectWithinUserStateTTL(t *testing.T) {
	for _, ttl := range []time.Duration{0, 200 * time.Millisecond} {
		t.Run(ttl.String(), func(t *testing.T) {
			s := daemontest.Start(t, func(c *config.Config) { c.UserStateCacheTTL = config.Duration(ttl) })
			ctx := context.Background()
			password := s.OrgAdmin(t, "ops@contoso.test")
			tok := s.PasswordToken(t, "ops@contoso.test", password, authority.ResourceCompliance)
			c := s.Dial(t, daemon.CompliancePath, "ops@contoso.test", tok)
			defer c.Close(ctx)
			if _, err := run(t, c, "Get-RetentionCompliancePolicy"); err != nil {
				t.Fatal(err)
			}
			if err := s.Admin.DisableUser(ctx, "ops@contoso.test"); err != nil {
				t.Fatal(err)
			}
			time.Sleep(ttl)
			if _, err := run(t, c, "Get-RetentionCompliancePolicy"); !errors.Is(err, remoting.ErrAccessDenied) {
				t.Fatalf("open shell of a disabled user after %v: %v", ttl, err)
			}
		})
	}
}
