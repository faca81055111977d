package sql

import (
	"context"
	"crypto/subtle"
	"fmt"
	"math"
	"time"

	"github.com/ipps/ipps/internal/storage"
)

// RecordFailure implements storage.AuthorityStore. The counter row is
// created if missing and then locked, so concurrent failures serialize.
func (s *Store) RecordFailure(ctx context.Context, key string, now time.Time, p storage.LockoutPolicy) (int, time.Time, error) {
	var l storage.Lockout
	err := s.withTx(ctx, txLocking, func(tx *Store) error {
		if _, err := tx.exec(ctx, `INSERT INTO lockouts (key, failures, last_failure) VALUES ($1, 0, $2) ON CONFLICT (key) DO NOTHING`, key, nanos(now)); err != nil {
			return err
		}
		err := tx.queryRow(ctx, `SELECT key, failures, last_failure, locked_until FROM lockouts WHERE key = $1 FOR UPDATE`, key).
			Scan(&l.Key, &l.Failures, tc(&l.LastFailure), tc(&l.LockedUntil))
		if err != nil {
			return err
		}
		l = nextLockout(l, now, p)
		_, err = tx.exec(ctx, `UPDATE lockouts SET failures = $2, last_failure = $3, locked_until = $4 WHERE key = $1`,
			key, l.Failures, nanos(l.LastFailure), tv(l.LockedUntil))
		return err
	})
	if err != nil {
		return 0, time.Time{}, s.wrap("record failure", err)
	}
	return l.Failures, l.LockedUntil, nil
}

// nextLockout applies one failure at now to l under policy p.
func nextLockout(l storage.Lockout, now time.Time, p storage.LockoutPolicy) storage.Lockout {
	lockOver := l.LockedUntil.IsZero() || !now.Before(l.LockedUntil)
	if l.Failures > 0 && p.ResetAfter > 0 && now.Sub(l.LastFailure) > p.ResetAfter && lockOver {
		l.Failures = 0
	}
	l.Failures++
	l.LastFailure = now
	l.LockedUntil = time.Time{}
	if p.Threshold > 0 && l.Failures >= p.Threshold {
		growth := p.Growth
		if growth < 1 {
			growth = 1
		}
		d := float64(p.Duration) * math.Pow(growth, float64(l.Failures-p.Threshold))
		if p.MaxDuration > 0 && d > float64(p.MaxDuration) {
			d = float64(p.MaxDuration)
		}
		if d > float64(math.MaxInt64/2) {
			d = float64(math.MaxInt64 / 2)
		}
		l.LockedUntil = now.Add(time.Duration(d)).UTC()
	}
	return l
}

// GetLockout implements storage.AuthorityStore.
func (s *Store) GetLockout(ctx context.Context, key string) (storage.Lockout, error) {
	l := storage.Lockout{Key: key}
	rows, err := s.query(ctx, `SELECT failures, last_failure, locked_until FROM lockouts WHERE key = $1`, key)
	if err != nil {
		return l, s.wrap("get lockout", err)
	}
	defer rows.Close()
	if rows.Next() {
		err = rows.Scan(&l.Failures, tc(&l.LastFailure), tc(&l.LockedUntil))
	}
	if err == nil {
		err = rows.Err()
	}
	return l, s.wrap("get lockout", err)
}

// ResetLockout implements storage.AuthorityStore.
func (s *Store) ResetLockout(ctx context.Context, key string) error {
	_, err := s.exec(ctx, `DELETE FROM lockouts WHERE key = $1`, key)
	return s.wrap("reset lockout", err)
}

// UseTOTPStep implements storage.AuthorityStore with one conditional
// UPDATE, so of two concurrent uses of a step exactly one succeeds.
func (s *Store) UseTOTPStep(ctx context.Context, userID string, step int64) error {
	const op = "use totp step"
	n, err := s.execN(ctx, `UPDATE users SET totp_last_step = $2 WHERE id = $1 AND totp_last_step < $2`, userID, step)
	if err != nil {
		return s.wrap(op, err)
	}
	if n == 1 {
		return nil
	}
	if _, err := s.GetUser(ctx, userID); err != nil {
		return err
	}
	return fmt.Errorf("storage: %s: %w", op, storage.ErrAlreadyUsed)
}

// PutSMSCode implements storage.AuthorityStore.
func (s *Store) PutSMSCode(ctx context.Context, c storage.SMSCode) error {
	_, err := s.exec(ctx, `INSERT INTO sms_codes (user_id, code_hash, expires_at, attempts, sent_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (user_id) DO UPDATE SET code_hash = excluded.code_hash, expires_at = excluded.expires_at,
		attempts = excluded.attempts, sent_at = excluded.sent_at`,
		c.UserID, c.CodeHash, nanos(c.ExpiresAt), c.Attempts, tv(c.SentAt))
	return s.wrap("put sms code", err)
}

func scanSMS(r interface{ Scan(...any) error }) (storage.SMSCode, error) {
	var c storage.SMSCode
	err := r.Scan(&c.UserID, &c.CodeHash, tc(&c.ExpiresAt), &c.Attempts, tc(&c.SentAt))
	return c, err
}

// GetSMSCode implements storage.AuthorityStore.
func (s *Store) GetSMSCode(ctx context.Context, userID string) (storage.SMSCode, error) {
	c, err := scanSMS(s.queryRow(ctx, `SELECT user_id, code_hash, expires_at, attempts, sent_at FROM sms_codes WHERE user_id = $1`, userID))
	return c, s.wrap("get sms code", err)
}

// ConsumeSMSCode implements storage.AuthorityStore.
func (s *Store) ConsumeSMSCode(ctx context.Context, userID, codeHash string, now time.Time, maxAttempts int) error {
	const op = "consume sms code"
	var verdict error
	err := s.withTx(ctx, txLocking, func(tx *Store) error {
		verdict = nil
		c, err := scanSMS(tx.queryRow(ctx, `SELECT user_id, code_hash, expires_at, attempts, sent_at FROM sms_codes WHERE user_id = $1 FOR UPDATE`, userID))
		if err != nil {
			return err
		}
		del := func() error {
			_, err := tx.exec(ctx, `DELETE FROM sms_codes WHERE user_id = $1`, userID)
			return err
		}
		switch {
		case !c.ExpiresAt.After(now):
			verdict = storage.ErrExpired
			return del()
		case maxAttempts > 0 && c.Attempts >= maxAttempts:
			verdict = storage.ErrTooManyAttempts
			return del()
		case subtle.ConstantTimeCompare([]byte(c.CodeHash), []byte(codeHash)) == 1:
			return del()
		}
		c.Attempts++
		verdict = storage.ErrCodeMismatch
		if maxAttempts > 0 && c.Attempts >= maxAttempts {
			verdict = storage.ErrTooManyAttempts
			return del()
		}
		_, err = tx.exec(ctx, `UPDATE sms_codes SET attempts = $2 WHERE user_id = $1`, userID, c.Attempts)
		return err
	})
	if err != nil {
		return s.wrap(op, err)
	}
	if verdict != nil {
		return fmt.Errorf("storage: %s: %w", op, verdict)
	}
	return nil
}
