package load

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/ipps/ipps/internal/admin"
	"github.com/ipps/ipps/internal/authority"
	"github.com/ipps/ipps/internal/compliance"
	"github.com/ipps/ipps/internal/storage"
)

// Account is a load user the tool can sign in with the password grant.
type Account struct {
	UPN      string
	Password string
}

// loadPasswordParams are deliberately cheap Argon2id parameters for the
// throwaway load accounts: provisioning and signing in hundreds of users
// is set-up, not what the tool measures, and the default parameters
// (19 MiB, 2 passes) would dominate a 2-core machine for tens of seconds.
// The server verifies with the parameters stored in each hash.
var loadPasswordParams = authority.PasswordParams{MemoryKiB: 1024, Time: 1, Threads: 1}

// ProvisionConfig describes the load users to make.
type ProvisionConfig struct {
	// Domain is the tenant's domain, e.g. contoso.test.
	Domain string
	// CreateTenant creates the tenant (seeded with the compliance role
	// groups) when the domain does not exist yet.
	CreateTenant bool
	// Prefix names the users: <prefix>0001@<domain>, ...
	Prefix string
	Users  int
	// Password is given to every user; existing users get it reset.
	Password string
}

// Provision makes sure cfg.Users users exist in st without MFA and are
// members of Organization Management, and returns their accounts. Users
// that already exist have their password reset to cfg.Password (which
// revokes their tokens; Provision then waits into the next second so
// that new tokens are accepted). It is idempotent.
func Provision(ctx context.Context, st storage.Storage, cfg ProvisionConfig, log *slog.Logger) ([]Account, error) {
	if cfg.Users <= 0 || cfg.Password == "" || cfg.Domain == "" {
		return nil, fmt.Errorf("load: provision needs users > 0, a password and a domain (got %d users, domain %q)", cfg.Users, cfg.Domain)
	}
	adm := &admin.Admin{Store: st, Password: loadPasswordParams, Issuer: "ippsload",
		Seed: func(ctx context.Context, st storage.Storage, tid string) error { return compliance.Seed(ctx, st, tid) }}
	if _, err := st.GetDomain(ctx, strings.ToLower(cfg.Domain)); errors.Is(err, storage.ErrNotFound) && cfg.CreateTenant {
		if _, err := adm.CreateTenant(ctx, cfg.Domain, "ippsload tenant"); err != nil {
			return nil, fmt.Errorf("load: %w", err)
		}
		log.InfoContext(ctx, "created tenant", "domain", cfg.Domain)
	} else if err != nil {
		return nil, fmt.Errorf("load: tenant domain %s: %w", cfg.Domain, err)
	}
	accts := make([]Account, cfg.Users)
	var created, reset atomic.Int64
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for i := range accts {
		accts[i] = Account{UPN: fmt.Sprintf("%s%04d@%s", cfg.Prefix, i+1, cfg.Domain), Password: cfg.Password}
		g.Go(func() error {
			upn := accts[i].UPN
			_, err := adm.CreateUser(gctx, admin.NewUser{UPN: upn, DisplayName: "Load user " + upn, Password: cfg.Password, MFA: storage.MFADisabled})
			switch {
			case errors.Is(err, storage.ErrAlreadyExists):
				if _, err := adm.ResetPassword(gctx, upn, cfg.Password); err != nil {
					return fmt.Errorf("load: %w", err)
				}
				reset.Add(1)
			case err != nil:
				return fmt.Errorf("load: %w", err)
			default:
				created.Add(1)
			}
			if err := adm.AddRoleGroupMember(gctx, "Organization Management", upn); err != nil {
				return fmt.Errorf("load: %w", err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	log.InfoContext(ctx, "provisioned load users", "created", created.Load(), "existing", reset.Load())
	if reset.Load() > 0 {
		// A reset sets TokensValidAfter, and the validator refuses
		// tokens whose iat (whole seconds) is not after it: a token
		// issued in the same second would be rejected.
		if err := sleep(ctx, time.Until(time.Now().Truncate(time.Second).Add(1100*time.Millisecond))); err != nil {
			return nil, err
		}
	}
	return accts, nil
}
