package format

import (
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/ipps/ipps/internal/clixml"
)

// JSONOptions control WriteJSON.
type JSONOptions struct {
	// Depth is the maximum nesting depth (ConvertTo-Json -Depth); values
	// nested deeper are replaced by their ToString text and Truncated is
	// reported. 0 means 2, PowerShell's default; negative means 100.
	Depth int
	// Compress writes no whitespace (ConvertTo-Json -Compress).
	Compress bool
	// EnumsAsStrings writes enums as their names instead of numbers.
	EnumsAsStrings bool
	// AsArray writes an array even for a single object; otherwise one
	// object is written bare, as ConvertTo-Json does.
	AsArray bool
}

// WriteJSON writes objs as JSON the way PowerShell 7's ConvertTo-Json does
// (two-space indentation, "name": value, property order preserved,
// DateTime as ISO 8601 with seven fraction digits). It returns truncated
// true when some value exceeded Depth, for the caller's warning
// "Resulting JSON is truncated as serialization has exceeded the set depth of N.".
func WriteJSON(w io.Writer, objs []clixml.Value, opt JSONOptions) (truncated bool, err error) {
	if opt.Depth == 0 {
		opt.Depth = 2
	} else if opt.Depth < 0 {
		opt.Depth = 100
	}
	e := &jsonEncoder{opt: opt}
	var v clixml.Value
	switch {
	case len(objs) == 1 && !opt.AsArray:
		v = objs[0]
	default:
		v = clixml.NewList(objs...)
		e.opt.Depth++ // the wrapping array is not a level
	}
	e.value(v, 0, 0)
	if !opt.Compress {
		e.b.WriteByte('\n')
	}
	_, err = io.WriteString(w, e.b.String())
	return e.truncated, err
}

type jsonEncoder struct {
	b         strings.Builder
	opt       JSONOptions
	truncated bool
}

func (e *jsonEncoder) newline(indent int) {
	if e.opt.Compress {
		return
	}
	e.b.WriteByte('\n')
	e.b.WriteString(strings.Repeat("  ", indent))
}

func (e *jsonEncoder) value(v clixml.Value, depth, indent int) {
	switch x := v.(type) {
	case nil:
		e.b.WriteString("null")
		return
	case string:
		e.str(x)
		return
	case bool:
		e.b.WriteString(strconv.FormatBool(x))
		return
	case float64:
		e.float(x, 64)
		return
	case float32:
		e.float(float64(x), 32)
		return
	case clixml.Decimal:
		e.b.WriteString(string(x))
		return
	case clixml.DateTime:
		e.str(isoDateTime(x))
		return
	case clixml.GUID, clixml.TimeSpan, clixml.Char, clixml.URI, clixml.Version, clixml.XMLDocument, clixml.ScriptBlock, clixml.SecureString, []byte:
		e.str(clixml.DisplayString(x))
		return
	case *clixml.Object:
		if x == nil {
			e.b.WriteString("null")
			return
		}
		if x.Primitive != nil {
			if x.IsA(clixml.TypeEnum) && e.opt.EnumsAsStrings && x.ToString != nil {
				e.str(*x.ToString)
				return
			}
			e.value(x.Primitive, depth, indent)
			return
		}
		if depth > e.opt.Depth {
			e.truncated = true
			e.str(clixml.DisplayString(x))
			return
		}
		switch {
		case x.Kind == clixml.Dictionary:
			e.b.WriteByte('{')
			for i, en := range x.Entries {
				e.member(i, clixml.DisplayString(en.Key), en.Value, depth, indent)
			}
			e.close('}', len(x.Entries), indent)
		case x.Kind != clixml.NoContainer:
			e.b.WriteByte('[')
			for i, it := range x.Items {
				if i > 0 {
					e.b.WriteByte(',')
				}
				e.newline(indent + 1)
				e.value(it, depth+1, indent+1)
			}
			e.close(']', len(x.Items), indent)
		default:
			props := x.Properties()
			e.b.WriteByte('{')
			for i, p := range props {
				e.member(i, p.Name, p.Value, depth, indent)
			}
			e.close('}', len(props), indent)
		}
		return
	}
	if i, ok := clixml.AsInt64(v); ok {
		e.b.WriteString(strconv.FormatInt(i, 10))
		return
	}
	if u, ok := v.(uint64); ok {
		e.b.WriteString(strconv.FormatUint(u, 10))
		return
	}
	e.str(clixml.DisplayString(v))
}

func (e *jsonEncoder) member(i int, name string, v clixml.Value, depth, indent int) {
	if i > 0 {
		e.b.WriteByte(',')
	}
	e.newline(indent + 1)
	e.str(name)
	e.b.WriteByte(':')
	if !e.opt.Compress {
		e.b.WriteByte(' ')
	}
	e.value(v, depth+1, indent+1)
}

func (e *jsonEncoder) close(c byte, n, indent int) {
	if n > 0 {
		e.newline(indent)
	}
	e.b.WriteByte(c)
}

func (e *jsonEncoder) float(f float64, bits int) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		e.str(clixml.DisplayString(f))
		return
	}
	e.b.WriteString(strconv.FormatFloat(f, 'g', -1, bits))
}

// str writes s as a JSON string, escaping as Newtonsoft.Json does.
func (e *jsonEncoder) str(s string) {
	e.b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			e.b.WriteString(`\"`)
		case '\\':
			e.b.WriteString(`\\`)
		case '\n':
			e.b.WriteString(`\n`)
		case '\r':
			e.b.WriteString(`\r`)
		case '\t':
			e.b.WriteString(`\t`)
		case '\b':
			e.b.WriteString(`\b`)
		case '\f':
			e.b.WriteString(`\f`)
		default:
			if r < 0x20 || r == 0x7f {
				e.b.WriteString(`\u00`)
				e.b.WriteString(strconv.FormatInt(int64(r)>>4, 16))
				e.b.WriteString(strconv.FormatInt(int64(r)&0xf, 16))
			} else {
				e.b.WriteRune(r)
			}
		}
	}
	e.b.WriteByte('"')
}

// isoDateTime formats a DateTime as .NET's round-trip "o" format: seven
// fraction digits, "Z" for Utc, an offset for Local and nothing for
// Unspecified. It is valid RFC 3339 for Utc and Local values.
func isoDateTime(dt clixml.DateTime) string {
	t := dt.Time
	base := "2006-01-02T15:04:05.0000000"
	switch dt.Kind {
	case clixml.KindUtc:
		return t.UTC().Format(base + "Z")
	case clixml.KindLocal:
		return t.Format(base + "-07:00")
	}
	return t.Format(base)
}
