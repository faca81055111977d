package conformance

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/storage"
)

func testLockout(t *testing.T, s storage.Storage) {
	ctx := context.Background()
	p := storage.LockoutPolicy{Threshold: 3, Duration: time.Minute, Growth: 2, MaxDuration: 3 * time.Minute, ResetAfter: time.Hour}
	key := "user|10.0.0.1"
	now := base
	for i := 1; i <= 2; i++ {
		n, until, err := s.RecordFailure(ctx, key, now, p)
		must(t, err)
		if n != i || !until.IsZero() {
			t.Fatalf("failure %d: n=%d until=%v", i, n, until)
		}
	}
	wantLock := []time.Duration{time.Minute, 2 * time.Minute, 3 * time.Minute, 3 * time.Minute}
	for i, d := range wantLock {
		n, until, err := s.RecordFailure(ctx, key, now, p)
		must(t, err)
		if n != 3+i {
			t.Fatalf("count %d, want %d", n, 3+i)
		}
		sameTime(t, "lockedUntil", until, now.Add(d))
	}
	l, err := s.GetLockout(ctx, key)
	must(t, err)
	if l.Failures != 6 || !l.LockedUntil.Equal(now.Add(3*time.Minute)) {
		t.Fatalf("lockout %+v", l)
	}
	// After a quiet period (lock over), counting restarts.
	n, _, err := s.RecordFailure(ctx, key, now.Add(2*time.Hour), p)
	must(t, err)
	if n != 1 {
		t.Fatalf("after reset window: %d", n)
	}
	must(t, s.ResetLockout(ctx, key))
	l, err = s.GetLockout(ctx, key)
	must(t, err)
	if l.Failures != 0 || l.Key != key {
		t.Fatalf("after reset %+v", l)
	}
	// The default policy: 10 failures lock for 60 s.
	for i := 1; i <= 10; i++ {
		_, until, err := s.RecordFailure(ctx, "def", now, storage.DefaultLockoutPolicy)
		must(t, err)
		if (i < 10) != until.IsZero() {
			t.Fatalf("default policy failure %d: until %v", i, until)
		}
		if i == 10 {
			sameTime(t, "default lock", until, now.Add(60*time.Second))
		}
	}
}

func testLockoutConcurrent(t *testing.T, s storage.Storage) {
	ctx := context.Background()
	const n = 20
	counts := make([]int, n)
	errs := race(n, func(i int) error {
		c, _, err := s.RecordFailure(ctx, "hot", base, storage.DefaultLockoutPolicy)
		counts[i] = c
		return err
	})
	seen := map[int]bool{}
	for i, err := range errs {
		must(t, err)
		if seen[counts[i]] {
			t.Fatalf("count %d returned twice", counts[i])
		}
		seen[counts[i]] = true
	}
	l, err := s.GetLockout(ctx, "hot")
	must(t, err)
	if l.Failures != n {
		t.Fatalf("failures %d, want %d", l.Failures, n)
	}
}

func testTOTPStep(t *testing.T, s storage.Storage) {
	ctx := context.Background()
	u := newUser(t, s, newTenant(t, s).ID)
	must(t, s.UseTOTPStep(ctx, u.ID, 1000))
	wantErr(t, s.UseTOTPStep(ctx, u.ID, 1000), storage.ErrAlreadyUsed)
	wantErr(t, s.UseTOTPStep(ctx, u.ID, 999), storage.ErrAlreadyUsed)
	must(t, s.UseTOTPStep(ctx, u.ID, 1001))
	wantErr(t, s.UseTOTPStep(ctx, "missing", 5), storage.ErrNotFound)
	// An UpdateUser that does not touch the step must not roll it back.
	_, err := s.UpdateUser(ctx, u.ID, func(o storage.User) (storage.User, error) { o.TOTPLastStep = 0; return o, nil })
	must(t, err)
	wantErr(t, s.UseTOTPStep(ctx, u.ID, 1001), storage.ErrAlreadyUsed)
	// Concurrent use of one step: exactly one wins.
	exactlyOne(t, race(12, func(int) error { return s.UseTOTPStep(ctx, u.ID, 2000) }), storage.ErrAlreadyUsed)
}

func testSMSCode(t *testing.T, s storage.Storage) {
	ctx := context.Background()
	c := storage.SMSCode{UserID: "u1", CodeHash: "h123456", ExpiresAt: base.Add(5 * time.Minute), SentAt: base}
	must(t, s.PutSMSCode(ctx, c))
	got, err := s.GetSMSCode(ctx, "u1")
	must(t, err)
	if got != c {
		t.Fatalf("got %+v", got)
	}
	wantErr(t, s.ConsumeSMSCode(ctx, "u1", "wrong", base, 3), storage.ErrCodeMismatch)
	wantErr(t, s.ConsumeSMSCode(ctx, "u1", "wrong", base, 3), storage.ErrCodeMismatch)
	got, _ = s.GetSMSCode(ctx, "u1")
	if got.Attempts != 2 {
		t.Fatalf("attempts %d", got.Attempts)
	}
	wantErr(t, s.ConsumeSMSCode(ctx, "u1", "wrong", base, 3), storage.ErrTooManyAttempts)
	wantErr(t, s.ConsumeSMSCode(ctx, "u1", "h123456", base, 3), storage.ErrNotFound)
	// Resend replaces the code and resets attempts.
	c.Attempts, c.SentAt = 0, base.Add(time.Minute)
	must(t, s.PutSMSCode(ctx, c))
	must(t, s.PutSMSCode(ctx, c))
	must(t, s.ConsumeSMSCode(ctx, "u1", "h123456", base, 3))
	wantErr(t, s.ConsumeSMSCode(ctx, "u1", "h123456", base, 3), storage.ErrNotFound)
	// Expiry deletes.
	must(t, s.PutSMSCode(ctx, storage.SMSCode{UserID: "u2", CodeHash: "h", ExpiresAt: base}))
	wantErr(t, s.ConsumeSMSCode(ctx, "u2", "h", base, 3), storage.ErrExpired)
	// Concurrent consumption of the right code: exactly one wins.
	must(t, s.PutSMSCode(ctx, storage.SMSCode{UserID: "u3", CodeHash: "h", ExpiresAt: base.Add(time.Hour)}))
	exactlyOne(t, race(10, func(int) error { return s.ConsumeSMSCode(ctx, "u3", "h", base, 3) }), storage.ErrNotFound)
}

