package conformance

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/storage"
)

func testSigningKey(t *testing.T, s storage.Storage) {
	ctx := context.Background()
	k1 := storage.SigningKey{KID: "k1", Algorithm: "RS256", PrivateKeyPEM: []byte("-----BEGIN-----\n"), CreatedAt: base, NotAfter: base.Add(48 * time.Hour)}
	k2 := storage.SigningKey{KID: "k2", Algorithm: "RS256", PrivateKeyPEM: []byte("pem2"), CreatedAt: base.Add(time.Hour)}
	must(t, s.AddSigningKey(ctx, k1))
	must(t, s.AddSigningKey(ctx, k2))
	wantErr(t, s.AddSigningKey(ctx, k1), storage.ErrAlreadyExists)
	must(t, s.RetireSigningKey(ctx, "k1", base.Add(2*time.Hour)))
	wantErr(t, s.RetireSigningKey(ctx, "nope", base), storage.ErrNotFound)
	keys, err := s.ListSigningKeys(ctx)
	must(t, err)
	k1.RetiredAt = base.Add(2 * time.Hour)
	if !reflect.DeepEqual(keys, []storage.SigningKey{k2, k1}) {
		t.Fatalf("keys %+v", keys)
	}
	must(t, s.DeleteSigningKey(ctx, "k1"))
	keys, err = s.ListSigningKeys(ctx)
	must(t, err)
	if len(keys) != 1 {
		t.Fatalf("after delete: %d keys", len(keys))
	}
}

func refresh(user, family string, exp time.Time) storage.RefreshToken {
	return storage.RefreshToken{ID: id("rt"), FamilyID: family, UserID: user, ClientID: "c", TenantID: "t",
		Scopes: []string{"openid", "offline_access"}, Resource: "https://ps.compliance.protection.outlook.com",
		AMR: []string{"pwd", "mfa"}, IssuedAt: base, ExpiresAt: exp}
}

func testRefreshToken(t *testing.T, s storage.Storage) {
	ctx := context.Background()
	exp := base.Add(24 * time.Hour)
	t1 := refresh("u1", "fam1", exp)
	must(t, s.CreateRefreshToken(ctx, t1))
	got, err := s.GetRefreshToken(ctx, t1.ID)
	must(t, err)
	if !reflect.DeepEqual(got, t1) {
		t.Fatalf("got %+v\nwant %+v", got, t1)
	}
	// Rotate t1 -> t2.
	t2 := refresh("u1", "fam1", exp)
	old, err := s.RotateRefreshToken(ctx, t1.ID, t2, base.Add(time.Minute))
	must(t, err)
	if old.ID != t1.ID || old.ReplacedBy != "" {
		t.Fatalf("rotate returned %+v", old)
	}
	got, _ = s.GetRefreshToken(ctx, t1.ID)
	if got.ReplacedBy != t2.ID || !got.UsedAt.Equal(base.Add(time.Minute)) {
		t.Fatalf("rotated token %+v", got)
	}
	// Wrong family is refused.
	_, err = s.RotateRefreshToken(ctx, t2.ID, refresh("u1", "other", exp), base.Add(2*time.Minute))
	if err == nil {
		t.Fatal("rotate into another family succeeded")
	}
	// Reusing t1 revokes the family, including t2.
	_, err = s.RotateRefreshToken(ctx, t1.ID, refresh("u1", "fam1", exp), base.Add(3*time.Minute))
	wantErr(t, err, storage.ErrAlreadyUsed)
	got, _ = s.GetRefreshToken(ctx, t2.ID)
	if got.RevokedAt.IsZero() {
		t.Fatal("family not revoked after reuse")
	}
	_, err = s.RotateRefreshToken(ctx, t2.ID, refresh("u1", "fam1", exp), base.Add(4*time.Minute))
	wantErr(t, err, storage.ErrRevoked)
	// Expiry.
	t3 := refresh("u1", "fam3", base.Add(time.Minute))
	must(t, s.CreateRefreshToken(ctx, t3))
	_, err = s.RotateRefreshToken(ctx, t3.ID, refresh("u1", "fam3", exp), base.Add(time.Minute))
	wantErr(t, err, storage.ErrExpired)
	_, err = s.RotateRefreshToken(ctx, "missing", refresh("u1", "fam3", exp), base)
	wantErr(t, err, storage.ErrNotFound)
	// Revocation by user and by family.
	must(t, s.CreateRefreshToken(ctx, refresh("u2", "famA", exp)))
	must(t, s.CreateRefreshToken(ctx, refresh("u2", "famB", exp)))
	n, err := s.RevokeRefreshFamily(ctx, "famA", base)
	must(t, err)
	if n != 1 {
		t.Fatalf("revoke family: %d", n)
	}
	n, err = s.RevokeUserRefreshTokens(ctx, "u2", base)
	must(t, err)
	if n != 1 {
		t.Fatalf("revoke user: %d (already revoked ones must not count)", n)
	}
	list, err := s.ListUserRefreshTokens(ctx, "u2")
	must(t, err)
	if len(list) != 2 || list[0].RevokedAt.IsZero() || list[1].RevokedAt.IsZero() {
		t.Fatalf("user tokens %+v", list)
	}
}

