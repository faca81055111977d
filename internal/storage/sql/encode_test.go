package sql

import (
	"math"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/storage"
)

func TestTimeEncoding(t *testing.T) {
	if tv(time.Time{}) != nil {
		t.Fatal("zero time must be NULL")
	}
	zone := time.FixedZone("x", -7*3600)
	in := time.Date(2026, 1, 2, 3, 4, 5, 6, zone)
	var out time.Time
	if err := tc(&out).Scan(nanos(in)); err != nil {
		t.Fatal(err)
	}
	if !out.Equal(in) || out.Location() != time.UTC {
		t.Fatalf("round trip %v -> %v", in, out)
	}
	if err := tc(&out).Scan(nil); err != nil || !out.IsZero() {
		t.Fatalf("NULL scanned to %v, %v", out, err)
	}
	far := time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
	if nanos(far) != math.MaxInt64 || nanos(time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC)) != math.MinInt64 {
		t.Fatal("out-of-range instants must clamp")
	}
}

func TestCursor(t *testing.T) {
	c := encodeCursor("tenant", "policy 1", int64(42))
	var a, b string
	var n int64
	if err := decodeCursor(c, &a, &b, &n); err != nil || a != "tenant" || b != "policy 1" || n != 42 {
		t.Fatalf("decode: %q %q %d %v", a, b, n, err)
	}
	for _, bad := range []string{"!!", encodeCursor("only-one"), "bnVsbA"} {
		if err := decodeCursor(bad, &a, &b, &n); err == nil {
			t.Errorf("cursor %q accepted", bad)
		}
	}
}

func TestPageSize(t *testing.T) {
	for in, want := range map[int]int{0: storage.DefaultPageSize, -1: storage.DefaultPageSize, 7: 7, 1 << 20: storage.MaxPageSize} {
		if got := pageSize(storage.Page{Size: in}); got != want {
			t.Errorf("pageSize(%d) = %d, want %d", in, got, want)
		}
	}
}
