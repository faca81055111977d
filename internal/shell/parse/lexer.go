package parse

import (
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// mode selects how ambiguous text lexes.
type mode uint8

const (
	exprMode mode = iota // -eq is an operator, barewords are identifiers
	cmdMode              // -Name is a parameter, barewords are arguments
)

// lexer scans src on demand. It never lexes ahead of what the parser asks
// for, so the parser can switch modes and read expandable strings rune by
// rune. Positions track line and rune column.
type lexer struct {
	src  string
	off  int
	line int
	col  int
}

func newLexer(src string) *lexer { return &lexer{src: src, line: 1, col: 1} }

func (l *lexer) pos() Pos { return Pos{Offset: l.off, Line: l.line, Col: l.col} }

// peekRune returns the rune at off+n bytes ahead (n counts bytes of ASCII
// lookahead only; callers use it for single-byte delimiters).
func (l *lexer) at(off int) rune {
	if off >= len(l.src) {
		return -1
	}
	r, _ := utf8.DecodeRuneInString(l.src[off:])
	return r
}

func (l *lexer) cur() rune { return l.at(l.off) }

// step advances one rune, keeping line and column.
func (l *lexer) step() rune {
	if l.off >= len(l.src) {
		return -1
	}
	r, n := utf8.DecodeRuneInString(l.src[l.off:])
	l.off += n
	if r == '\n' {
		l.line++
		l.col = 1
	} else {
		l.col++
	}
	return r
}

// save and restore let the parser peek a token and rewind.
type lexState struct{ off, line, col int }

func (l *lexer) save() lexState     { return lexState{l.off, l.line, l.col} }
func (l *lexer) restore(s lexState) { l.off, l.line, l.col = s.off, s.line, s.col }

func isSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\f' || r == '\v' || r == '\u00a0' || r == '\ufeff' || r == '\r'
}

// skipSpace skips blanks, comments and backtick line continuations (not
// newlines). It returns an *Error for a backtick at end of input, which is
// incomplete input.
func (l *lexer) skipSpace() (bool, error) {
	skipped := false
	for {
		r := l.cur()
		switch {
		case isSpace(r):
			l.step()
		case r == '`' && (l.at(l.off+1) == '\n' || l.at(l.off+1) == '\r'):
			p := l.pos()
			l.step()
			if l.cur() == '\r' {
				l.step()
			}
			l.step()
			if l.off >= len(l.src) {
				return skipped, &Error{Pos: p, ID: "IncompleteLineContinuation", Msg: "Missing continuation line after '`'.", Incomplete: true}
			}
		case r == '`' && l.off+1 >= len(l.src):
			p := l.pos()
			return skipped, &Error{Pos: p, ID: "IncompleteLineContinuation", Msg: "Missing continuation line after '`'.", Incomplete: true}
		case r == '<' && l.at(l.off+1) == '#':
			p := l.pos()
			end := strings.Index(l.src[l.off+2:], "#>")
			if end < 0 {
				return skipped, &Error{Pos: p, ID: "MissingTerminatorMultiLineComment", Msg: "Missing the closing '#>' of a block comment.", Incomplete: true}
			}
			stop := l.off + 2 + end + 2
			for l.off < stop {
				l.step()
			}
		case r == '#':
			for l.off < len(l.src) && l.cur() != '\n' {
				l.step()
			}
		default:
			return skipped, nil
		}
		skipped = true
	}
}

