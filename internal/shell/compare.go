package shell

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ipps/ipps/internal/clixml"
)

// truthy is PowerShell's conversion to bool: $null, $false, 0, "" and an
// empty list are false; a one-item list is its item's truth.
func truthy(v clixml.Value) bool {
	if items, ok := listOf(v); ok {
		switch len(items) {
		case 0:
			return false
		case 1:
			return truthy(items[0])
		}
		return true
	}
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case *clixml.Object:
		if x.Primitive != nil {
			return truthy(x.Primitive)
		}
		if b, ok := clixml.AsBool(x); ok {
			return b
		}
		return true
	}
	if f, ok := toFloat(v); ok {
		return f != 0
	}
	return true
}

// toFloat converts numbers (and numeric strings, for comparisons with a
// numeric left side) to float64.
func toFloat(v clixml.Value) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case clixml.Decimal:
		f, err := strconv.ParseFloat(string(x), 64)
		return f, err == nil
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil && strings.TrimSpace(x) != ""
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	case *clixml.Object:
		if x != nil && x.Primitive != nil {
			return toFloat(x.Primitive)
		}
		return 0, false
	}
	if i, ok := clixml.AsInt64(v); ok {
		return float64(i), true
	}
	if u, ok := v.(uint64); ok {
		return float64(u), true
	}
	return 0, false
}

func isNumber(v clixml.Value) bool {
	switch v.(type) {
	case int, int8, int16, int32, int64, uint8, uint16, uint32, uint64, float32, float64, clixml.Decimal:
		return true
	}
	return false
}

// arith implements + - * / % on numbers, + on strings (concatenation)
// and + on lists (concatenation).
func arith(op string, l, r clixml.Value) (clixml.Value, error) {
	if items, ok := listOf(l); ok && op == "+" {
		out := append(append([]clixml.Value(nil), items...), unroll(r)...)
		return clixml.NewList(out...), nil
	}
	if s, ok := l.(string); ok && op == "+" {
		return s + clixml.DisplayString(r), nil
	}
	a, ok1 := toFloat(l)
	if l == nil {
		a, ok1 = 0, true
	}
	b, ok2 := toFloat(r)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("shell: operator %s: cannot convert %q to a number", op, clixml.DisplayString(r))
	}
	var f float64
	switch op {
	case "+":
		f = a + b
	case "-":
		f = a - b
	case "*":
		f = a * b
	case "/":
		if b == 0 {
			return nil, fmt.Errorf("shell: attempted to divide by zero")
		}
		f = a / b
	case "%":
		if b == 0 {
			return nil, fmt.Errorf("shell: attempted to divide by zero")
		}
		f = math.Mod(a, b)
	}
	_, lf := l.(float64)
	_, rf := r.(float64)
	if !lf && !rf && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		if f >= math.MinInt32 && f <= math.MaxInt32 {
			return int32(f), nil
		}
		return int64(f), nil
	}
	return f, nil
}

// compare implements the comparison operators. As in PowerShell a
// collection on the left filters: the result is the items for which the
// comparison holds. The right side is converted to the left side's type.
func compare(op string, l, r clixml.Value) (clixml.Value, error) {
	cs := false
	if len(op) > 2 && (op[1] == 'c' || op[1] == 'i') && op != "-contains" && op != "-in" {
		cs = op[1] == 'c'
		op = "-" + op[2:]
	}
	switch op {
	case "-contains", "-notcontains":
		found := false
		for _, it := range unroll(l) {
			if equal(it, r, cs) {
				found = true
				break
			}
		}
		return found == (op == "-contains"), nil
	case "-in", "-notin":
		found := false
		for _, it := range unroll(r) {
			if equal(it, l, cs) {
				found = true
				break
			}
		}
		return found == (op == "-in"), nil
	}
	if items, ok := listOf(l); ok {
		var out []clixml.Value
		for _, it := range items {
			ok, err := compareOne(op, it, r, cs)
			if err != nil {
				return nil, err
			}
			if ok {
				out = append(out, it)
			}
		}
		return clixml.NewList(out...), nil
	}
	return compareOne(op, l, r, cs)
}

