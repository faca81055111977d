package remoting

import (
	"testing"
	"time"
)

func TestReceiveWait(t *testing.T) {
	for in, want := range map[time.Duration]time.Duration{
		180 * time.Second:      162 * time.Second, // 10%
		20 * time.Second:       18 * time.Second,
		3 * time.Second:        2500 * time.Millisecond, // 500ms floor
		time.Second:            500 * time.Millisecond,
		400 * time.Millisecond: 200 * time.Millisecond, // halved
		0:                      54 * time.Second,       // default 60s
	} {
		if got := receiveWait(in); got != want {
			t.Errorf("receiveWait(%v) = %v, want %v", in, got, want)
		}
	}
}
