package load

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// DefaultMix is the cmdlet mix used when --mix is not given: mostly reads,
// with a fifth of the calls writing.
const DefaultMix = "Get-RetentionCompliancePolicy=60,Get-ComplianceTag=20,New-RetentionCompliancePolicy=5,Set-RetentionCompliancePolicy=10,Remove-RetentionCompliancePolicy=5"

// MixEntry is one cmdlet and its relative weight.
type MixEntry struct {
	Cmdlet string
	Weight int
}

// Mix is a weighted choice of cmdlets. The zero Mix is empty; build one
// with ParseMix.
type Mix struct {
	Entries []MixEntry
	total   int
}

// ParseMix parses "Cmdlet=weight,Cmdlet=weight,...". Weights are
// non-negative integers, at least one is positive, and a cmdlet appears
// once. Cmdlet names must look like Verb-Noun; unknown cmdlets are
// allowed and run without arguments.
func ParseMix(s string) (Mix, error) {
	var m Mix
	if strings.TrimSpace(s) == "" {
		return m, errors.New("load: empty mix; want e.g. " + DefaultMix)
	}
	seen := map[string]bool{}
	for i, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		name, w, ok := strings.Cut(part, "=")
		name, w = strings.TrimSpace(name), strings.TrimSpace(w)
		if !ok || name == "" || w == "" {
			return Mix{}, fmt.Errorf("load: mix entry %d %q: want Cmdlet=weight", i+1, part)
		}
		if verb, noun, ok := strings.Cut(name, "-"); !ok || verb == "" || noun == "" || strings.ContainsAny(name, " \t=") {
			return Mix{}, fmt.Errorf("load: mix entry %d: %q is not a cmdlet name like Get-ComplianceTag", i+1, name)
		}
		weight, err := strconv.Atoi(w)
		if err != nil || weight < 0 {
			return Mix{}, fmt.Errorf("load: mix entry %d %q: weight %q is not a non-negative integer", i+1, part, w)
		}
		key := strings.ToLower(name)
		if seen[key] {
			return Mix{}, fmt.Errorf("load: mix entry %d: %s appears twice", i+1, name)
		}
		seen[key] = true
		m.Entries = append(m.Entries, MixEntry{Cmdlet: name, Weight: weight})
		m.total += weight
	}
	if m.total == 0 {
		return Mix{}, errors.New("load: every weight in the mix is 0")
	}
	return m, nil
}

// Pick returns a cmdlet chosen with probability weight/total.
func (m Mix) Pick(r *rand.Rand) string {
	n := r.IntN(m.total)
	for _, e := range m.Entries {
		if n < e.Weight {
			return e.Cmdlet
		}
		n -= e.Weight
	}
	return m.Entries[len(m.Entries)-1].Cmdlet
}

// String renders the mix in ParseMix's syntax.
func (m Mix) String() string {
	parts := make([]string, len(m.Entries))
	for i, e := range m.Entries {
		parts[i] = e.Cmdlet + "=" + strconv.Itoa(e.Weight)
	}
	return strings.Join(parts, ",")
}
