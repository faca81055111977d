package clixml

import (
	"errors"
	"math"
	"strconv"
	"time"
)

// appendDateTime writes dt as .NET's round-trip ("o") format: always seven
// fraction digits, then "Z" for KindUtc, the offset (+hh:mm) for KindLocal
// and nothing for KindUnspecified, whose wall clock is written as it stands
// in dt.Time's location. Time below 100ns is truncated.
func appendDateTime(b []byte, dt DateTime) ([]byte, error) {
	t := dt.Time
	if dt.Kind == KindUtc {
		t = t.UTC()
	}
	year, month, day := t.Date()
	if year < 1 || year > 9999 {
		return nil, errors.New("clixml: DateTime year out of range 1-9999")
	}
	hour, min, sec := t.Clock()
	b = appendPad(b, year, 4)
	b = append(b, '-')
	b = appendPad(b, int(month), 2)
	b = append(b, '-')
	b = appendPad(b, day, 2)
	b = append(b, 'T')
	b = appendPad(b, hour, 2)
	b = append(b, ':')
	b = appendPad(b, min, 2)
	b = append(b, ':')
	b = appendPad(b, sec, 2)
	b = append(b, '.')
	b = appendPad(b, t.Nanosecond()/100, 7)
	switch dt.Kind {
	case KindUtc:
		b = append(b, 'Z')
	case KindLocal:
		_, off := t.Zone()
		off /= 60
		if off < 0 {
			b = append(b, '-')
			off = -off
		} else {
			b = append(b, '+')
		}
		b = appendPad(b, off/60, 2)
		b = append(b, ':')
		b = appendPad(b, off%60, 2)
	}
	return b, nil
}

func appendPad(b []byte, n, width int) []byte {
	var tmp [20]byte
	s := strconv.AppendInt(tmp[:0], int64(n), 10)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// parseDateTime parses yyyy-MM-ddTHH:mm:ss[.f+][Z|±hh:mm]. Fraction digits
// beyond the seventh are truncated, as .NET ticks are 100ns. The result is
// in UTC for Utc and Unspecified kinds and in a fixed zone for Local.
func parseDateTime(s string) (DateTime, bool) {
	var dt DateTime
	if len(s) < 19 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return dt, false
	}
	num := func(i, n int) int {
		v := 0
		for _, c := range []byte(s[i : i+n]) {
			if c < '0' || c > '9' {
				return -1
			}
			v = v*10 + int(c-'0')
		}
		return v
	}
	year, month, day := num(0, 4), num(5, 2), num(8, 2)
	hour, min, sec := num(11, 2), num(14, 2), num(17, 2)
	if year < 1 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || min < 0 || min > 59 || sec < 0 || sec > 59 {
		return dt, false
	}
	if day > daysIn(time.Month(month), year) {
		return dt, false
	}
	rest := s[19:]
	nsec := 0
	if rest != "" && rest[0] == '.' {
		i := 1
		scale := 100000000
		for ; i < len(rest) && rest[i] >= '0' && rest[i] <= '9'; i++ {
			if scale >= 100 {
				nsec += int(rest[i]-'0') * scale
			}
			scale /= 10
		}
		if i == 1 {
			return dt, false
		}
		rest = rest[i:]
	}
	loc := time.UTC
	switch {
	case rest == "":
		dt.Kind = KindUnspecified
	case rest == "Z":
		dt.Kind = KindUtc
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, om := -1, -1
		if h, err := strconv.Atoi(rest[1:3]); err == nil && rest[1] != '+' && rest[1] != '-' {
			oh = h
		}
		if m, err := strconv.Atoi(rest[4:6]); err == nil && rest[4] != '+' && rest[4] != '-' {
			om = m
		}
		if oh < 0 || oh > 23 || om < 0 || om > 59 {
			return dt, false
		}
		off := (oh*60 + om) * 60
		if rest[0] == '-' {
			off = -off
		}
		dt.Kind = KindLocal
		loc = time.FixedZone("", off)
	default:
		return dt, false
	}
	dt.Time = time.Date(year, time.Month(month), day, hour, min, sec, nsec, loc)
	return dt, true
}

