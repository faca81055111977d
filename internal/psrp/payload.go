package psrp

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/ipps/ipps/internal/clixml"
)

// ErrPayload is wrapped by every *PayloadError.
var ErrPayload = errors.New("psrp: malformed message data")

// PayloadError reports message data that is not valid CLIXML or lacks a
// property the message type requires. Field is the property path, empty
// when the CLIXML itself failed to decode.
type PayloadError struct {
	Type  MessageType
	Field string
	Err   error
}

func (e *PayloadError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("psrp: malformed %v data: %v", e.Type, e.Err)
	}
	return fmt.Sprintf("psrp: malformed %v data: %s: %v", e.Type, e.Field, e.Err)
}

// Unwrap returns ErrPayload and the underlying cause.
func (e *PayloadError) Unwrap() []error { return []error{ErrPayload, e.Err} }

var (
	errMissing   = errors.New("missing")
	errWrongType = errors.New("wrong type")
)

// decodeValue unmarshals message data. Empty data decodes to nil ($null),
// as for PIPELINE_OUTPUT (MS-PSRP 2.2.2.17).
func decodeValue(t MessageType, data []byte) (clixml.Value, error) {
	if len(data) == 0 {
		return nil, nil
	}
	v, err := clixml.Unmarshal(data)
	if err != nil {
		return nil, &PayloadError{Type: t, Err: err}
	}
	return v, nil
}

// decodeObject unmarshals message data that must be a complex object.
func decodeObject(t MessageType, data []byte) (*clixml.Object, error) {
	v, err := decodeValue(t, data)
	if err != nil {
		return nil, err
	}
	o, ok := v.(*clixml.Object)
	if !ok || o == nil {
		return nil, &PayloadError{Type: t, Err: fmt.Errorf("%w: want <Obj>, got %T", errWrongType, v)}
	}
	return o, nil
}

// marshal encodes message data. It fails only for values outside the
// clixml model, which can come from the application (a TargetObject,
// MessageData or argument value) or from a decoded cyclic graph.
func marshal(v clixml.Value) ([]byte, error) {
	b, err := clixml.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("psrp: encode message data: %w", err)
	}
	return b, nil
}

// version returns s as a <Version> when it is one (2 to 4 dot-separated
// Int32 parts) and as an <S> otherwise, so that text decoded from a lax
// peer re-encodes instead of failing.
func version(s string) clixml.Value {
	parts := strings.Split(s, ".")
	if len(parts) < 2 || len(parts) > 4 {
		return s
	}
	for _, p := range parts {
		if n, err := strconv.ParseInt(p, 10, 32); err != nil || n < 0 || strings.TrimLeft(p, "0123456789") != "" {
			return s
		}
	}
	return clixml.Version(s)
}

// fields reads properties of a decoded object case-insensitively
// (PowerShell's lookups are) and keeps the first error.
type fields struct {
	t   MessageType
	o   *clixml.Object
	err error
}

func (f *fields) fail(name string, err error) {
	if f.err == nil {
		f.err = &PayloadError{Type: f.t, Field: name, Err: err}
	}
}

func (f *fields) get(name string, required bool) (clixml.Value, bool) {
	v, ok := f.o.Get(name)
	if !ok && required {
		f.fail(name, errMissing)
	}
	return v, ok
}

func (f *fields) int(name string, required bool) int64 {
	v, ok := f.get(name, required)
	if !ok {
		return 0
	}
	n, ok := clixml.AsInt64(v)
	if !ok {
		f.fail(name, errWrongType)
	}
	return n
}

func (f *fields) bool(name string, required bool) bool {
	v, ok := f.get(name, required)
	if !ok || v == nil {
		return false
	}
	b, ok := clixml.AsBool(v)
	if !ok {
		f.fail(name, errWrongType)
	}
	return b
}

// str reads a string property; Nil reads as "".
func (f *fields) str(name string, required bool) string {
	v, ok := f.get(name, required)
	if !ok || v == nil {
		return ""
	}
	return textOf(v)
}

// textOf returns the text of a string-like value (S, Version, URI, or an
// object with ToString), or "".
func textOf(v clixml.Value) string {
	switch x := v.(type) {
	case string:
		return x
	case clixml.Version:
		return string(x)
	case clixml.URI:
		return string(x)
	case *clixml.Object:
		if s, ok := clixml.AsString(x); ok {
			return s
		}
		if x != nil && x.ToString != nil {
			return *x.ToString
		}
	}
	return ""
}

// stringList reads a list of strings; Nil or absent yields nil.
func (f *fields) stringList(name string) []string {
	v, ok := f.get(name, false)
	if !ok || v == nil {
		return nil
	}
	if s, ok := v.(string); ok {
		return []string{s}
	}
	items, ok := clixml.AsList(v)
	if !ok {
		f.fail(name, errWrongType)
		return nil
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, textOf(it))
	}
	return out
}

func prop(name string, v clixml.Value) clixml.Property { return clixml.Property{Name: name, Value: v} }

// msObject returns a type-less object with note properties, the shape of
// most PSRP control messages.
func msObject(props ...clixml.Property) *clixml.Object { return &clixml.Object{Extended: props} }

func nilIfEmpty(s string) clixml.Value {
	if s == "" {
		return nil
	}
	return s
}
