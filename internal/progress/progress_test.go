package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestDisabledWritesNothing(t *testing.T) {
	var buf bytes.Buffer
	b := New(&buf, false, 80, "Importing")
	b.SetTotal(10)
	for range 10 {
		b.Add(1)
	}
	b.Done()
	if buf.Len() != 0 {
		t.Fatalf("disabled bar wrote %q", buf.String())
	}
}

func TestLineRendering(t *testing.T) {
	b := New(&bytes.Buffer{}, true, 60, "Importing")
	b.SetTotal(4)
	b.Add(1)
	got := b.Line()
	if !strings.HasPrefix(got, "Importing  25% [") || !strings.HasSuffix(got, "] 1/4") || len(got) != 59 {
		t.Fatalf("line %q (len %d)", got, len(got))
	}
	if strings.Count(got, "=") != (59-len("Importing  25% [")-len("] 1/4"))*25/100 {
		t.Fatalf("fill wrong: %q", got)
	}
	b.Add(3)
	if got := b.Line(); !strings.Contains(got, "100%") || strings.Contains(got, " ]") {
		t.Fatalf("full bar %q", got)
	}
	u := New(&bytes.Buffer{}, true, 80, "Getting command information")
	u.Add(67)
	if got := u.Line(); got != "Getting command information: 67 commands received" {
		t.Fatalf("unknown total: %q", got)
	}
}

func TestThrottleAndErase(t *testing.T) {
	var buf bytes.Buffer
	b := New(&buf, true, 40, "x")
	clock := time.Unix(0, 0)
	b.now = func() time.Time { return clock }
	b.SetTotal(100)
	for range 50 {
		b.Add(1) // same instant: throttled
	}
	if n := strings.Count(buf.String(), "\r"); n != 1 {
		t.Fatalf("want 1 draw while throttled, got %d", n)
	}
	clock = clock.Add(time.Second)
	b.Add(1)
	if n := strings.Count(buf.String(), "\r"); n != 2 {
		t.Fatalf("want redraw after interval, got %d", n)
	}
	b.Done()
	if !strings.HasSuffix(buf.String(), "\r") {
		t.Fatalf("Done did not erase: %q", buf.String())
	}
}
