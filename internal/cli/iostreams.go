package cli

import (
	"bytes"
	"io"
	"os"

	"golang.org/x/term"
)

// IOStreams are the standard streams of one ipps invocation and what is
// known about them. Commands write results to Out and diagnostics,
// warnings and progress to ErrOut; progress bars and colour are only
// drawn when ErrOut is a terminal.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	// StdinTTY, StdoutTTY and StderrTTY say which streams are terminals.
	StdinTTY, StdoutTTY, StderrTTY bool
	// Width is the terminal width in columns (0 when unknown).
	Width int
}

// System returns the process's streams, probing which are terminals.
func System() *IOStreams {
	io := &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		StdinTTY:  term.IsTerminal(int(os.Stdin.Fd())),
		StdoutTTY: term.IsTerminal(int(os.Stdout.Fd())),
		StderrTTY: term.IsTerminal(int(os.Stderr.Fd())),
	}
	if io.StdoutTTY {
		if w, _, err := term.GetSize(int(os.Stdout.Fd())); err == nil {
			io.Width = w
		}
	}
	return io
}

// TestStreams returns streams over buffers for tests: stdin reads in, and
// the returned buffers collect Out and ErrOut. tty sets every TTY switch.
func TestStreams(in string, tty bool) (*IOStreams, *bytes.Buffer, *bytes.Buffer) {
	out, errOut := &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: bytes.NewBufferString(in), Out: out, ErrOut: errOut,
		StdinTTY: tty, StdoutTTY: tty, StderrTTY: tty, Width: 120}, out, errOut
}
