package wsman

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ErrBadDuration is wrapped by ParseDuration errors.
var ErrBadDuration = errors.New("wsman: invalid xs:duration")

// ParseDuration parses a non-negative xs:duration (XML Schema Part 2 §3.2.6)
// of the forms WS-Management uses: PnDTnHnMn.nS with any part omitted, e.g.
// "PT180.000S", "PT20S", "P0DT0H0M0S". Years and months are rejected (their
// length is not fixed), as are negative durations ("-PT1S", "PT-1S"),
// fractions on anything but seconds, and values that overflow time.Duration.
func ParseDuration(s string) (time.Duration, error) {
	bad := func(why string) (time.Duration, error) {
		return 0, fmt.Errorf("%w %q: %s", ErrBadDuration, s, why)
	}
	rest, ok := strings.CutPrefix(s, "P")
	if !ok {
		if strings.HasPrefix(s, "-") {
			return bad("negative")
		}
		return bad("missing P")
	}
	if rest == "" {
		return bad("no components")
	}
	var total float64 // nanoseconds; float keeps overflow detection simple
	inTime := false
	sawField := false
	order := 0 // enforce D < H < M < S ordering
	for rest != "" {
		if rest[0] == 'T' {
			if inTime {
				return bad("repeated T")
			}
			inTime = true
			rest = rest[1:]
			if rest == "" {
				return bad("T without time components")
			}
			continue
		}
		i := 0
		for i < len(rest) && (rest[i] >= '0' && rest[i] <= '9' || rest[i] == '.') {
			i++
		}
		if i == 0 || i == len(rest) {
			return bad("expected number followed by a designator")
		}
		num, unit := rest[:i], rest[i]
		rest = rest[i+1:]
		if strings.Count(num, ".") > 1 || num[0] == '.' || num[len(num)-1] == '.' {
			return bad("malformed number")
		}
		if strings.Contains(num, ".") && unit != 'S' {
			return bad("fraction allowed on seconds only")
		}
		v, err := strconv.ParseFloat(num, 64)
		if err != nil {
			return bad("malformed number")
		}
		var scale float64
		var rank int
		switch {
		case !inTime && unit == 'D':
			scale, rank = float64(24*time.Hour), 1
		case inTime && unit == 'H':
			scale, rank = float64(time.Hour), 2
		case inTime && unit == 'M':
			scale, rank = float64(time.Minute), 3
		case inTime && unit == 'S':
			scale, rank = float64(time.Second), 4
		case !inTime && (unit == 'Y' || unit == 'M'):
			return bad("years and months are not supported")
		default:
			return bad(fmt.Sprintf("unexpected designator %q", unit))
		}
		if rank <= order {
			return bad("components out of order")
		}
		order = rank
		sawField = true
		total += v * scale
		if total > math.MaxInt64 {
			return bad("overflow")
		}
	}
	if !sawField {
		return bad("no components")
	}
	return time.Duration(math.Round(total)), nil
}

// FormatDuration formats d the way Windows does: "PT<seconds>.<millis>S",
// e.g. PT7200.000S. Negative durations format as PT0.000S.
func FormatDuration(d time.Duration) string { return string(appendDuration(nil, d)) }

// appendDuration appends FormatDuration(d) to b.
func appendDuration(b []byte, d time.Duration) []byte {
	if d < 0 {
		d = 0
	}
	ms := d.Milliseconds()
	b = append(b, "PT"...)
	b = strconv.AppendInt(b, ms/1000, 10)
	f := ms % 1000
	return append(b, '.', byte('0'+f/100), byte('0'+f/10%10), byte('0'+f%10), 'S')
}
