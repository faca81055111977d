// Package progress draws a one-line progress bar on a terminal, the way
// PowerShell shows Import-PSSession's "Creating implicit remoting module"
// activity. When the output is not a terminal it draws nothing, so pipes
// and logs stay clean.
package progress

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Bar renders the progress of one activity. The zero value is not usable;
// create one with New. Methods are safe for concurrent use.
type Bar struct {
	mu       sync.Mutex // guards every field below
	w        io.Writer
	enabled  bool
	activity string
	total    int
	done     int
	width    int
	last     time.Time
	now      func() time.Time
	drawn    bool
}

// New returns a bar writing to w. enabled should be true only when w is a
// terminal (see golang.org/x/term.IsTerminal); a disabled bar is a no-op.
// width is the terminal width in columns (80 when unknown).
func New(w io.Writer, enabled bool, width int, activity string) *Bar {
	if width <= 20 {
		width = 80
	}
	return &Bar{w: w, enabled: enabled, width: width, activity: activity, now: time.Now}
}

// SetTotal sets the expected number of steps (0 = unknown, shown as a count).
func (b *Bar) SetTotal(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.total = n
	b.draw(true)
}

// Add advances the bar by n steps. Redraws are limited to one every 50 ms.
func (b *Bar) Add(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done += n
	b.draw(false)
}

// Done erases the bar, leaving the terminal line clean.
func (b *Bar) Done() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.enabled && b.drawn {
		fmt.Fprintf(b.w, "\r%s\r", strings.Repeat(" ", b.width-1))
	}
	b.drawn = false
}

// Line renders the current state as text (without carriage control).
func (b *Bar) Line() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.line()
}

func (b *Bar) line() string {
	status := fmt.Sprintf("%d commands received", b.done)
	if b.total <= 0 {
		return trim(fmt.Sprintf("%s: %s", b.activity, status), b.width-1)
	}
	pct := min(100, b.done*100/b.total)
	prefix := fmt.Sprintf("%s %3d%% [", b.activity, pct)
	suffix := fmt.Sprintf("] %d/%d", b.done, b.total)
	room := b.width - 1 - len(prefix) - len(suffix)
	if room < 10 {
		return trim(fmt.Sprintf("%s %3d%% %d/%d", b.activity, pct, b.done, b.total), b.width-1)
	}
	fill := room * pct / 100
	return prefix + strings.Repeat("=", fill) + strings.Repeat(" ", room-fill) + suffix
}

func (b *Bar) draw(force bool) {
	if !b.enabled {
		return
	}
	now := b.now()
	if !force && b.drawn && now.Sub(b.last) < 50*time.Millisecond && b.done != b.total {
		return
	}
	b.last = now
	b.drawn = true
	fmt.Fprintf(b.w, "\r%s", b.line())
}

func trim(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}
