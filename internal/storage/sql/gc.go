package sql

import (
	"context"
	"time"

	"github.com/ipps/ipps/internal/storage"
)

// revokedRetention keeps revoked refresh tokens for a day so that a
// replayed token of a revoked family is still reported as revoked.
const revokedRetention = 24 * time.Hour

// lockoutIdle is how long after its last failure (and lock end) an idle
// lockout counter is kept.
const lockoutIdle = 24 * time.Hour

// GC implements storage.Storage. Each DELETE autocommits on its own; a
// failure leaves the earlier deletions in place, which is harmless.
func (s *Store) GC(ctx context.Context, now time.Time) (storage.GCResult, error) {
	var r storage.GCResult
	n := nanos(now)
	steps := []struct {
		dst  *int64
		q    string
		args []any
	}{
		{&r.AuthCodes, `DELETE FROM auth_codes WHERE expires_at <= $1`, []any{n}},
		{&r.DeviceCodes, `DELETE FROM device_codes WHERE expires_at <= $1`, []any{n}},
		{&r.RefreshTokens, `DELETE FROM refresh_tokens WHERE expires_at <= $1 OR revoked_at <= $2`,
			[]any{n, nanos(now.Add(-revokedRetention))}},
		{&r.SMSCodes, `DELETE FROM sms_codes WHERE expires_at <= $1`, []any{n}},
		{&r.JTIs, `DELETE FROM jtis WHERE expires_at <= $1`, []any{n}},
		{&r.Lockouts, `DELETE FROM lockouts WHERE last_failure <= $2 AND (locked_until IS NULL OR locked_until <= $1)`,
			[]any{n, nanos(now.Add(-lockoutIdle))}},
		{&r.Leases, `DELETE FROM leases WHERE expires_at <= $1`, []any{n}},
		{&r.SignInSessions, `DELETE FROM signin_sessions WHERE expires_at <= $1`, []any{n}},
	}
	for _, st := range steps {
		c, err := s.execN(ctx, st.q, st.args...)
		if err != nil {
			return r, s.wrap("gc", err)
		}
		*st.dst = int64(c)
	}
	return r, nil
}