// next lexes one token in mode m and advances past it.
func (l *lexer) next(m mode) (token, error) {
	startOff := l.off
	_, err := l.skipSpace()
	if err != nil {
		return token{}, err
	}
	space := l.off != startOff || l.off == 0 || isBoundary(l.at(l.off-1))
	t := token{pos: l.pos(), space: space}
	r := l.cur()
	one := func(k tokenKind) (token, error) {
		l.step()
		t.kind, t.text, t.end = k, l.src[t.pos.Offset:l.off], l.off
		return t, nil
	}
	two := func(k tokenKind) (token, error) {
		l.step()
		l.step()
		t.kind, t.text, t.end = k, l.src[t.pos.Offset:l.off], l.off
		return t, nil
	}
	switch {
	case r < 0:
		t.kind, t.end = tEOF, l.off
		return t, nil
	case r == '\n':
		return one(tNewline)
	case r == ';':
		return one(tSemi)
	case r == '|':
		return one(tPipe)
	case r == '(':
		return one(tLParen)
	case r == ')':
		return one(tRParen)
	case r == '{':
		return one(tLBrace)
	case r == '}':
		return one(tRBrace)
	case r == '[':
		return one(tLBracket)
	case r == ']':
		return one(tRBracket)
	case r == ',':
		return one(tComma)
	case r == '@' && l.at(l.off+1) == '(':
		return two(tAtParen)
	case r == '@' && l.at(l.off+1) == '{':
		return two(tAtBrace)
	case r == '$' && l.at(l.off+1) == '(':
		return two(tDollarParen)
	case r == '$':
		return l.variable(t)
	case r == '\'':
		return l.singleQuoted(t)
	case r == '"':
		return one(tDQuote)
	case m == exprMode && r == '.' && !space:
		return one(tDot)
	case m == exprMode && r == '=' && l.at(l.off+1) != '=':
		return one(tAssign)
	case m == exprMode && r == '!' && l.at(l.off+1) != '=':
		return one(tBang)
	case m == exprMode && (r == '+' || r == '*' || r == '/' || r == '%'):
		l.step()
		t.kind, t.text, t.end = tOperator, string(r), l.off
		return t, nil
	case r == '-' || r == '\u2013':
		return l.dash(t, m)
	case r >= '0' && r <= '9' || r == '.' && isDigit(l.at(l.off+1)):
		if m == exprMode {
			return l.number(t)
		}
		return l.generic(t, true)
	}
	if m == cmdMode {
		return l.generic(t, false)
	}
	if isIdentStart(r) {
		for isIdentPart(l.cur()) {
			l.step()
		}
		t.kind, t.text, t.end = tIdent, l.src[t.pos.Offset:l.off], l.off
		return t, nil
	}
	l.step()
	t.kind, t.text, t.end = tGeneric, l.src[t.pos.Offset:l.off], l.off
	return t, nil
}

func isBoundary(r rune) bool {
	return isSpace(r) || r == '\n' || r == ';' || r == '|' || r == '(' || r == '{' || r == ','
}

