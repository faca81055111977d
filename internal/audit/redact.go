package audit

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/cmdlet"
)

// Redact renders params as a JSON object of name → value with secret
// values replaced by "hmac-sha256:<hex>". The output is exactly what
// encoding/json makes of a map[string]any of those values: keys sorted
// bytewise, the last of equal names winning, strings HTML-escaped.
//
// Parameters of the common kinds (strings, string lists, booleans,
// integers, times, Unlimited values, secrets) are written directly; any
// other kind sends the whole object through encoding/json.
func (b *Broker) Redact(params []cmdlet.BoundParam) (json.RawMessage, error) {
	if out, ok := b.redactDirect(params); ok {
		return out, nil
	}
	return b.redactJSON(params)
}

// redactJSON is Redact through encoding/json alone: the general path, and
// the reference the direct encoding must match byte for byte.
func (b *Broker) redactJSON(params []cmdlet.BoundParam) (json.RawMessage, error) {
	m := make(map[string]any, len(params))
	for _, p := range params {
		if p.Param.IsSecret() {
			m[p.Param.Name] = b.hmac(p.Value)
			continue
		}
		m[p.Param.Name] = jsonValue(p.Value)
	}
	return json.Marshal(m)
}

// redactDirect is Redact for parameters whose values all have a direct
// encoding (see appendDirect); ok is false otherwise.
func (b *Broker) redactDirect(params []cmdlet.BoundParam) (out json.RawMessage, ok bool) {
	var stack [16]int
	order := stack[:0]
	for i, p := range params {
		if !p.Param.IsSecret() && !direct(p.Value) {
			return nil, false
		}
		// Insertion sort by name; an equal name replaces the earlier
		// entry, as a later map assignment would.
		j := len(order)
		for j > 0 && params[order[j-1]].Param.Name > p.Param.Name {
			j--
		}
		if j > 0 && params[order[j-1]].Param.Name == p.Param.Name {
			order[j-1] = i
			continue
		}
		order = append(order, 0)
		copy(order[j+1:], order[j:])
		order[j] = i
	}
	buf := make([]byte, 0, 64*len(order)+2)
	buf = append(buf, '{')
	for k, i := range order {
		if k > 0 {
			buf = append(buf, ',')
		}
		p := params[i]
		buf = appendJSONString(buf, p.Param.Name)
		buf = append(buf, ':')
		if p.Param.IsSecret() {
			buf = appendJSONString(buf, b.hmac(p.Value))
			continue
		}
		buf = appendDirect(buf, p.Value)
	}
	return append(buf, '}'), true
}

// direct reports whether appendDirect can encode v.
func direct(v any) bool {
	switch v.(type) {
	case nil, string, bool, int, []string, time.Time, cmdlet.UnlimitedValue:
		return true
	}
	return false
}

// appendDirect appends the JSON encoding of jsonValue(v) for a v that
// direct accepts.
func appendDirect(buf []byte, v any) []byte {
	switch x := v.(type) {
	case string:
		return appendJSONString(buf, x)
	case bool:
		return strconv.AppendBool(buf, x)
	case int:
		return strconv.AppendInt(buf, int64(x), 10)
	case []string:
		if x == nil {
			return append(buf, "null"...)
		}
		buf = append(buf, '[')
		for i, s := range x {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendJSONString(buf, s)
		}
		return append(buf, ']')
	case time.Time:
		return appendJSONString(buf, x.UTC().Format(time.RFC3339Nano))
	case cmdlet.UnlimitedValue:
		return appendJSONString(buf, x.String())
	}
	return append(buf, "null"...)
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as encoding/json writes a string with HTML
// escaping on: ", \ and control characters escaped, <, > and & as
// \u003c..., invalid UTF-8 as \ufffd, U+2028 and U+2029 as escapes.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '\\', '"':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

func (b *Broker) hmac(v any) string {
	mac := hmac.New(sha256.New, b.cfg.HMACKey)
	switch x := v.(type) {
	case clixml.SecureString:
		mac.Write(x)
	case []byte:
		mac.Write(x)
	default:
		fmt.Fprint(mac, x)
	}
	return "hmac-sha256:" + hex.EncodeToString(mac.Sum(nil))
}

// jsonValue maps bound values to JSON-friendly values.
func jsonValue(v any) any {
	switch x := v.(type) {
	case nil, string, bool, int, []string:
		return x
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case cmdlet.UnlimitedValue:
		return x.String()
	case *cmdlet.MultiValue:
		if x.IsReplace {
			return x.Replace
		}
		return map[string][]string{"Add": x.Add, "Remove": x.Remove}
	case *clixml.Object:
		if x.Kind == clixml.Dictionary {
			m := map[string]any{}
			for _, e := range x.Entries {
				m[fmt.Sprint(e.Key)] = jsonValue(e.Value)
			}
			return m
		}
		if x.ToString != nil {
			return *x.ToString
		}
		return fmt.Sprint(x.TypeNames)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonValue(e)
		}
		return out
	default:
		return fmt.Sprint(x)
	}
}
