package load

import (
	"context"
	"errors"
	"math"
	"testing"
)

func TestCPUClockReport(t *testing.T) {
	snaps := []Snapshot{
		{processCPUSeries: 10, cmdletCountSeries + `{cmdlet="Get-A"}`: 30, cmdletCountSeries + `{cmdlet="New-B"}`: 12},
		{processCPUSeries: 14.5, cmdletCountSeries + `{cmdlet="Get-A"}`: 930, cmdletCountSeries + `{cmdlet="New-B"}`: 112},
	}
	c := &cpuClock{scrape: func(context.Context) (Snapshot, error) {
		s := snaps[0]
		snaps = snaps[1:]
		return s, nil
	}}
	c.mark(context.Background())
	c.mark(context.Background())
	before := Snapshot{cmdletCountSeries + `{cmdlet="Get-A"}`: 2}
	r, err := c.report(before, 1000, 3, "https://127.0.0.1:9443/")
	if err != nil || r == nil {
		t.Fatalf("report: %v, %v", r, err)
	}
	if r.ServerCmdlets != 1000 || r.BeforeClock != 40 || r.ServerSeconds != 4.5 || math.Abs(r.ServerMs-4.5) > 1e-9 {
		t.Errorf("report %+v", r)
	}
	if want := (r.ServerSeconds + r.ClientSeconds) / 3; math.Abs(r.Busy-want) > 1e-9 {
		t.Errorf("busy %v, want %v", r.Busy, want)
	}
	if r.ClientSeconds < 0 || r.Cores == 0 || math.Abs(r.Ceiling-float64(r.Cores)*1000/(r.ServerMs+r.ClientMs)) > 1e-6 {
		t.Errorf("ceiling: %+v", r)
	}
	// Without the load tool's own CPU time there is no ceiling.
	blind := &cpuClock{marks: []cpuMark{{server: 1}, {server: 2, serverCmdlets: 10}}}
	if r, _ := blind.report(before, 10, 3, "https://127.0.0.1/"); r == nil || r.Ceiling != 0 || r.Busy != 0 {
		t.Errorf("no client CPU but a ceiling: %+v", r)
	}
	// A remote server shares no cores with the load tool: no ceiling.
	if r, _ := c.report(before, 1000, 3, "https://scc.example.com/"); r.Cores != 0 || r.Ceiling != 0 {
		t.Errorf("remote target got a ceiling: %+v", r)
	}
	// Nothing completed, or one end unmarked: no report.
	if r, err := c.report(before, 0, 3, "https://127.0.0.1/"); r != nil || err != nil {
		t.Errorf("no cmdlets: %+v, %v", r, err)
	}
	if r, err := (&cpuClock{}).report(before, 10, 3, "https://127.0.0.1/"); r != nil || err != nil {
		t.Errorf("unmarked: %+v, %v", r, err)
	}
	// A failed scrape is reported, and stops further marks.
	boom := errors.New("boom")
	f := &cpuClock{scrape: func(context.Context) (Snapshot, error) { return nil, boom }}
	f.mark(context.Background())
	f.mark(context.Background())
	if _, err := f.report(before, 10, 3, "https://127.0.0.1/"); !errors.Is(err, boom) {
		t.Errorf("scrape failure: %v", err)
	}
}

func TestIsLoopback(t *testing.T) {
	for u, want := range map[string]bool{"https://127.0.0.1:9443": true, "https://[::1]:1/x": true, "https://localhost/": true,
		"https://10.0.0.1/": false, "https://scc.example.com/": false, "::bad": false} {
		if got := isLoopback(u); got != want {
			t.Errorf("isLoopback(%q) = %v", u, got)
		}
	}
}
