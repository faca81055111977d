package clixml

import (
	"errors"
	"fmt"
)

// Sentinel errors. Decoding errors wrap them so callers can branch with
// errors.Is.
var (
	// ErrTooDeep reports nesting beyond DecodeOptions.MaxDepth.
	ErrTooDeep = errors.New("clixml: nesting too deep")
	// ErrTooLarge reports input longer than DecodeOptions.MaxBytes.
	ErrTooLarge = errors.New("clixml: input too large")
	// ErrTooManyObjects reports more values than DecodeOptions.MaxObjects.
	ErrTooManyObjects = errors.New("clixml: too many objects")
	// ErrUnknownRef reports a <Ref> or <TNRef> whose RefId was not defined
	// earlier in the same message or document.
	ErrUnknownRef = errors.New("clixml: unknown reference")
	// ErrUnsupportedType reports a Go value that has no CLIXML form
	// (Marshal only).
	ErrUnsupportedType = errors.New("clixml: unsupported value type")
)

// SyntaxError reports malformed CLIXML: bad XML, an unexpected element or a
// primitive whose text does not parse. Offset is the byte offset in the
// input (after any BOM was removed) at which the decoder noticed the
// problem. Err, when not nil, is a sentinel such as ErrUnknownRef or the
// underlying parse error.
type SyntaxError struct {
	Msg    string
	Offset int64
	Err    error
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("clixml: %s (at byte %d)", e.Msg, e.Offset)
}

// Unwrap returns the wrapped cause.
func (e *SyntaxError) Unwrap() error { return e.Err }

// LimitError reports that a DecodeOptions bound was exceeded. Err is one of
// ErrTooDeep, ErrTooLarge and ErrTooManyObjects.
type LimitError struct {
	Err    error
	Limit  int
	Offset int64
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("%v (limit %d, at byte %d)", e.Err, e.Limit, e.Offset)
}

// Unwrap returns the sentinel.
func (e *LimitError) Unwrap() error { return e.Err }
