package load

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

func TestFloorMeasuresRequests(t *testing.T) {
	r, err := Floor(context.Background(), FloorConfig{Dir: t.TempDir(), Conns: 4, Duration: 400 * time.Millisecond,
		Warmup: 100 * time.Millisecond, RequestBytes: 3000, ResponseBytes: 2000, AuthBytes: 2000})
	if err != nil {
		t.Fatal(err)
	}
	if r.Requests <= 0 || r.PerSecond <= 0 || r.Seconds < 0.4 {
		t.Fatalf("report %+v: no requests measured", r)
	}
	var b bytes.Buffer
	if err := r.WriteText(&b); err != nil || !strings.Contains(b.String(), "cmdlets/s bound") {
		t.Fatalf("text report %q, %v", b.String(), err)
	}
	if _, err := Floor(context.Background(), FloorConfig{Dir: t.TempDir()}); err == nil {
		t.Fatal("Floor with no connections accepted")
	}
}