func testAuthCode(t *testing.T, s storage.Storage) {
	ctx := context.Background()
	c := storage.AuthCode{ID: id("code"), ClientID: "c", RedirectURI: "http://localhost:1234", CodeChallenge: "abc",
		CodeChallengeMethod: "S256", UserID: "u", TenantID: "t", Scopes: []string{"openid"}, Nonce: "n",
		AMR: []string{"pwd"}, FamilyID: "fam", ExpiresAt: base.Add(time.Minute)}
	must(t, s.CreateAuthCode(ctx, c))
	wantErr(t, s.CreateAuthCode(ctx, c), storage.ErrAlreadyExists)
	got, err := s.RedeemAuthCode(ctx, c.ID, base)
	must(t, err)
	c.RedeemedAt = base
	if !reflect.DeepEqual(got, c) {
		t.Fatalf("got %+v\nwant %+v", got, c)
	}
	got, err = s.RedeemAuthCode(ctx, c.ID, base.Add(time.Second))
	wantErr(t, err, storage.ErrAlreadyUsed)
	if got.FamilyID != "fam" {
		t.Fatalf("second redeem must return the code, got %+v", got)
	}
	exp := storage.AuthCode{ID: id("code"), ExpiresAt: base}
	must(t, s.CreateAuthCode(ctx, exp))
	_, err = s.RedeemAuthCode(ctx, exp.ID, base)
	wantErr(t, err, storage.ErrExpired)
	_, err = s.RedeemAuthCode(ctx, "missing", base)
	wantErr(t, err, storage.ErrNotFound)
}

// race runs fn from n goroutines at once and returns their errors.
func race(n int, fn func(i int) error) []error {
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = fn(i)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

// exactlyOne checks that one error is nil and all others match target.
func exactlyOne(t *testing.T, errs []error, target error) {
	t.Helper()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, target):
			t.Fatalf("unexpected error %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d winners, want exactly 1", ok)
	}
}

func testAuthCodeConcurrentRedeem(t *testing.T, s storage.Storage) {
	ctx := context.Background()
	c := storage.AuthCode{ID: id("code"), ExpiresAt: base.Add(time.Hour)}
	must(t, s.CreateAuthCode(ctx, c))
	exactlyOne(t, race(16, func(int) error { _, err := s.RedeemAuthCode(ctx, c.ID, base); return err }), storage.ErrAlreadyUsed)
}

func testDeviceCode(t *testing.T, s storage.Storage) {
	ctx := context.Background()
	d := storage.DeviceCode{ID: id("dev"), UserCode: "ABCD-EFGH", ClientID: "c", TenantID: "t", Scopes: []string{"openid"},
		ExpiresAt: base.Add(15 * time.Minute), CreatedAt: base}
	must(t, s.CreateDeviceCode(ctx, d))
	wantErr(t, s.CreateDeviceCode(ctx, storage.DeviceCode{ID: id("dev"), UserCode: "ABCD-EFGH", ExpiresAt: base}), storage.ErrAlreadyExists)
	got, err := s.GetDeviceCodeByUserCode(ctx, "ABCD-EFGH")
	must(t, err)
	if got.Status != storage.DevicePending || got.ID != d.ID {
		t.Fatalf("got %+v", got)
	}
	_, err = s.RedeemDeviceCode(ctx, d.ID, base)
	wantErr(t, err, storage.ErrNotApproved)
	// A poll: the updater sees the previous LastPollAt.
	var prev time.Time
	_, err = s.UpdateDeviceCode(ctx, d.ID, func(o storage.DeviceCode) (storage.DeviceCode, error) {
		prev, o.LastPollAt = o.LastPollAt, base.Add(5*time.Second)
		return o, nil
	})
	must(t, err)
	if !prev.IsZero() {
		t.Fatalf("first poll saw %v", prev)
	}
	_, err = s.UpdateDeviceCode(ctx, d.ID, func(o storage.DeviceCode) (storage.DeviceCode, error) {
		o.Status, o.UserID, o.AMR = storage.DeviceApproved, "u1", []string{"pwd", "mfa"}
		return o, nil
	})
	must(t, err)
	got, err = s.RedeemDeviceCode(ctx, d.ID, base.Add(10*time.Second))
	must(t, err)
	if got.UserID != "u1" || got.Status != storage.DeviceRedeemed || !got.LastPollAt.Equal(base.Add(5*time.Second)) {
		t.Fatalf("redeemed %+v", got)
	}
	_, err = s.RedeemDeviceCode(ctx, d.ID, base.Add(11*time.Second))
	wantErr(t, err, storage.ErrAlreadyUsed)

	denied := storage.DeviceCode{ID: id("dev"), UserCode: "DENY", Status: storage.DeviceDenied, ExpiresAt: base.Add(time.Hour)}
	must(t, s.CreateDeviceCode(ctx, denied))
	got, err = s.RedeemDeviceCode(ctx, denied.ID, base)
	wantErr(t, err, storage.ErrNotApproved)
	if got.Status != storage.DeviceDenied {
		t.Fatalf("denied code status %q", got.Status)
	}
	late := storage.DeviceCode{ID: id("dev"), UserCode: "LATE", Status: storage.DeviceApproved, ExpiresAt: base}
	must(t, s.CreateDeviceCode(ctx, late))
	_, err = s.RedeemDeviceCode(ctx, late.ID, base)
	wantErr(t, err, storage.ErrExpired)
}

func testDeviceCodeConcurrentRedeem(t *testing.T, s storage.Storage) {
	ctx := context.Background()
	d := storage.DeviceCode{ID: id("dev"), UserCode: id("UC"), Status: storage.DeviceApproved, UserID: "u", ExpiresAt: base.Add(time.Hour)}
	must(t, s.CreateDeviceCode(ctx, d))
	exactlyOne(t, race(16, func(int) error { _, err := s.RedeemDeviceCode(ctx, d.ID, base); return err }), storage.ErrAlreadyUsed)
}
