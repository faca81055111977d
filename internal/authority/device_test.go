package authority

import (
	"strings"
	"testing"
)

func TestUserCodes(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		c := newUserCode()
		if len(c) != 9 || strings.Trim(c, userCodeAlphabet) != "" {
			t.Fatalf("code %q", c)
		}
		seen[c] = true
	}
	if len(seen) < 199 {
		t.Fatal("user codes repeat")
	}
	if normalizeUserCode(" abcd-efg hj ") != "ABCDEFGHJ" {
		t.Fatal("normalize")
	}
}
