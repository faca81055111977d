package clixml

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxDisplay bounds DisplayString output so that shared or cyclic lists
// cannot make it explode.
const maxDisplay = 64 << 10

// DisplayString returns the text PowerShell would print for v as a scalar
// (what "$v" gives in the invariant culture, with en-US dates):
//
//   - nil is ""; strings, URI, Version, XMLDocument, ScriptBlock and
//     Decimal are their text; a Char is the character.
//   - bools are True and False; integers are decimal; floats use the
//     shortest round-trip digits with Infinity, -Infinity and NaN.
//   - DateTime is M/d/yyyy h:mm:ss tt (e.g. 6/13/2018 11:45:29 PM);
//     TimeSpan is [-][d.]hh:mm:ss[.fffffff]; GUID is lower-case 8-4-4-4-12.
//   - []byte is its numbers joined by spaces; SecureString is its type name.
//   - an object prints its ToString when present, else its primitive, else
//     a list's items joined by single spaces, else its first type name.
//
// Output is truncated at 64 KiB, nesting below 8 levels prints the type
// name, and at most 16384 values are visited, so cycles and shared
// structure terminate quickly.
func DisplayString(v Value) string {
	d := displayer{budget: maxDisplayNodes}
	d.value(v, 0)
	return d.sb.String()
}

// maxDisplayNodes bounds the values DisplayString visits, so that lists
// sharing items through <Ref> cannot make it run for exponential time.
const maxDisplayNodes = 1 << 14

type displayer struct {
	sb     strings.Builder
	budget int
}

func (d *displayer) value(v Value, depth int) {
	sb := &d.sb
	d.budget--
	if sb.Len() >= maxDisplay || d.budget < 0 {
		return
	}
	switch x := v.(type) {
	case nil:
	case string:
		sb.WriteString(x)
	case bool:
		if x {
			sb.WriteString("True")
		} else {
			sb.WriteString("False")
		}
	case Char:
		if r := rune(x); utf8.ValidRune(r) {
			sb.WriteRune(r)
		} else {
			sb.Write(appendWTF8Surrogate(nil, uint16(x)))
		}
	case float64:
		sb.WriteString(displayFloat(x, 64))
	case float32:
		sb.WriteString(displayFloat(float64(x), 32))
	case DateTime:
		sb.WriteString(displayDateTime(x))
	case TimeSpan:
		sb.WriteString(displayTimeSpan(x))
	case GUID:
		sb.Write(appendGUID(nil, x))
	case []byte:
		for i, c := range x {
			if i > 0 {
				sb.WriteByte(' ')
			}
			sb.WriteString(strconv.Itoa(int(c)))
			if sb.Len() >= maxDisplay {
				return
			}
		}
	case Decimal:
		sb.WriteString(string(x))
	case URI:
		sb.WriteString(string(x))
	case Version:
		sb.WriteString(string(x))
	case XMLDocument:
		sb.WriteString(string(x))
	case ScriptBlock:
		sb.WriteString(string(x))
	case SecureString:
		sb.WriteString("System.Security.SecureString")
	case *Object:
		d.object(x, depth)
	default:
		if i, ok := AsInt64(v); ok {
			sb.WriteString(strconv.FormatInt(i, 10))
		} else if u, ok := v.(uint64); ok {
			sb.WriteString(strconv.FormatUint(u, 10))
		}
	}
}

func (d *displayer) object(o *Object, depth int) {
	sb := &d.sb
	switch {
	case o == nil:
	case o.ToString != nil:
		sb.WriteString(*o.ToString)
	case o.Primitive != nil:
		d.value(o.Primitive, depth+1)
	case o.Base != nil:
		if depth > 8 {
			sb.WriteString(TypeName(o))
			return
		}
		d.object(o.Base, depth+1)
	case o.Kind != NoContainer && o.Kind != Dictionary:
		if depth > 8 {
			sb.WriteString(TypeName(o))
			return
		}
		for i, it := range o.Items {
			if i > 0 {
				sb.WriteByte(' ')
			}
			d.value(it, depth+1)
			if sb.Len() >= maxDisplay || d.budget < 0 {
				return
			}
		}
	default:
		sb.WriteString(TypeName(o))
	}
}

func displayFloat(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return string(appendFloat(nil, f, bits))
}

func displayDateTime(dt DateTime) string {
	t := dt.Time
	if dt.Kind == KindUtc {
		t = t.UTC()
	}
	return t.Format("1/2/2006 3:04:05 PM")
}

func displayTimeSpan(ts TimeSpan) string {
	var b []byte
	d := int64(ts)
	mag := uint64(d)
	if d < 0 {
		b = append(b, '-')
		mag = uint64(-(d + 1)) + 1
	}
	ticks := mag / 100
	const tps = 10_000_000
	days := ticks / (86400 * tps)
	rest := ticks % (86400 * tps)
	if days > 0 {
		b = strconv.AppendUint(b, days, 10)
		b = append(b, '.')
	}
	b = appendPad(b, int(rest/(3600*tps)), 2)
	b = append(b, ':')
	b = appendPad(b, int(rest/(60*tps)%60), 2)
	b = append(b, ':')
	b = appendPad(b, int(rest/tps%60), 2)
	if f := rest % tps; f > 0 {
		b = append(b, '.')
		b = appendPad(b, int(f), 7)
	}
	return string(b)
}
