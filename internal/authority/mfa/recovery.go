package mfa

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"strings"
)

// RecoveryCodeCount is how many recovery codes an enrolment issues.
const RecoveryCodeCount = 10

const recoveryAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// NewRecoveryCodes returns codes to show the user once and their hashes to
// store. Codes look like "abcde-fghjk" (about 49 bits each).
func NewRecoveryCodes(userID string) (codes, hashes []string) {
	for range RecoveryCodeCount {
		b := make([]byte, 10)
		_, _ = rand.Read(b)
		var sb strings.Builder
		for i, c := range b {
			if i == 5 {
				sb.WriteByte('-')
			}
			sb.WriteByte(recoveryAlphabet[int(c)%len(recoveryAlphabet)])
		}
		codes = append(codes, sb.String())
		hashes = append(hashes, HashRecoveryCode(userID, sb.String()))
	}
	return codes, hashes
}

// HashRecoveryCode hashes code for user. The code is normalised (case,
// spaces) first.
func HashRecoveryCode(userID, code string) string {
	code = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(code), " ", ""))
	sum := sha256.Sum256([]byte(userID + "\x00" + code))
	return hex.EncodeToString(sum[:])
}

// MatchRecoveryCode returns the index of code in hashes, or -1.
func MatchRecoveryCode(userID, code string, hashes []string) int {
	h := HashRecoveryCode(userID, code)
	found := -1
	for i, x := range hashes {
		if subtle.ConstantTimeCompare([]byte(h), []byte(x)) == 1 {
			found = i
		}
	}
	return found
}