func testJTI(t *testing.T, s storage.Storage) {
	ctx := context.Background()
	fresh, err := s.RememberJTI(ctx, "jti-1", base.Add(time.Minute))
	must(t, err)
	if !fresh {
		t.Fatal("first sight not fresh")
	}
	fresh, err = s.RememberJTI(ctx, "jti-1", base.Add(time.Minute))
	must(t, err)
	if fresh {
		t.Fatal("replay reported fresh")
	}
	var wins int
	for _, err := range race(10, func(int) error {
		f, err := s.RememberJTI(ctx, "jti-2", base.Add(time.Minute))
		if err == nil && !f {
			return errReplay
		}
		return err
	}) {
		if err == nil {
			wins++
		} else if !errors.Is(err, errReplay) {
			t.Fatal(err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d fresh, want 1", wins)
	}
}

var errReplay = fmt.Errorf("replay")

func testGC(t *testing.T, s storage.Storage) {
	ctx := context.Background()
	now := base
	past, future := now.Add(-time.Second), now.Add(time.Hour)
	must(t, s.CreateAuthCode(ctx, storage.AuthCode{ID: "ac-old", ExpiresAt: past}))
	must(t, s.CreateAuthCode(ctx, storage.AuthCode{ID: "ac-new", ExpiresAt: future}))
	must(t, s.CreateDeviceCode(ctx, storage.DeviceCode{ID: "dc-old", UserCode: "1", ExpiresAt: past}))
	must(t, s.CreateDeviceCode(ctx, storage.DeviceCode{ID: "dc-new", UserCode: "2", ExpiresAt: future}))
	must(t, s.CreateRefreshToken(ctx, refresh("u", "f1", past)))
	keep := refresh("u", "f2", future)
	must(t, s.CreateRefreshToken(ctx, keep))
	must(t, s.PutSMSCode(ctx, storage.SMSCode{UserID: "u1", CodeHash: "h", ExpiresAt: past}))
	must(t, s.PutSMSCode(ctx, storage.SMSCode{UserID: "u2", CodeHash: "h", ExpiresAt: future}))
	_, err := s.RememberJTI(ctx, "j-old", past)
	must(t, err)
	_, err = s.RememberJTI(ctx, "j-new", future)
	must(t, err)
	_, _, err = s.RecordFailure(ctx, "idle", now.Add(-48*time.Hour), storage.DefaultLockoutPolicy)
	must(t, err)
	_, _, err = s.RecordFailure(ctx, "recent", now, storage.DefaultLockoutPolicy)
	must(t, err)
	must(t, s.AcquireLease(ctx, storage.Lease{ShellID: "l-old", UserID: "u", ReplicaID: "r", CreatedAt: past.Add(-time.Hour), ExpiresAt: past}, 0))
	must(t, s.AcquireLease(ctx, storage.Lease{ShellID: "l-new", UserID: "u", ReplicaID: "r", CreatedAt: now, ExpiresAt: future}, 0))
	must(t, s.CreateSignInSession(ctx, storage.SignInSession{ID: "si-old", ExpiresAt: past}))
	must(t, s.CreateSignInSession(ctx, storage.SignInSession{ID: "si-new", ExpiresAt: future}))

	r, err := s.GC(ctx, now)
	must(t, err)
	want := storage.GCResult{AuthCodes: 1, DeviceCodes: 1, RefreshTokens: 1, SMSCodes: 1, JTIs: 1, Lockouts: 1, Leases: 1, SignInSessions: 1}
	if r != want {
		t.Fatalf("gc %+v, want %+v", r, want)
	}
	if _, err := s.RedeemAuthCode(ctx, "ac-new", now); err != nil {
		t.Fatalf("live auth code collected: %v", err)
	}
	if _, err := s.GetRefreshToken(ctx, keep.ID); err != nil {
		t.Fatalf("live refresh token collected: %v", err)
	}
	if _, err := s.GetLease(ctx, "l-new"); err != nil {
		t.Fatalf("live lease collected: %v", err)
	}
	if _, err := s.GetSignInSession(ctx, "si-new"); err != nil {
		t.Fatalf("live sign-in session collected: %v", err)
	}
	if l, _ := s.GetLockout(ctx, "recent"); l.Failures != 1 {
		t.Fatalf("recent lockout collected")
	}
	r, err = s.GC(ctx, now)
	must(t, err)
	if r.Total() != 0 {
		t.Fatalf("second gc %+v", r)
	}
}