func isDigit(r rune) bool      { return r >= '0' && r <= '9' }
func isIdentStart(r rune) bool { return r == '_' || unicode.IsLetter(r) }
func isIdentPart(r rune) bool  { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }
func isVarPart(r rune) bool {
	return r == '_' || r == '?' || r == ':' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// variable lexes $name, $_ and ${any text}.
func (l *lexer) variable(t token) (token, error) {
	l.step() // $
	if l.cur() == '{' {
		l.step()
		start := l.off
		for l.off < len(l.src) && l.cur() != '}' {
			l.step()
		}
		if l.off >= len(l.src) {
			return t, &Error{Pos: t.pos, ID: "IncompleteDollarVariableReference", Msg: "Missing '}' in variable reference.", Incomplete: true}
		}
		t.text = l.src[start:l.off]
		l.step()
	} else {
		start := l.off
		for l.off < len(l.src) && isVarPart(l.cur()) {
			// A trailing ':' is not part of the name ($x: is rare; $env:X is).
			if l.cur() == ':' && !isVarPart(l.at(l.off+1)) {
				break
			}
			l.step()
		}
		t.text = l.src[start:l.off]
		if t.text == "" {
			// A lone "$" is a literal dollar in PowerShell; keep it as a word.
			t.kind, t.text, t.end = tGeneric, "$", l.off
			return t, nil
		}
	}
	t.kind, t.end = tVariable, l.off
	return t, nil
}

// singleQuoted lexes '...' where ” is an escaped quote. PowerShell also
// accepts typographic single quotes; we accept them as delimiters too.
func (l *lexer) singleQuoted(t token) (token, error) {
	l.step()
	var b strings.Builder
	for {
		r := l.cur()
		switch {
		case r < 0:
			return t, &Error{Pos: t.pos, ID: "TerminatorExpectedAtEndOfString", Msg: "The string is missing the terminator: '.", Incomplete: true}
		case r == '\'' && l.at(l.off+1) == '\'':
			l.step()
			l.step()
			b.WriteByte('\'')
		case r == '\'':
			l.step()
			t.kind, t.text, t.end = tString, b.String(), l.off
			return t, nil
		default:
			b.WriteString(l.stepRaw())
		}
	}
}

// stepRaw advances one rune and returns its bytes as written, so invalid
// UTF-8 survives unchanged.
func (l *lexer) stepRaw() string {
	start := l.off
	l.step()
	return l.src[start:l.off]
}

// dash lexes what starts with '-': an operator or negative number in
// expression mode, a parameter (or negative number, or "--") in command mode.
func (l *lexer) dash(t token, m mode) (token, error) {
	save := l.save()
	l.step()
	if isDigit(l.cur()) || l.cur() == '.' && isDigit(l.at(l.off+1)) {
		l.restore(save)
		if m == exprMode {
			// Binary or unary minus; the parser folds -<number> literals.
			l.step()
			t.kind, t.text, t.end = tOperator, "-", l.off
			return t, nil
		}
		return l.generic(t, true)
	}
	start := l.off
	for isIdentPart(l.cur()) && l.cur() != '-' {
		l.step()
	}
	name := l.src[start:l.off]
	if m == exprMode {
		if op := "-" + strings.ToLower(name); name != "" && operators[op] {
			t.kind, t.text, t.end = tOperator, op, l.off
			return t, nil
		}
		l.restore(save)
		l.step()
		t.kind, t.text, t.end = tOperator, "-", l.off
		return t, nil
	}
	if name == "" {
		l.restore(save)
		return l.generic(t, false)
	}
	t.kind, t.text = tParameter, name
	if l.cur() == ':' {
		l.step()
		t.colon = true
	}
	t.end = l.off
	return t, nil
}

// generic lexes a command-mode bareword up to whitespace or a delimiter.
// A bareword that is entirely a number literal becomes tNumber when
// numeric is set.
func (l *lexer) generic(t token, numeric bool) (token, error) {
	for {
		r := l.cur()
		if r < 0 || isSpace(r) || r == '\n' || strings.ContainsRune("|;(){},", r) {
			break
		}
		if r == '`' {
			l.step()
			if l.cur() >= 0 {
				l.step()
			}
			continue
		}
		if (r == '\'' || r == '"' || r == '$') && l.off > t.pos.Offset {
			break
		}
		l.step()
	}
	t.text, t.end = l.src[t.pos.Offset:l.off], l.off
	t.kind = tGeneric
	if numeric {
		if v, ok := parseNumber(t.text); ok {
			t.kind, t.num = tNumber, v
		}
	}
	if t.kind == tGeneric {
		t.text = unescapeBareword(t.text)
	}
	return t, nil
}

func unescapeBareword(s string) string {
	if !strings.ContainsRune(s, '`') {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '`' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// number lexes a numeric literal in expression mode.
func (l *lexer) number(t token) (token, error) {
	for {
		r := l.cur()
		if isDigit(r) || r == '.' && isDigit(l.at(l.off+1)) || unicode.IsLetter(r) ||
			(r == '+' || r == '-') && (l.off > 0 && (l.src[l.off-1] == 'e' || l.src[l.off-1] == 'E') && !strings.HasPrefix(strings.ToLower(l.src[t.pos.Offset:l.off]), "0x")) {
			l.step()
			continue
		}
		break
	}
	t.text, t.end = l.src[t.pos.Offset:l.off], l.off
	v, ok := parseNumber(t.text)
	if !ok {
		// Not a number: in expression position the parser reports it as
		// an unexpected token; at the start of a statement it is a command.
		l.restore(lexState{t.pos.Offset, t.pos.Line, t.pos.Col})
		return l.generic(t, false)
	}
	t.kind, t.num = tNumber, v
	return t, nil
}

// parseNumber parses PowerShell numeric literals: decimal integers (Int32,
// widening to Int64 then Double), reals, 0x hex and the KB/MB/GB/TB/PB
// multipliers.
func parseNumber(s string) (any, bool) {
	neg := false
	body := s
	if strings.HasPrefix(body, "-") || strings.HasPrefix(body, "\u2013") {
		neg = true
		_, n := utf8.DecodeRuneInString(body)
		body = body[n:]
	}
	mult := int64(1)
	lower := strings.ToLower(body)
	for i, suf := range []string{"kb", "mb", "gb", "tb", "pb"} {
		if strings.HasSuffix(lower, suf) {
			mult = 1 << (10 * (i + 1))
			body = body[:len(body)-2]
			lower = lower[:len(lower)-2]
			break
		}
	}
	if body == "" {
		return nil, false
	}
	if strings.HasPrefix(lower, "0x") {
		u, err := strconv.ParseUint(lower[2:], 16, 64)
		if err != nil {
			return nil, false
		}
		i := int64(u)
		if neg {
			i = -i
		}
		return narrow(i, mult)
	}
	for _, r := range lower {
		if !isDigit(r) && r != '.' && r != 'e' && r != '+' && r != '-' {
			return nil, false
		}
	}
	if i, err := strconv.ParseInt(body, 10, 64); err == nil {
		if neg {
			i = -i
		}
		return narrow(i, mult)
	}
	f, err := strconv.ParseFloat(body, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, false
	}
	if neg {
		f = -f
	}
	return f * float64(mult), true
}

func narrow(i, mult int64) (any, bool) {
	if mult != 1 {
		if i > math.MaxInt64/mult || i < math.MinInt64/mult {
			return float64(i) * float64(mult), true
		}
		i *= mult
	}
	if i >= math.MinInt32 && i <= math.MaxInt32 {
		return int32(i), true
	}
	return i, true
}