func compareOne(op string, l, r clixml.Value, cs bool) (bool, error) {
	switch op {
	case "-eq":
		return equal(l, r, cs), nil
	case "-ne":
		return !equal(l, r, cs), nil
	case "-gt":
		return order(l, r, cs) > 0, nil
	case "-ge":
		return order(l, r, cs) >= 0, nil
	case "-lt":
		return order(l, r, cs) < 0, nil
	case "-le":
		return order(l, r, cs) <= 0, nil
	case "-like", "-notlike":
		m := wildcard(clixml.DisplayString(r), !cs).MatchString(clixml.DisplayString(l))
		return m == (op == "-like"), nil
	case "-match", "-notmatch":
		pat := clixml.DisplayString(r)
		if !cs {
			pat = "(?i)" + pat
		}
		re, err := regexp.Compile(pat)
		if err != nil {
			return false, fmt.Errorf("shell: invalid regular expression pattern %q: %w", clixml.DisplayString(r), err)
		}
		m := re.MatchString(clixml.DisplayString(l))
		return m == (op == "-match"), nil
	}
	return false, fmt.Errorf("shell: unsupported operator %s", op)
}

// equal compares r to l after converting r to l's type.
func equal(l, r clixml.Value, cs bool) bool {
	if l == nil || r == nil {
		return l == nil && r == nil
	}
	if o, ok := l.(*clixml.Object); ok && o.Primitive != nil {
		// Enums compare by name or by value.
		if isNumber(r) {
			return equal(o.Primitive, r, cs)
		}
		return strEqual(clixml.DisplayString(l), clixml.DisplayString(r), cs)
	}
	switch x := l.(type) {
	case bool:
		return x == truthy(r)
	case string:
		return strEqual(x, clixml.DisplayString(r), cs)
	case clixml.DateTime:
		if y, ok := r.(clixml.DateTime); ok {
			return x.Time.Equal(y.Time)
		}
		t, ok := parseTime(clixml.DisplayString(r))
		return ok && x.Time.Equal(t)
	}
	if isNumber(l) {
		a, _ := toFloat(l)
		b, ok := toFloat(r)
		return ok && a == b
	}
	return strEqual(clixml.DisplayString(l), clixml.DisplayString(r), cs)
}

func strEqual(a, b string, cs bool) bool {
	if cs {
		return a == b
	}
	return strings.EqualFold(a, b)
}

// order compares l and r: numbers numerically, dates chronologically,
// bools false<true, everything else as case-insensitive text. $null sorts
// before any value.
func order(l, r clixml.Value, cs bool) int {
	switch {
	case l == nil && r == nil:
		return 0
	case l == nil:
		return -1
	case r == nil:
		return 1
	}
	if o, ok := l.(*clixml.Object); ok && o.Primitive != nil && isNumber(r) {
		l = o.Primitive
	}
	if isNumber(l) {
		a, _ := toFloat(l)
		if b, ok := toFloat(r); ok {
			return cmpFloat(a, b)
		}
	}
	if x, ok := l.(clixml.DateTime); ok {
		var t time.Time
		if y, ok := r.(clixml.DateTime); ok {
			t = y.Time
		} else if p, ok := parseTime(clixml.DisplayString(r)); ok {
			t = p
		} else {
			return strings.Compare(clixml.DisplayString(l), clixml.DisplayString(r))
		}
		return x.Time.Compare(t)
	}
	if x, ok := l.(bool); ok {
		y := truthy(r)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	}
	a, b := clixml.DisplayString(l), clixml.DisplayString(r)
	if !cs {
		if c := strings.Compare(strings.ToLower(a), strings.ToLower(b)); c != 0 {
			return c
		}
	}
	return strings.Compare(a, b)
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// parseTime reads dates written as en-US text or ISO 8601.
func parseTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02", "1/2/2006 3:04:05 PM", "1/2/2006 15:04:05", "1/2/2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// wildcard compiles a PowerShell wildcard pattern (* ? [abc] [a-z], `
// escapes) into an anchored regular expression.
func wildcard(pattern string, fold bool) *regexp.Regexp {
	var b strings.Builder
	if fold {
		b.WriteString("(?is)")
	} else {
		b.WriteString("(?s)")
	}
	b.WriteByte('^')
	rs := []rune(pattern)
	for i := 0; i < len(rs); i++ {
		switch r := rs[i]; r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteByte('.')
		case '`':
			if i+1 < len(rs) {
				i++
				b.WriteString(regexp.QuoteMeta(string(rs[i])))
			}
		case '[':
			j := i + 1
			for j < len(rs) && rs[j] != ']' {
				j++
			}
			if j >= len(rs) || j == i+1 {
				b.WriteString(regexp.QuoteMeta("["))
				continue
			}
			b.WriteByte('[')
			for _, c := range rs[i+1 : j] {
				if c == '\\' || c == '^' || c == '[' {
					b.WriteByte('\\')
				}
				b.WriteRune(c)
			}
			b.WriteByte(']')
			i = j
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteByte('$')
	re, err := regexp.Compile(b.String())
	if err != nil {
		return regexp.MustCompile(`^\b\B$`) // matches nothing
	}
	return re
}