func daysIn(m time.Month, year int) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// appendDuration writes ts as XmlConvert.ToString(TimeSpan) does: an
// optional "-", "P", days, then "T" with hours, minutes and seconds (with
// up to seven fraction digits, trailing zeros dropped), each part omitted
// when zero; zero is "PT0S". Precision below 100ns is truncated.
func appendDuration(b []byte, ts TimeSpan) []byte {
	d := int64(ts)
	mag := uint64(d)
	if d < 0 {
		b = append(b, '-')
		mag = uint64(-(d + 1)) + 1
	}
	ticks := mag / 100
	if ticks == 0 {
		return append(b, "PT0S"...)
	}
	const tps = 10_000_000
	days := ticks / (86400 * tps)
	ticks %= 86400 * tps
	hours := ticks / (3600 * tps)
	ticks %= 3600 * tps
	mins := ticks / (60 * tps)
	ticks %= 60 * tps
	secs := ticks / tps
	frac := ticks % tps
	b = append(b, 'P')
	if days > 0 {
		b = strconv.AppendUint(b, days, 10)
		b = append(b, 'D')
	}
	if hours+mins+secs+frac == 0 {
		return b
	}
	b = append(b, 'T')
	if hours > 0 {
		b = strconv.AppendUint(b, hours, 10)
		b = append(b, 'H')
	}
	if mins > 0 {
		b = strconv.AppendUint(b, mins, 10)
		b = append(b, 'M')
	}
	if secs > 0 || frac > 0 {
		b = strconv.AppendUint(b, secs, 10)
		if frac > 0 {
			digits := appendPad(nil, int(frac), 7)
			for digits[len(digits)-1] == '0' {
				digits = digits[:len(digits)-1]
			}
			b = append(b, '.')
			b = append(b, digits...)
		}
		b = append(b, 'S')
	}
	return b
}

// parseDuration parses an xs:duration: [-]P[nY][nM][nD][T[nH][nM][n[.f]S]]
// with at least one part. Years count 365 days and months 30, as .NET's
// XmlConvert does; fraction digits beyond the seventh are truncated. It
// fails on overflow of time.Duration (about ±292 years).
func parseDuration(s string) (TimeSpan, bool) {
	neg := false
	if s != "" && s[0] == '-' {
		neg, s = true, s[1:]
	}
	if s == "" || s[0] != 'P' {
		return 0, false
	}
	s = s[1:]
	const day = 86400 * 1e9
	var total uint64 // nanoseconds
	add := func(n, unit uint64) bool {
		if n != 0 && unit > math.MaxUint64/n {
			return false
		}
		v := n * unit
		if total > math.MaxUint64-v {
			return false
		}
		total += v
		return true
	}
	inTime, parts, tparts := false, 0, 0
	order := 0 // position of the last designator, to enforce order
	for s != "" {
		if s[0] == 'T' {
			if inTime {
				return 0, false
			}
			inTime = true
			s = s[1:]
			continue
		}
		i := 0
		var n uint64
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			if n > (math.MaxUint64-9)/10 {
				return 0, false
			}
			n = n*10 + uint64(s[i]-'0')
		}
		if i == 0 || i == len(s) {
			return 0, false
		}
		var fracNs uint64
		if s[i] == '.' {
			if !inTime {
				return 0, false
			}
			j := i + 1
			scale := uint64(100_000_000)
			for ; j < len(s) && s[j] >= '0' && s[j] <= '9'; j++ {
				if scale >= 100 {
					fracNs += uint64(s[j]-'0') * scale
				}
				scale /= 10
			}
			if j == i+1 || j == len(s) || s[j] != 'S' {
				return 0, false
			}
			i = j
		}
		var unit uint64
		var pos int
		switch c := s[i]; {
		case !inTime && c == 'Y':
			unit, pos = 365*day, 1
		case !inTime && c == 'M':
			unit, pos = 30*day, 2
		case !inTime && c == 'D':
			unit, pos = day, 3
		case inTime && c == 'H':
			unit, pos = 3600e9, 4
		case inTime && c == 'M':
			unit, pos = 60e9, 5
		case inTime && c == 'S':
			unit, pos = 1e9, 6
		default:
			return 0, false
		}
		if pos <= order || !add(n, unit) || !add(fracNs, 1) {
			return 0, false
		}
		order = pos
		parts++
		if inTime {
			tparts++
		}
		s = s[i+1:]
	}
	if parts == 0 || (inTime && tparts == 0) {
		return 0, false
	}
	if neg && total != 0 {
		if total > 1<<63 {
			return 0, false
		}
		return TimeSpan(-int64(total-1) - 1), true
	}
	if total > math.MaxInt64 {
		return 0, false
	}
	return TimeSpan(int64(total)), true
}
