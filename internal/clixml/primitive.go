package clixml

import (
	"encoding/base64"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// primKind enumerates the primitive element kinds of MS-PSRP 2.2.5.1.
type primKind uint8

const (
	pkString primKind = iota
	pkChar
	pkBool
	pkDateTime
	pkTimeSpan
	pkByte
	pkSByte
	pkUInt16
	pkInt16
	pkUInt32
	pkInt32
	pkUInt64
	pkInt64
	pkSingle
	pkDouble
	pkDecimal
	pkBytes
	pkGUID
	pkURI
	pkVersion
	pkXML
	pkScript
	pkSecure
	pkCount
)

// primitives maps each kind to its element name and .NET type name.
var primitives = [pkCount]struct{ tag, dotnet string }{
	pkString:   {"S", "System.String"},
	pkChar:     {"C", "System.Char"},
	pkBool:     {"B", "System.Boolean"},
	pkDateTime: {"DT", "System.DateTime"},
	pkTimeSpan: {"TS", "System.TimeSpan"},
	pkByte:     {"By", "System.Byte"},
	pkSByte:    {"SB", "System.SByte"},
	pkUInt16:   {"U16", "System.UInt16"},
	pkInt16:    {"I16", "System.Int16"},
	pkUInt32:   {"U32", "System.UInt32"},
	pkInt32:    {"I32", "System.Int32"},
	pkUInt64:   {"U64", "System.UInt64"},
	pkInt64:    {"I64", "System.Int64"},
	pkSingle:   {"Sg", "System.Single"},
	pkDouble:   {"Db", "System.Double"},
	pkDecimal:  {"D", "System.Decimal"},
	pkBytes:    {"BA", "System.Byte[]"},
	pkGUID:     {"G", "System.Guid"},
	pkURI:      {"URI", "System.Uri"},
	pkVersion:  {"Version", "System.Version"},
	pkXML:      {"XD", "System.Xml.XmlDocument"},
	pkScript:   {"SBK", "System.Management.Automation.ScriptBlock"},
	pkSecure:   {"SS", "System.Security.SecureString"},
}

// kindOf classifies a Go value of the model. Go int is accepted as a
// convenience and classified as I32 when it fits, else I64.
func kindOf(v Value) (primKind, bool) {
	switch x := v.(type) {
	case string:
		return pkString, true
	case Char:
		return pkChar, true
	case bool:
		return pkBool, true
	case DateTime:
		return pkDateTime, true
	case TimeSpan:
		return pkTimeSpan, true
	case uint8:
		return pkByte, true
	case int8:
		return pkSByte, true
	case uint16:
		return pkUInt16, true
	case int16:
		return pkInt16, true
	case uint32:
		return pkUInt32, true
	case int32:
		return pkInt32, true
	case uint64:
		return pkUInt64, true
	case int64:
		return pkInt64, true
	case int:
		if x >= math.MinInt32 && x <= math.MaxInt32 {
			return pkInt32, true
		}
		return pkInt64, true
	case float32:
		return pkSingle, true
	case float64:
		return pkDouble, true
	case Decimal:
		return pkDecimal, true
	case []byte:
		return pkBytes, true
	case GUID:
		return pkGUID, true
	case URI:
		return pkURI, true
	case Version:
		return pkVersion, true
	case XMLDocument:
		return pkXML, true
	case ScriptBlock:
		return pkScript, true
	case SecureString:
		return pkSecure, true
	}
	return 0, false
}

// tagKind maps an element name to its primitive kind.
func tagKind(tag string) (primKind, bool) {
	switch tag {
	case "S":
		return pkString, true
	case "C":
		return pkChar, true
	case "B":
		return pkBool, true
	case "DT":
		return pkDateTime, true
	case "TS":
		return pkTimeSpan, true
	case "By":
		return pkByte, true
	case "SB":
		return pkSByte, true
	case "U16":
		return pkUInt16, true
	case "I16":
		return pkInt16, true
	case "U32":
		return pkUInt32, true
	case "I32":
		return pkInt32, true
	case "U64":
		return pkUInt64, true
	case "I64":
		return pkInt64, true
	case "Sg":
		return pkSingle, true
	case "Db":
		return pkDouble, true
	case "D":
		return pkDecimal, true
	case "BA":
		return pkBytes, true
	case "G":
		return pkGUID, true
	case "URI":
		return pkURI, true
	case "Version":
		return pkVersion, true
	case "XD":
		return pkXML, true
	case "SBK":
		return pkScript, true
	case "SS":
		return pkSecure, true
	}
	return 0, false
}

// appendPrimitiveText appends the element text of the primitive v (of kind
// k) to b, escaped and ready to place between the tags.
func appendPrimitiveText(b []byte, k primKind, v Value) ([]byte, error) {
	switch k {
	case pkString:
		return appendEscaped(b, v.(string)), nil
	case pkChar:
		return strconv.AppendUint(b, uint64(v.(Char)), 10), nil
	case pkBool:
		return strconv.AppendBool(b, v.(bool)), nil
	case pkDateTime:
		return appendDateTime(b, v.(DateTime))
	case pkTimeSpan:
		return appendDuration(b, v.(TimeSpan)), nil
	case pkByte:
		return strconv.AppendUint(b, uint64(v.(uint8)), 10), nil
	case pkSByte:
		return strconv.AppendInt(b, int64(v.(int8)), 10), nil
	case pkUInt16:
		return strconv.AppendUint(b, uint64(v.(uint16)), 10), nil
	case pkInt16:
		return strconv.AppendInt(b, int64(v.(int16)), 10), nil
	case pkUInt32:
		return strconv.AppendUint(b, uint64(v.(uint32)), 10), nil
	case pkInt32, pkInt64:
		if i, ok := v.(int); ok {
			return strconv.AppendInt(b, int64(i), 10), nil
		}
		if k == pkInt32 {
			return strconv.AppendInt(b, int64(v.(int32)), 10), nil
		}
		return strconv.AppendInt(b, v.(int64), 10), nil
	case pkUInt64:
		return strconv.AppendUint(b, v.(uint64), 10), nil
	case pkSingle:
		return appendFloat(b, float64(v.(float32)), 32), nil
	case pkDouble:
		return appendFloat(b, v.(float64), 64), nil
	case pkDecimal:
		d := string(v.(Decimal))
		if !validDecimal(d) {
			return nil, fmt.Errorf("clixml: invalid D value %q", d)
		}
		return append(b, d...), nil
	case pkBytes:
		return base64.StdEncoding.AppendEncode(b, v.([]byte)), nil
	case pkGUID:
		return appendGUID(b, v.(GUID)), nil
	case pkURI:
		return appendEscaped(b, string(v.(URI))), nil
	case pkVersion:
		s := string(v.(Version))
		if !validVersion(s) {
			return nil, fmt.Errorf("clixml: invalid Version value %q", s)
		}
		return append(b, s...), nil
	case pkXML:
		return appendEscaped(b, string(v.(XMLDocument))), nil
	case pkScript:
		return appendEscaped(b, string(v.(ScriptBlock))), nil
	case pkSecure:
		return base64.StdEncoding.AppendEncode(b, v.(SecureString)), nil
	}
	return nil, ErrUnsupportedType
}

// parsePrimitive parses the (XML-unescaped) element text of kind k.
// Errors read like `clixml: invalid I32 value "x"`.
func parsePrimitive(k primKind, text string) (Value, error) {
	switch k {
	case pkString:
		return unescape(text), nil
	case pkURI:
		return URI(unescape(text)), nil
	case pkXML:
		return XMLDocument(unescape(text)), nil
	case pkScript:
		return ScriptBlock(unescape(text)), nil
	}
	return parseScalar(k, text)
}

// parseScalar parses the text of a kind other than S, URI, XD and SBK. It
// keeps no reference to text, so the decoder can pass it a non-escaping
// conversion of its buffer.
func parseScalar(k primKind, text string) (Value, error) {
	bad := func() error {
		return fmt.Errorf("clixml: invalid %s value %q", primitives[k].tag, strings.Clone(clip(text)))
	}
	t := strings.Trim(text, " \t\r\n")
	switch k {
	case pkChar:
		n, err := strconv.ParseUint(t, 10, 16)
		if err != nil {
			return nil, bad()
		}
		return Char(n), nil
	case pkBool:
		switch t {
		case "true", "1":
			return true, nil
		case "false", "0":
			return false, nil
		}
		return nil, bad()
	case pkDateTime:
		dt, ok := parseDateTime(t)
		if !ok {
			return nil, bad()
		}
		return dt, nil
	case pkTimeSpan:
		ts, ok := parseDuration(t)
		if !ok {
			return nil, bad()
		}
		return ts, nil
	case pkByte, pkUInt16, pkUInt32, pkUInt64:
		bits := [...]int{pkByte: 8, pkUInt16: 16, pkUInt32: 32, pkUInt64: 64}[k]
		n, err := strconv.ParseUint(strings.TrimPrefix(t, "+"), 10, bits)
		if err != nil || strings.HasPrefix(t, "+-") {
			return nil, bad()
		}
		switch k {
		case pkByte:
			return uint8(n), nil
		case pkUInt16:
			return uint16(n), nil
		case pkUInt32:
			return uint32(n), nil
		}
		return n, nil
	case pkSByte, pkInt16, pkInt32, pkInt64:
		bits := [...]int{pkSByte: 8, pkInt16: 16, pkInt32: 32, pkInt64: 64}[k]
		n, err := strconv.ParseInt(t, 10, bits)
		if err != nil {
			return nil, bad()
		}
		switch k {
		case pkSByte:
			return int8(n), nil
		case pkInt16:
			return int16(n), nil
		case pkInt32:
			return int32(n), nil
		}
		return n, nil
	case pkSingle:
		f, ok := parseFloat(t, 32)
		if !ok {
			return nil, bad()
		}
		return float32(f), nil
	case pkDouble:
		f, ok := parseFloat(t, 64)
		if !ok {
			return nil, bad()
		}
		return f, nil
	case pkDecimal:
		if !validDecimal(t) {
			return nil, bad()
		}
		return Decimal(strings.Clone(t)), nil
	case pkBytes, pkSecure:
		b, err := base64.StdEncoding.DecodeString(stripSpace(text))
		if err != nil {
			return nil, bad()
		}
		if k == pkSecure {
			return SecureString(b), nil
		}
		return b, nil
	case pkGUID:
		g, ok := parseGUID(t)
		if !ok {
			return nil, bad()
		}
		return g, nil
	case pkVersion:
		if !validVersion(t) {
			return nil, bad()
		}
		return Version(strings.Clone(t)), nil
	}
	return nil, bad()
}

// clip shortens text quoted in error messages.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

func stripSpace(s string) string {
	if !strings.ContainsAny(s, " \t\r\n") {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, s)
}

// validDecimal accepts the invariant System.Decimal text form: an optional
// sign, digits and an optional fractional part ("12", "-0.50", ".5").
func validDecimal(s string) bool {
	if s != "" && (s[0] == '-' || s[0] == '+') {
		s = s[1:]
	}
	digits, dot := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		default:
			return false
		}
	}
	return digits > 0 && digits <= 40
}

