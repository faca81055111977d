package shell

import (
	"context"
	"errors"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/ipps/ipps/internal/shell/parse"
)

// ErrInterrupt is returned by LineIO.Next when the user pressed Ctrl+C
// while editing; the REPL drops the pending statement and prompts again.
var ErrInterrupt = errors.New("shell: interrupted")

// LineIO is the REPL's view of its input, so a terminal, a script file, a
// pipe and a test drive it the same way.
type LineIO interface {
	// Next returns the next line without its newline, showing prompt when
	// interactive. It returns io.EOF at end of input and ErrInterrupt on
	// Ctrl+C.
	Next(prompt string) (string, error)
	// Save records a complete (possibly multi-line) statement in history.
	Save(statement string) error
	// Interactive reports whether a person is typing (prompts shown,
	// Ctrl+C handled per statement).
	Interactive() bool
}

// Prompts used by the REPL.
const (
	Prompt             = "PS> "
	ContinuationPrompt = ">> "
)

// REPL reads statements from lio and runs them until EOF. A statement
// spans lines while it is incomplete (open quote, brace or paren, a
// trailing pipe or backtick), reading with ContinuationPrompt. When lio is
// interactive, Ctrl+C during a statement cancels just that statement. It
// returns nil at EOF, or ctx.Err() when ctx is cancelled.
func (s *Shell) REPL(ctx context.Context, lio LineIO) error {
	var buf strings.Builder
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		prompt := Prompt
		if buf.Len() > 0 {
			prompt = ContinuationPrompt
		}
		line, err := lio.Next(prompt)
		if errors.Is(err, ErrInterrupt) {
			buf.Reset()
			continue
		}
		if err == io.EOF {
			if buf.Len() > 0 {
				s.runStatement(ctx, lio, buf.String())
			}
			return nil
		}
		if err != nil {
			return err
		}
		if buf.Len() > 0 {
			buf.WriteByte('\n')
		}
		buf.WriteString(line)
		src := buf.String()
		if !parse.Complete(src) {
			continue
		}
		buf.Reset()
		if strings.TrimSpace(src) == "" {
			continue
		}
		s.runStatement(ctx, lio, src)
	}
}

func (s *Shell) runStatement(ctx context.Context, lio LineIO, src string) {
	if lio.Interactive() {
		lio.Save(src)
		var stop context.CancelFunc
		ctx, stop = signal.NotifyContext(ctx, os.Interrupt)
		defer stop()
	}
	s.Run(ctx, src)
}

// ScriptIO is a non-interactive LineIO over a fixed text (a script file,
// piped stdin or a test).
type ScriptIO struct {
	lines []string
	// Saved collects the statements passed to Save.
	Saved []string
}

// NewScriptIO returns a ScriptIO reading the lines of src.
func NewScriptIO(src string) *ScriptIO {
	src = strings.TrimSuffix(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	if src == "" {
		return &ScriptIO{}
	}
	return &ScriptIO{lines: strings.Split(src, "\n")}
}

// Next implements LineIO.
func (s *ScriptIO) Next(string) (string, error) {
	if len(s.lines) == 0 {
		return "", io.EOF
	}
	l := s.lines[0]
	s.lines = s.lines[1:]
	return l, nil
}

// Save implements LineIO.
func (s *ScriptIO) Save(st string) error { s.Saved = append(s.Saved, st); return nil }

// Interactive implements LineIO; a ScriptIO is never interactive.
func (s *ScriptIO) Interactive() bool { return false }
