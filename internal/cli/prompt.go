package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ipps/ipps/internal/shell"
)

// promptIO wraps the terminal LineIO with the prompt's exit gestures:
// Ctrl+C on an empty prompt twice in a row ends the shell (the first
// prints a hint), and "exit" ends it as in PowerShell.
type promptIO struct {
	shell.LineIO
	errOut io.Writer
	// interrupted is set by a Ctrl+C and cleared by any line.
	interrupted bool
}

// ExitHint is printed after the first Ctrl+C at the prompt.
const ExitHint = "(To exit, press Ctrl+C again or type exit.)"

// Next implements shell.LineIO.
func (p *promptIO) Next(prompt string) (string, error) {
	line, err := p.LineIO.Next(prompt)
	if errors.Is(err, shell.ErrInterrupt) {
		if p.interrupted {
			return "", io.EOF
		}
		p.interrupted = true
		fmt.Fprintln(p.errOut, ExitHint)
		return "", err
	}
	p.interrupted = false
	if err == nil && prompt == shell.Prompt && strings.EqualFold(strings.TrimSpace(line), "exit") {
		return "", io.EOF
	}
	return line, err
}