// validVersion accepts System.Version text: two to four dot-separated
// non-negative Int32 components.
func validVersion(s string) bool {
	n := 0
	for more := true; more; {
		var p string
		p, s, more = strings.Cut(s, ".")
		n++
		if n > 4 || p == "" || strings.TrimLeft(p, "0123456789") != "" {
			return false
		}
		if _, err := strconv.ParseInt(p, 10, 32); err != nil {
			return false
		}
	}
	return n >= 2
}

// appendFloat writes f as .NET's round-trip ("R") format does: the
// shortest digits, fixed notation for decimal exponents from -4 up to the
// type's precision (15 for Double, 7 for Single), otherwise 1.5E+20 style;
// and INF, -INF and NaN as XmlConvert does.
func appendFloat(b []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, 1):
		return append(b, "INF"...)
	case math.IsInf(f, -1):
		return append(b, "-INF"...)
	case f == 0:
		return strconv.AppendFloat(b, f, 'f', -1, bits)
	}
	var tmp [32]byte
	e := strconv.AppendFloat(tmp[:0], f, 'e', -1, bits)
	exp, _ := strconv.Atoi(string(e[strings.IndexByte(string(e), 'e')+1:]))
	limit := 15
	if bits == 32 {
		limit = 7
	}
	if exp >= -4 && exp < limit {
		return strconv.AppendFloat(b, f, 'f', -1, bits)
	}
	return strconv.AppendFloat(b, f, 'E', -1, bits)
}

