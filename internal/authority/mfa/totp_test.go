package mfa

import (
	"strings"
	"testing"
	"time"
)

func TestMatchTOTPWindow(t *testing.T) {
	e, err := NewEnrolment("ipps", "admin@contoso.test")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(e.QRImage, "data:image/png;base64,iVBOR") || !strings.Contains(e.URI, "secret="+e.Secret) {
		t.Fatalf("enrolment %+v", e.URI)
	}
	now := time.Unix(1_900_000_015, 0)
	cur := now.Unix() / TOTPPeriod
	for d := int64(-3); d <= 3; d++ {
		code, _ := TOTPCode(e.Secret, time.Unix((cur+d)*TOTPPeriod, 0))
		step, ok := MatchTOTP(e.Secret, code, now)
		inWindow := d >= -1 && d <= 1
		if ok != inWindow {
			t.Errorf("step offset %d: ok=%v", d, ok)
		}
		if ok && step != cur+d {
			t.Errorf("step offset %d: matched %d, want %d", d, step, cur+d)
		}
	}
	if _, ok := MatchTOTP(e.Secret, "12345", now); ok {
		t.Error("5-digit code accepted")
	}
}

func TestRecoveryCodes(t *testing.T) {
	codes, hashes := NewRecoveryCodes("u1")
	if len(codes) != RecoveryCodeCount || len(hashes) != RecoveryCodeCount {
		t.Fatal("count")
	}
	for _, h := range hashes {
		for _, c := range codes {
			if strings.Contains(h, c) {
				t.Fatal("code stored in clear")
			}
		}
	}
	if i := MatchRecoveryCode("u1", " "+strings.ToUpper(codes[3])+" ", hashes); i != 3 {
		t.Fatalf("match index %d", i)
	}
	if MatchRecoveryCode("u2", codes[3], hashes) != -1 {
		t.Fatal("code accepted for another user")
	}
}
