package load

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func TestParseMixDefault(t *testing.T) {
	m, err := ParseMix(DefaultMix)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Entries) != 5 || m.total != 100 || m.String() != DefaultMix {
		t.Fatalf("got %+v total %d", m.Entries, m.total)
	}
}

func TestParseMixErrors(t *testing.T) {
	for in, want := range map[string]string{
		"":                          "empty mix",
		"Get-ComplianceTag":         "want Cmdlet=weight",
		"Get-ComplianceTag=x":       `weight "x"`,
		"Get-ComplianceTag=-1":      `weight "-1"`,
		"GetComplianceTag=1":        "not a cmdlet name",
		"Get-ComplianceTag=0":       "every weight",
		"Get-A=1, get-a=2":          "appears twice",
		"Get-A=1,,Get-B=1":          "mix entry 2",
		"Get-A=1,=3":                "want Cmdlet=weight",
		"Get-ComplianceTag =5,X-Y=": "mix entry 2",
	} {
		_, err := ParseMix(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseMix(%q) = %v, want error containing %q", in, err, want)
		}
	}
}

func TestMixPickFollowsWeights(t *testing.T) {
	m, err := ParseMix("Get-A=3, Get-B=1, Get-C=0")
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	counts := map[string]int{}
	for range 40000 {
		counts[m.Pick(r)]++
	}
	if counts["Get-C"] != 0 {
		t.Fatalf("zero-weight cmdlet picked %d times", counts["Get-C"])
	}
	if a := counts["Get-A"]; a < 29000 || a > 31000 {
		t.Fatalf("Get-A picked %d of 40000, want about 30000", a)
	}
}
