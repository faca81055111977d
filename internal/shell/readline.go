package shell

import (
	"errors"
	"io"

	"github.com/chzyer/readline"
)

// Readline is a LineIO on a terminal, backed by chzyer/readline, with a
// history file and tab completion from Shell.Complete.
type Readline struct {
	rl *readline.Instance
}

// NewReadline opens a terminal line editor. historyFile may be empty.
func NewReadline(s *Shell, historyFile string) (*Readline, error) {
	rl, err := readline.NewEx(&readline.Config{
		Prompt:                 Prompt,
		HistoryFile:            historyFile,
		DisableAutoSaveHistory: true,
		AutoComplete:           completer{s},
		InterruptPrompt:        "^C",
		EOFPrompt:              "exit",
	})
	if err != nil {
		return nil, err
	}
	return &Readline{rl: rl}, nil
}

// Next implements LineIO.
func (r *Readline) Next(prompt string) (string, error) {
	r.rl.SetPrompt(prompt)
	line, err := r.rl.Readline()
	if errors.Is(err, readline.ErrInterrupt) {
		return "", ErrInterrupt
	}
	if err == io.EOF {
		return "", io.EOF
	}
	return line, err
}

// Save implements LineIO.
func (r *Readline) Save(st string) error { return r.rl.SaveHistory(st) }

// Interactive implements LineIO.
func (r *Readline) Interactive() bool { return true }

// Close restores the terminal.
func (r *Readline) Close() error { return r.rl.Close() }

// completer adapts Shell.Complete to readline.AutoCompleter, which wants
// the suffixes to insert after the typed part of the word.
type completer struct{ s *Shell }

func (c completer) Do(line []rune, pos int) ([][]rune, int) {
	head := string(line[:pos])
	cands := c.s.Complete(head, len(head))
	start := len(head)
	for start > 0 && !isWordBreak(head[start-1]) {
		start--
	}
	typed := []rune(head[start:])
	out := make([][]rune, 0, len(cands))
	for _, cand := range cands {
		r := []rune(cand)
		if len(r) >= len(typed) {
			out = append(out, r[len(typed):])
		}
	}
	return out, len(typed)
}

func isWordBreak(b byte) bool {
	return b == ' ' || b == '\t' || b == '|' || b == ';' || b == '(' || b == '{'
}
