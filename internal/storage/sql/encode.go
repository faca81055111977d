package sql

import (
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/ipps/ipps/internal/storage"
)

// Representable bounds of int64 Unix nanoseconds.
var (
	minTime = time.Unix(0, math.MinInt64).UTC()
	maxTime = time.Unix(0, math.MaxInt64).UTC()
)

// tv encodes t for a BIGINT column: NULL for the zero time, otherwise
// Unix nanoseconds clamped to the representable range.
func tv(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return nanos(t)
}

// nanos is tv for NOT NULL columns and comparisons.
func nanos(t time.Time) int64 {
	switch {
	case t.Before(minTime):
		return math.MinInt64
	case t.After(maxTime):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// timeCol scans a nullable BIGINT nanosecond column into a UTC time.
type timeCol struct{ t *time.Time }

func (c timeCol) Scan(src any) error {
	var n sql.NullInt64
	if err := n.Scan(src); err != nil {
		return err
	}
	if !n.Valid {
		*c.t = time.Time{}
		return nil
	}
	*c.t = time.Unix(0, n.Int64).UTC()
	return nil
}

func tc(t *time.Time) timeCol { return timeCol{t} }

// jsonCol scans a JSON text column into v ("" or NULL leave v zero).
type jsonCol struct{ v any }

func (c jsonCol) Scan(src any) error {
	var b []byte
	switch x := src.(type) {
	case nil:
		return nil
	case string:
		b = []byte(x)
	case []byte:
		b = x
	default:
		return fmt.Errorf("json column: unexpected %T", src)
	}
	if len(b) == 0 {
		return nil
	}
	return json.Unmarshal(b, c.v)
}

func jc(v any) jsonCol { return jsonCol{v} }

// jv encodes v as JSON text; nil slices become "[]".
func jv(v any) string {
	if ss, ok := v.([]string); ok && len(ss) == 0 {
		return "[]" // what the encoding below yields, without it
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic("storage: json encode: " + err.Error()) // only plain data types reach here
	}
	if string(b) == "null" {
		return "[]"
	}
	return string(b)
}

// nonEmpty returns nil for empty slices so that results never carry
// empty-but-non-nil slices.
func nonEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

// Cursors are base64url-encoded JSON arrays of the last row's sort key.

func encodeCursor(key ...any) string {
	b, _ := json.Marshal(key)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(c string, key ...any) error {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return fmt.Errorf("storage: bad cursor: %w", err)
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil || len(raw) != len(key) {
		return fmt.Errorf("storage: bad cursor")
	}
	for i := range key {
		if err := json.Unmarshal(raw[i], key[i]); err != nil {
			return fmt.Errorf("storage: bad cursor: %w", err)
		}
	}
	return nil
}

// pageSize normalizes a requested page size.
func pageSize(p storage.Page) int {
	switch {
	case p.Size <= 0:
		return storage.DefaultPageSize
	case p.Size > storage.MaxPageSize:
		return storage.MaxPageSize
	}
	return p.Size
}
