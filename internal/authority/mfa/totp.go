// Package mfa holds the second factors of the sign-in authority: TOTP with
// replay protection, one-time codes sent by text message, recovery codes,
// and the QR code shown at enrolment.
package mfa

import (
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"github.com/skip2/go-qrcode"
)

// TOTP parameters (RFC 6238 defaults, as authenticator apps expect).
const (
	TOTPPeriod = 30
	TOTPDigits = otp.DigitsSix
	TOTPSkew   = 1 // steps accepted either side of now
)

var totpOpts = totp.ValidateOpts{Period: TOTPPeriod, Digits: TOTPDigits, Algorithm: otp.AlgorithmSHA1}

// MatchTOTP checks code against secret at now, looking TOTPSkew steps
// either side, and returns the matched time step. It does not check replay:
// the caller must record the step atomically and refuse steps not greater
// than the last accepted one (storage UseTOTPStep).
func MatchTOTP(secret, code string, now time.Time) (step int64, ok bool) {
	if len(code) != 6 {
		return 0, false
	}
	cur := now.Unix() / TOTPPeriod
	for d := int64(-TOTPSkew); d <= TOTPSkew; d++ {
		s := cur + d
		want, err := totp.GenerateCodeCustom(secret, time.Unix(s*TOTPPeriod, 0), totpOpts)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return s, true
		}
	}
	return 0, false
}

// TOTPCode returns the code for secret at t (for tests and tools).
func TOTPCode(secret string, t time.Time) (string, error) {
	return totp.GenerateCodeCustom(secret, t, totpOpts)
}

// Enrolment is a freshly generated authenticator secret with its otpauth
// URI and a PNG QR code as a data: URI ready for an <img src>.
type Enrolment struct {
	Secret  string
	URI     string
	QRImage string
}

// NewEnrolment generates a secret for account (the UPN) under issuer.
func NewEnrolment(issuer, account string) (Enrolment, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account, Period: TOTPPeriod, Digits: TOTPDigits, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return Enrolment{}, fmt.Errorf("mfa: generate totp: %w", err)
	}
	png, err := qrcode.Encode(key.URL(), qrcode.Medium, 256)
	if err != nil {
		return Enrolment{}, fmt.Errorf("mfa: qr code: %w", err)
	}
	return Enrolment{
		Secret:  key.Secret(),
		URI:     key.URL(),
		QRImage: "data:image/png;base64," + base64.StdEncoding.EncodeToString(png),
	}, nil
}
