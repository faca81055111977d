package cmdlet

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/ipps/ipps/internal/clixml"
)

// UnlimitedValue is an Exchange Unlimited`1 value: either unlimited or a
// number (for retention durations, days).
type UnlimitedValue struct {
	Unlimited bool
	Value     int64
}

// String renders "Unlimited" or the number, as Exchange does.
func (u UnlimitedValue) String() string {
	if u.Unlimited {
		return "Unlimited"
	}
	return strconv.FormatInt(u.Value, 10)
}

// MultiValue is a bound MultiValuedProperty parameter: either a replacement
// list (Replace non-nil) or the @{Add=..;Remove=..} form.
type MultiValue struct {
	Replace     []string
	Add, Remove []string
	// IsReplace is true when a plain list (possibly empty) was given.
	IsReplace bool
}

// Apply returns cur modified by m: replaced, or with Add appended (skipping
// case-insensitive duplicates) and Remove taken out.
func (m *MultiValue) Apply(cur []string) []string {
	if m == nil {
		return cur
	}
	if m.IsReplace {
		return append([]string(nil), m.Replace...)
	}
	out := append([]string(nil), cur...)
	for _, a := range m.Add {
		if !containsFold(out, a) {
			out = append(out, a)
		}
	}
	kept := out[:0]
	for _, v := range out {
		if !containsFold(m.Remove, v) {
			kept = append(kept, v)
		}
	}
	return kept
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// TypeName returns the .NET type name metadata reports for p.
func (p *Param) TypeName() string {
	if p.Type != "" && (p.Kind != Enum || !p.Multi) {
		return p.Type
	}
	var t string
	switch p.Kind {
	case Int:
		t = "System.Int32"
	case Bool:
		t = "System.Boolean"
	case Switch:
		return "System.Management.Automation.SwitchParameter"
	case Enum:
		t = p.Type
	case SecureString:
		t = "System.Security.SecureString"
	case DateTime:
		t = "System.DateTime"
	case Unlimited:
		t = "Microsoft.Exchange.Data.Unlimited`1[System.Int32]"
	case Hashtable:
		t = "System.Collections.Hashtable"
	case GUID:
		t = "System.Guid"
	default:
		t = "System.String"
	}
	if p.Multi {
		if p.AddRemove {
			return "Microsoft.Exchange.Data.MultiValuedProperty`1[System.String]"
		}
		return t + "[]"
	}
	return t
}

// unwrap strips an extended-primitive object down to its primitive.
func unwrap(v clixml.Value) clixml.Value {
	if o, ok := v.(*clixml.Object); ok && o.Primitive != nil && o.Kind == clixml.NoContainer {
		return o.Primitive
	}
	return v
}

// items returns the elements of a list value and whether v was a list.
func items(v clixml.Value) ([]clixml.Value, bool) {
	switch x := v.(type) {
	case *clixml.Object:
		switch x.Kind {
		case clixml.List, clixml.Enumerable, clixml.Stack, clixml.Queue:
			return x.Items, true
		}
	case []clixml.Value:
		return x, true
	case []string:
		out := make([]clixml.Value, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out, true
	}
	return nil, false
}

// convert turns an argument value into the Go value for p (see Bound for
// the types).
func convert(c *Cmdlet, p *Param, v clixml.Value) (any, *BindError) {
	if p.AddRemove {
		if o, ok := v.(*clixml.Object); ok && o.Kind == clixml.Dictionary {
			return convertAddRemove(c, p, o)
		}
	}
	if p.Multi {
		list, ok := items(v)
		if !ok {
			list = []clixml.Value{v}
		}
		out := make([]any, 0, len(list))
		for _, it := range list {
			x, err := convertOne(c, p, it)
			if err != nil {
				return nil, err
			}
			out = append(out, x)
		}
		if ss, ok := asStrings(out); ok {
			if p.AddRemove {
				return &MultiValue{Replace: ss, IsReplace: true}, nil
			}
			return ss, nil
		}
		return out, nil
	}
	if list, ok := items(v); ok && p.Kind != Hashtable {
		if len(list) != 1 {
			return nil, bindErr(c, "CannotConvertArgument", p.Name, fmt.Sprintf(
				"Cannot convert 'System.Object[]' to the type '%s' required by parameter '%s'. Specified method is not supported.",
				p.TypeName(), p.Name))
		}
		v = list[0]
	}
	return convertOne(c, p, v)
}

func asStrings(vals []any) ([]string, bool) {
	out := make([]string, len(vals))
	for i, v := range vals {
		s, ok := v.(string)
		if !ok {
			return nil, false
		}
		out[i] = s
	}
	return out, true
}

func convertAddRemove(c *Cmdlet, p *Param, o *clixml.Object) (any, *BindError) {
	m := &MultiValue{}
	for _, e := range o.Entries {
		key := strings.ToLower(argText(unwrap(e.Key)))
		list, ok := items(e.Value)
		if !ok {
			list = []clixml.Value{e.Value}
		}
		var vals []string
		for _, it := range list {
			if it == nil {
				continue
			}
			x, err := convertOne(c, p, it)
			if err != nil {
				return nil, err
			}
			vals = append(vals, fmt.Sprint(x))
		}
		switch key {
		case "add":
			m.Add = append(m.Add, vals...)
		case "remove":
			m.Remove = append(m.Remove, vals...)
		default:
			return nil, bindErr(c, "CannotConvertArgumentNoMessage", p.Name, fmt.Sprintf(
				"Cannot bind parameter '%s'. Cannot convert value \"System.Collections.Hashtable\" to type \"%s\". Error: \"The hash table key '%s' isn't valid. Valid keys are Add and Remove.\"",
				p.Name, p.TypeName(), argText(unwrap(e.Key))))
		}
	}
	return m, nil
}

func cannotConvert(c *Cmdlet, p *Param, v clixml.Value, typ, detail string) *BindError {
	return bindErr(c, "CannotConvertArgumentNoMessage", p.Name, fmt.Sprintf(
		"Cannot bind parameter '%s'. Cannot convert value \"%s\" to type \"%s\". Error: \"%s\"", p.Name, argText(v), typ, detail))
}

func scalarType(p *Param) string {
	q := *p
	q.Multi = false
	return q.TypeName()
}

// convertOne converts a single (non-list) value.
func convertOne(c *Cmdlet, p *Param, v clixml.Value) (any, *BindError) {
	if o, ok := v.(*clixml.Object); ok && p.Kind == Enum && o.ToString != nil && o.Primitive != nil {
		v = *o.ToString // an enum object: match its name, not its number
	}
	v = unwrap(v)
	switch p.Kind {
	case Switch, Bool:
		switch x := v.(type) {
		case bool:
			return x, nil
		case int32:
			return x != 0, nil
		case int64:
			return x != 0, nil
		case int:
			return x != 0, nil
		case *clixml.Object:
			if ip, ok := x.Get("IsPresent"); ok {
				if b, ok := unwrap(ip).(bool); ok {
					return b, nil
				}
			}
		}
		return nil, transformErr(c, p.Name, fmt.Sprintf(
			"Cannot process argument transformation on parameter '%s'. Cannot convert value \"%s\" to type \"%s\". Boolean parameters accept only Boolean values and numbers, such as $True, $False, 1 or 0.",
			p.Name, dotnetType(v), scalarType(p)))
	case Int:
		var n int64
		switch x := v.(type) {
		case int32:
			n = int64(x)
		case int64:
			n = x
		case int:
			n = int64(x)
		case uint8, int8, int16, uint16, uint32:
			n, _ = strconv.ParseInt(fmt.Sprint(x), 10, 64)
		case float64:
			n = int64(math.Round(x))
		case string:
			s := strings.TrimSpace(x)
			var err error
			if strings.HasPrefix(strings.ToLower(s), "0x") {
				n, err = strconv.ParseInt(s[2:], 16, 64)
			} else {
				n, err = strconv.ParseInt(s, 10, 64)
			}
			if err != nil {
				return nil, cannotConvert(c, p, v, "System.Int32", "Input string was not in a correct format.")
			}
		default:
			return nil, cannotConvert(c, p, v, "System.Int32", "Input string was not in a correct format.")
		}
		if n > math.MaxInt32 || n < math.MinInt32 {
			return nil, cannotConvert(c, p, v, "System.Int32", "Value was either too large or too small for an Int32.")
		}
		return int(n), nil
	case Enum:
		s := argText(v)
		for _, name := range p.Values {
			if strings.EqualFold(strings.TrimSpace(s), name) {
				return name, nil
			}
		}
		if n, err := strconv.Atoi(s); err == nil && n >= 0 && n < len(p.Values) {
			return p.Values[n], nil
		}
		return nil, cannotConvert(c, p, v, scalarType(p), fmt.Sprintf(
			"Unable to match the identifier name %s to a valid enumerator name. Specify one of the following enumerator names and try again:\r\n%s",
			s, strings.Join(p.Values, ", ")))
	case DateTime:
		switch x := v.(type) {
		case clixml.DateTime:
			return x.Time.UTC(), nil
		case time.Time:
			return x.UTC(), nil
		case string:
			if t, ok := parseDate(x); ok {
				return t, nil
			}
		}
		return nil, cannotConvert(c, p, v, "System.DateTime", "String was not recognized as a valid DateTime.")
	case Unlimited:
		switch x := v.(type) {
		case int32, int64, int:
			n, _ := strconv.ParseInt(fmt.Sprint(x), 10, 64)
			return UnlimitedValue{Value: n}, nil
		case clixml.TimeSpan:
			return UnlimitedValue{Value: int64(time.Duration(x) / (24 * time.Hour))}, nil
		case string:
			s := strings.TrimSpace(x)
			if strings.EqualFold(s, "unlimited") {
				return UnlimitedValue{Unlimited: true}, nil
			}
			if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= 0 {
				return UnlimitedValue{Value: n}, nil
			}
			if d, ok := parseTimeSpan(s); ok {
				return UnlimitedValue{Value: int64(d / (24 * time.Hour))}, nil
			}
		}
		return nil, transformErr(c, p.Name, fmt.Sprintf(
			"Cannot process argument transformation on parameter '%s'. Cannot convert value \"%s\" to type \"%s\". Error: \"The value \"%s\" isn't valid.\"",
			p.Name, argText(v), scalarType(p), argText(v)))
	case GUID:
		switch x := v.(type) {
		case clixml.GUID:
			return uuid.UUID(x).String(), nil
		case string:
			if u, err := uuid.Parse(strings.TrimSpace(x)); err == nil {
				return u.String(), nil
			}
		}
		return nil, cannotConvert(c, p, v, "System.Guid", "Guid should contain 32 digits with 4 dashes (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx).")
	case SecureString:
		switch x := v.(type) {
		case clixml.SecureString:
			return x, nil
		case string:
			return clixml.SecureString(x), nil
		}
		return nil, cannotConvert(c, p, v, "System.Security.SecureString", "Specified cast is not valid.")
	case Hashtable:
		return v, nil
	case Identity:
		if o, ok := v.(*clixml.Object); ok {
			for _, k := range []string{"Identity", "Name", "Guid"} {
				if iv, ok := o.Get(k); ok && iv != nil {
					return argText(unwrap(iv)), nil
				}
			}
		}
		return argText(v), nil
	default: // String
		if v == nil {
			return nil, nil
		}
		return argText(v), nil
	}
}

// dotnetType names the .NET type of a value for transformation messages.
func dotnetType(v clixml.Value) string {
	switch x := v.(type) {
	case string:
		return "System.String"
	case nil:
		return ""
	case clixml.DateTime:
		return "System.DateTime"
	case *clixml.Object:
		if len(x.TypeNames) > 0 {
			return x.TypeNames[0]
		}
		return "System.Management.Automation.PSObject"
	default:
		return argText(v)
	}
}

var dateLayouts = []string{
	time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02",
	"1/2/2006 3:04:05 PM", "1/2/2006 15:04:05", "1/2/2006 15:04", "1/2/2006",
}

// parseDate parses the invariant-culture forms PowerShell accepts; values
// without a zone are UTC (Search-UnifiedAuditLog treats them so).
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// parseTimeSpan parses [d.]hh:mm:ss.
func parseTimeSpan(s string) (time.Duration, bool) {
	var days int64
	if d, rest, ok := strings.Cut(s, "."); ok && !strings.Contains(d, ":") {
		n, err := strconv.ParseInt(d, 10, 64)
		if err != nil {
			return 0, false
		}
		days, s = n, rest
	}
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return 0, false
	}
	var hms [3]int64
	for i, p := range parts {
		n, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return 0, false
		}
		hms[i] = n
	}
	return time.Duration(days)*24*time.Hour + time.Duration(hms[0])*time.Hour +
		time.Duration(hms[1])*time.Minute + time.Duration(hms[2])*time.Second, true
}
