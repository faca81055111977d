package wsman

import (
	"errors"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	good := map[string]time.Duration{
		"PT180.000S":  180 * time.Second,
		"PT20S":       20 * time.Second,
		"PT0.5S":      500 * time.Millisecond,
		"P0DT0H0M0S":  0,
		"P1DT2H3M4S":  26*time.Hour + 3*time.Minute + 4*time.Second,
		"PT7200.000S": 2 * time.Hour,
		"PT1H":        time.Hour,
		"P2D":         48 * time.Hour,
	}
	for in, want := range good {
		got, err := ParseDuration(in)
		if err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	bad := []string{"", "P", "PT", "PT-1S", "-PT1S", "T1S", "PT1.S", "PT.5S", "PT1.2.3S", "P1Y", "P1M",
		"PT1.5M", "PT1S2M", "P1DT", "PT1X", "PTS", "PT1", "P1H", "PT99999999999999999999S", "PT1S1S", "PTT1S"}
	for _, in := range bad {
		if d, err := ParseDuration(in); !errors.Is(err, ErrBadDuration) {
			t.Errorf("ParseDuration(%q) = %v, %v; want ErrBadDuration", in, d, err)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		2 * time.Hour:           "PT7200.000S",
		180 * time.Second:       "PT180.000S",
		1500 * time.Millisecond: "PT1.500S",
		-time.Second:            "PT0.000S",
	} {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", d, got, want)
		}
		if d >= 0 {
			if back, err := ParseDuration(want); err != nil || back != d {
				t.Errorf("round trip %q = %v, %v", want, back, err)
			}
		}
	}
}
