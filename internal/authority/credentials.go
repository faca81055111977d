package authority

import (
	"context"
	"errors"
	"strings"

	"github.com/ipps/ipps/internal/storage"
)

// pwResult is the outcome of a password check. Callers show one generic
// message for pwBad so that unknown users and wrong passwords look alike.
type pwResult int

const (
	pwOK pwResult = iota
	pwBad
	pwLocked
	pwDisabled
	pwFederated
	pwError
)

// checkPassword verifies upn/password with smart lockout: a locked account
// is refused before the password is checked; each failure is counted
// atomically in storage (RecordFailure), and success resets the counter.
// Unknown users cost a dummy hash. t restricts the user's tenant unless
// it is common/organizations. Failures are also counted per client address
// ip (IPLockout), which stops password spraying across many accounts.
func (a *Authority) checkPassword(ctx context.Context, upn, password string, t tenantRef, ip string) (storage.User, pwResult) {
	now := a.cfg.Now()
	ipKey := "ip:" + ip
	if lk, err := a.store.GetLockout(ctx, ipKey); err == nil && now.Before(lk.LockedUntil) {
		a.log.InfoContext(ctx, "sign-in refused: address locked", "ip", ip, "until", lk.LockedUntil)
		return storage.User{}, pwLocked
	}
	u, res := a.checkUserPassword(ctx, upn, password, t)
	if res == pwBad || (res == pwLocked && u.ID != "") {
		if _, _, err := a.store.RecordFailure(ctx, ipKey, now, a.cfg.IPLockout); err != nil {
			a.log.ErrorContext(ctx, "record ip failure", "err", err)
		}
	}
	return u, res
}

// checkUserPassword is checkPassword without the per-address counter.
func (a *Authority) checkUserPassword(ctx context.Context, upn, password string, t tenantRef) (storage.User, pwResult) {
	now := a.cfg.Now()
	u, err := a.store.GetUserByUPN(ctx, strings.TrimSpace(upn))
	if err != nil || (!t.multi() && !strings.EqualFold(u.TenantID, t.ID)) {
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			a.log.ErrorContext(ctx, "get user", "err", err)
			return u, pwError
		}
		a.dummyVerify(password)
		return storage.User{}, pwBad
	}
	if d, err := a.store.GetDomain(ctx, domainOf(u.UPN)); err == nil && d.Kind == storage.DomainFederated {
		return u, pwFederated
	}
	key := "user:" + u.ID
	lk, err := a.store.GetLockout(ctx, key)
	if err != nil {
		a.log.ErrorContext(ctx, "get lockout", "err", err)
		return u, pwError
	}
	if now.Before(lk.LockedUntil) {
		a.log.InfoContext(ctx, "sign-in refused: locked", "user", u.ID, "until", lk.LockedUntil)
		return u, pwLocked
	}
	ok := false
	if u.PasswordHash != "" {
		ok, _ = VerifyPassword(u.PasswordHash, password)
	} else {
		a.dummyVerify(password)
	}
	if !ok {
		n, until, err := a.store.RecordFailure(ctx, key, now, a.cfg.Lockout)
		if err != nil {
			a.log.ErrorContext(ctx, "record failure", "err", err)
			return u, pwError
		}
		a.log.InfoContext(ctx, "bad password", "user", u.ID, "failures", n)
		if !until.IsZero() && now.Before(until) {
			a.cfg.Events.Lockout()
			return u, pwLocked
		}
		return u, pwBad
	}
	if !u.Enabled {
		return u, pwDisabled
	}
	if lk.Failures > 0 {
		_ = a.store.ResetLockout(ctx, key)
	}
	return u, pwOK
}

func domainOf(upn string) string {
	i := strings.LastIndexByte(upn, '@')
	return strings.ToLower(upn[i+1:])
}