// parseFloat accepts decimal floating-point text and INF, -INF, NaN. It
// rejects Go-only forms (hex floats, "Inf", underscores) and overflow.
func parseFloat(s string, bits int) (float64, bool) {
	switch s {
	case "INF", "+INF":
		return math.Inf(1), true
	case "-INF":
		return math.Inf(-1), true
	case "NaN":
		return math.NaN(), true
	}
	if s == "" || strings.TrimLeft(s, "0123456789.eE+-") != "" {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, bits)
	return f, err == nil
}

func appendGUID(b []byte, g GUID) []byte {
	const lower = "0123456789abcdef"
	for i, c := range g {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b = append(b, '-')
		}
		b = append(b, lower[c>>4], lower[c&0xF])
	}
	return b
}

// parseGUID accepts the .NET "D", "B", "P" and "N" forms, any hex case.
func parseGUID(s string) (GUID, bool) {
	var g GUID
	if len(s) == 38 && (s[0] == '{' && s[37] == '}' || s[0] == '(' && s[37] == ')') {
		s = s[1:37]
	}
	switch len(s) {
	case 36:
		if s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
			return g, false
		}
		s = s[:8] + s[9:13] + s[14:18] + s[19:23] + s[24:]
	case 32:
	default:
		return g, false
	}
	for i := range g {
		hi, ok1 := hexVal(s[2*i])
		lo, ok2 := hexVal(s[2*i+1])
		if !ok1 || !ok2 {
			return g, false
		}
		g[i] = hi<<4 | lo
	}
	return g, true
}
