package parse

import (
	"fmt"
	"strings"
)

// Error is a syntax error at Pos. ID is PowerShell's error id (for example
// "MissingEndCurlyBrace") and Msg its message. Incomplete is true when the
// input ended inside an unfinished construct, so more input could make it
// valid. Source is the text of the offending line, filled in by Parse.
type Error struct {
	Pos        Pos
	ID         string
	Msg        string
	Incomplete bool
	Source     string
}

func (e *Error) Error() string {
	return fmt.Sprintf("At line:%d char:%d: %s", e.Pos.Line, e.Pos.Col, e.Msg)
}

// Format renders the error as PowerShell 5.1 prints a ParserError: the
// position, the source line with a '~' under the offending character, the
// message and the CategoryInfo/FullyQualifiedErrorId lines.
func (e *Error) Format() string {
	var b strings.Builder
	fmt.Fprintf(&b, "At line:%d char:%d\n", e.Pos.Line, e.Pos.Col)
	b.WriteString(Caret(e.Source, e.Pos.Col, 1))
	b.WriteString(e.Msg)
	b.WriteString("\n    + CategoryInfo          : ParserError: (:) [], ParentContainsErrorRecordException\n")
	fmt.Fprintf(&b, "    + FullyQualifiedErrorId : %s\n", e.ID)
	return b.String()
}

// Caret renders "+ line" and a marker line with n '~' starting under the
// 1-based rune column col, as PowerShell's position message does. Tabs in
// the line are kept in the marker line so the caret lines up.
func Caret(line string, col, n int) string {
	line = strings.TrimRight(line, "\r\n")
	var mark strings.Builder
	i := 1
	for _, r := range line {
		if i >= col {
			break
		}
		if r == '\t' {
			mark.WriteByte('\t')
		} else {
			mark.WriteByte(' ')
		}
		i++
	}
	for ; i < col; i++ {
		mark.WriteByte(' ')
	}
	if n < 1 {
		n = 1
	}
	return "+ " + line + "\n+ " + mark.String() + strings.Repeat("~", n) + "\n"
}

// LineAt returns the text of the 1-based line of src.
func LineAt(src string, line int) string {
	for i := 1; i < line; i++ {
		j := strings.IndexByte(src, '\n')
		if j < 0 {
			return ""
		}
		src = src[j+1:]
	}
	if j := strings.IndexByte(src, '\n'); j >= 0 {
		src = src[:j]
	}
	return strings.TrimRight(src, "\r")
}

// Complete reports whether src is a complete script: it parses, or fails
// with an error that more input cannot fix. A REPL keeps reading
// continuation lines while Complete returns false.
func Complete(src string) bool {
	_, err := Parse(src)
	if e, ok := err.(*Error); ok && e.Incomplete {
		return false
	}
	return true
}
