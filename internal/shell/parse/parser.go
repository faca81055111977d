package parse

import (
	"strings"
)

// Parse parses src as a script. On failure it returns an *Error; callers
// test Error.Incomplete to tell unfinished input from a syntax error.
func Parse(src string) (s *Script, err error) {
	p := &parser{lx: newLexer(src), src: src}
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(*Error)
			if !ok {
				panic(r)
			}
			e.Source = LineAt(src, e.Pos.Line)
			s, err = nil, e
		}
	}()
	s = p.script(tEOF)
	if t := p.peek(exprMode); t.kind != tEOF {
		p.unexpected(t)
	}
	return s, nil
}

// parser is a recursive-descent parser over the modal lexer. Errors are
// raised with panic(*Error) and recovered in Parse.
type parser struct {
	lx  *lexer
	src string
}

func (p *parser) fail(e *Error) { panic(e) }

// peek lexes the next token in mode m without consuming it.
func (p *parser) peek(m mode) token {
	s := p.lx.save()
	t, err := p.lx.next(m)
	p.lx.restore(s)
	if err != nil {
		p.fail(err.(*Error))
	}
	return t
}

// next consumes the next token in mode m.
func (p *parser) next(m mode) token {
	t, err := p.lx.next(m)
	if err != nil {
		p.fail(err.(*Error))
	}
	return t
}

func (p *parser) skipNewlines() {
	for p.peek(exprMode).kind == tNewline {
		p.next(exprMode)
	}
}

func (p *parser) unexpected(t token) {
	text := t.text
	if t.kind == tEOF {
		p.fail(&Error{Pos: t.pos, ID: "UnexpectedEndOfInput", Msg: "Unexpected end of input.", Incomplete: true})
	}
	if t.kind == tString {
		text = "'" + strings.ReplaceAll(text, "'", "''") + "'"
	}
	p.fail(&Error{Pos: t.pos, ID: "UnexpectedToken", Msg: "Unexpected token '" + text + "' in expression or statement."})
}

// script parses statements up to (not including) a token of kind end.
func (p *parser) script(end tokenKind) *Script {
	s := &Script{At: p.lx.pos()}
	for {
		t := p.peek(exprMode)
		for t.kind == tNewline || t.kind == tSemi {
			p.next(exprMode)
			t = p.peek(exprMode)
		}
		if t.kind == end || t.kind == tEOF {
			return s
		}
		s.Statements = append(s.Statements, p.statement())
		t = p.peek(exprMode)
		switch t.kind {
		case tNewline, tSemi:
		case end, tEOF:
			return s
		default:
			p.unexpected(t)
		}
	}
}

// statement parses an assignment or a pipeline.
func (p *parser) statement() Statement {
	t := p.peek(exprMode)
	if t.kind == tVariable {
		save := p.lx.save()
		p.next(exprMode)
		if eq := p.peek(exprMode); eq.kind == tAssign {
			p.next(exprMode)
			p.skipNewlines()
			if v := p.peek(cmdMode); v.kind == tEOF || v.kind == tSemi || v.kind == tRBrace || v.kind == tRParen {
				p.fail(&Error{Pos: v.pos, ID: "ExpectedValueExpression", Msg: "You must provide a value expression on the right-hand side of the '=' operator.", Incomplete: v.kind == tEOF})
			}
			return &Assignment{At: t.pos, Target: &Variable{At: t.pos, Name: t.text}, Value: p.statement()}
		}
		p.lx.restore(save)
	}
	return p.pipeline()
}

func (p *parser) pipeline() *Pipeline {
	pl := &Pipeline{At: p.peek(exprMode).pos}
	pl.Elements = append(pl.Elements, p.element(true))
	for {
		t := p.peek(exprMode)
		if t.kind != tPipe {
			return pl
		}
		p.next(exprMode)
		p.skipNewlines()
		n := p.peek(cmdMode)
		switch n.kind {
		case tEOF, tPipe, tSemi, tRParen, tRBrace:
			p.fail(&Error{Pos: t.pos, ID: "EmptyPipeElement", Msg: "An empty pipe element is not allowed.", Incomplete: n.kind == tEOF})
		}
		pl.Elements = append(pl.Elements, p.element(false))
	}
}

// element parses a command or, first in a pipeline, an expression.
func (p *parser) element(first bool) Node {
	t := p.peek(cmdMode)
	if t.kind == tGeneric && !strings.HasPrefix(t.text, "!") {
		if bareword(t.text) != t.text {
			// A name that only a quoted string could spell needs '&',
			// which the subset lacks.
			p.unexpected(t)
		}
		return p.command()
	}
	e := p.expression()
	if !first {
		p.fail(&Error{Pos: e.Position(), ID: "ExpressionsMustBeFirstInPipeline", Msg: "Expressions are only allowed as the first element of a pipeline."})
	}
	return e
}

func (p *parser) command() *Command {
	name := p.next(cmdMode)
	c := &Command{At: name.pos, Name: name.text}
	for {
		t := p.peek(cmdMode)
		switch t.kind {
		case tEOF, tNewline, tSemi, tPipe, tRParen, tRBrace:
			return c
		case tParameter:
			p.next(cmdMode)
			a := &CommandArg{At: t.pos, Param: t.text, Colon: t.colon}
			if t.colon {
				v := p.peek(cmdMode)
				switch v.kind {
				case tEOF, tNewline, tSemi, tPipe, tRParen, tRBrace, tParameter:
					p.fail(&Error{Pos: v.pos, ID: "MissingArgument", Msg: "Missing argument in parameter list.", Incomplete: v.kind == tEOF})
				}
				a.Value = p.argValue()
			}
			c.Args = append(c.Args, a)
		default:
			c.Args = append(c.Args, &CommandArg{At: t.pos, Value: p.argValue()})
		}
	}
}

// argValue parses a command-mode argument: a primary or a comma list.
func (p *parser) argValue() Expr {
	first := p.argPrimary()
	if p.peek(cmdMode).kind != tComma {
		return first
	}
	arr := &ArrayLit{At: first.Position(), Elems: []Expr{first}}
	for p.peek(cmdMode).kind == tComma {
		c := p.next(cmdMode)
		p.skipNewlines()
		switch n := p.peek(cmdMode); n.kind {
		case tEOF, tSemi, tPipe, tRParen, tRBrace, tParameter:
			p.fail(&Error{Pos: c.pos, ID: "MissingExpression", Msg: "Missing argument in parameter list.", Incomplete: n.kind == tEOF})
		}
		arr.Elems = append(arr.Elems, p.argPrimary())
	}
	return arr
}

func (p *parser) argPrimary() Expr {
	t := p.peek(cmdMode)
	switch t.kind {
	case tGeneric:
		p.next(cmdMode)
		return &StringLit{At: t.pos, Value: t.text, Bare: true}
	case tNumber:
		p.next(cmdMode)
		return p.postfix(&NumberLit{At: t.pos, Value: t.num, Text: t.text})
	case tParameter:
		p.unexpected(t)
	}
	return p.postfix(p.primary())
}

// expression parses an expression at the lowest precedence (logical).
func (p *parser) expression() Expr { return p.logical() }

func (p *parser) binaryLevel(ops func(string) bool, sub func() Expr) Expr {
	left := sub()
	for {
		t := p.peek(exprMode)
		if t.kind != tOperator || !ops(t.text) {
			return left
		}
		p.next(exprMode)
		p.skipNewlines()
		if n := p.peek(exprMode); !startsValue(n) {
			p.fail(&Error{Pos: n.pos, ID: "ExpectedValueExpression", Msg: "You must provide a value expression following the '" + t.text + "' operator.", Incomplete: n.kind == tEOF})
		}
		left = &Binary{At: left.Position(), Op: t.text, Left: left, Right: sub()}
	}
}

func startsValue(t token) bool {
	switch t.kind {
	case tNumber, tString, tDQuote, tVariable, tLParen, tDollarParen, tAtParen, tAtBrace, tLBrace, tBang:
		return true
	case tOperator:
		return t.text == "-" || t.text == "-not"
	}
	return false
}

func (p *parser) logical() Expr {
	return p.binaryLevel(func(op string) bool { return op == "-and" || op == "-or" || op == "-xor" }, p.comparison)
}

func (p *parser) comparison() Expr { return p.binaryLevel(IsComparison, p.additive) }

func (p *parser) additive() Expr {
	return p.binaryLevel(func(op string) bool { return op == "+" || op == "-" }, p.multiplicative)
}

func (p *parser) multiplicative() Expr {
	return p.binaryLevel(func(op string) bool { return op == "*" || op == "/" || op == "%" }, p.comma)
}

func (p *parser) comma() Expr {
	first := p.unary()
	if p.peek(exprMode).kind != tComma {
		return first
	}
	arr := &ArrayLit{At: first.Position(), Elems: []Expr{first}}
	for p.peek(exprMode).kind == tComma {
		c := p.next(exprMode)
		p.skipNewlines()
		if n := p.peek(exprMode); !startsValue(n) {
			p.fail(&Error{Pos: c.pos, ID: "MissingExpressionAfterToken", Msg: "Missing expression after ','.", Incomplete: n.kind == tEOF})
		}
		arr.Elems = append(arr.Elems, p.unary())
	}
	return arr
}

func (p *parser) unary() Expr {
	t := p.peek(exprMode)
	op := ""
	switch {
	case t.kind == tBang:
		op = "!"
	case t.kind == tOperator && (t.text == "-not" || t.text == "-"):
		op = t.text
	default:
		return p.postfix(p.primary())
	}
	p.next(exprMode)
	if n := p.peek(exprMode); !startsValue(n) {
		p.fail(&Error{Pos: n.pos, ID: "MissingExpressionAfterOperator", Msg: "Missing expression after unary operator '" + t.text + "'.", Incomplete: n.kind == tEOF})
	}
	x := p.unary()
	if n, ok := x.(*NumberLit); ok && op == "-" {
		return negate(t.pos, n)
	}
	return &Unary{At: t.pos, Op: op, Operand: x}
}

// negate folds -<number literal> into a literal, as PowerShell's lexer does.
func negate(at Pos, n *NumberLit) Expr {
	text := "-" + n.Text
	if strings.HasPrefix(n.Text, "-") {
		return &Unary{At: at, Op: "-", Operand: n}
	}
	v, ok := parseNumber(text)
	if !ok {
		return &Unary{At: at, Op: "-", Operand: n}
	}
	return &NumberLit{At: at, Value: v, Text: text}
}

// postfix parses member access and indexing after a primary.
func (p *parser) postfix(x Expr) Expr {
	for {
		t := p.peek(exprMode)
		switch {
		case t.kind == tDot:
			p.next(exprMode)
			n := p.peek(exprMode)
			switch n.kind {
			case tIdent, tString:
				p.next(exprMode)
			default:
				p.fail(&Error{Pos: n.pos, ID: "MissingPropertyName", Msg: "Missing property name after reference operator.", Incomplete: n.kind == tEOF})
			}
			if p.lx.cur() == '(' {
				p.fail(&Error{Pos: p.lx.pos(), ID: "MethodCallNotSupported", Msg: "Method invocation is not supported in this shell."})
			}
			x = &Member{At: x.Position(), Target: x, Name: n.text}
		case t.kind == tLBracket && !t.space:
			p.next(exprMode)
			p.skipNewlines()
			idx := p.expression()
			p.skipNewlines()
			if c := p.next(exprMode); c.kind != tRBracket {
				p.fail(&Error{Pos: c.pos, ID: "MissingEndSquareBracket", Msg: "Array index expression is missing or not valid.", Incomplete: c.kind == tEOF})
			}
			x = &Index{At: x.Position(), Target: x, Index: idx}
		default:
			return x
		}
	}
}

func (p *parser) primary() Expr {
	t := p.peek(exprMode)
	switch t.kind {
	case tNumber:
		p.next(exprMode)
		return &NumberLit{At: t.pos, Value: t.num, Text: t.text}
	case tString:
		p.next(exprMode)
		return &StringLit{At: t.pos, Value: t.text, Single: true}
	case tDQuote:
		p.next(exprMode)
		return p.expandable(t)
	case tVariable:
		p.next(exprMode)
		return &Variable{At: t.pos, Name: t.text}
	case tLParen:
		p.next(exprMode)
		p.skipNewlines()
		if n := p.peek(exprMode); n.kind == tRParen || n.kind == tEOF {
			p.fail(&Error{Pos: n.pos, ID: "ExpectedExpression", Msg: "An expression was expected after '('.", Incomplete: n.kind == tEOF})
		}
		body := p.statement()
		p.skipNewlines()
		p.closing(t, tRParen, "MissingEndParenthesisInExpression", "Missing closing ')' in expression.")
		return &Paren{At: t.pos, Body: body}
	case tDollarParen:
		p.next(exprMode)
		body := p.script(tRParen)
		p.closing(t, tRParen, "MissingEndParenthesisInSubexpression", "Missing closing ')' in subexpression.")
		return &SubExpr{At: t.pos, Body: body}
	case tAtParen:
		p.next(exprMode)
		body := p.script(tRParen)
		p.closing(t, tRParen, "MissingEndParenthesisInExpression", "Missing closing ')' in expression.")
		return &ArrayExpr{At: t.pos, Body: body}
	case tAtBrace:
		p.next(exprMode)
		return p.hashtable(t)
	case tLBrace:
		p.next(exprMode)
		body := p.script(tRBrace)
		end := p.closing(t, tRBrace, "MissingEndCurlyBrace", "Missing closing '}' in statement block or type definition.")
		return &ScriptBlock{At: t.pos, Body: body, Text: p.src[t.end:end.pos.Offset]}
	case tEOF:
		p.fail(&Error{Pos: t.pos, ID: "ExpectedExpression", Msg: "An expression was expected.", Incomplete: true})
	}
	p.unexpected(t)
	return nil
}

// closing consumes the token of kind want that closes open, or fails with
// id/msg at the opening token (PowerShell points at the opener).
func (p *parser) closing(open token, want tokenKind, id, msg string) token {
	t := p.peek(exprMode)
	if t.kind == want {
		return p.next(exprMode)
	}
	if t.kind == tEOF {
		p.fail(&Error{Pos: open.pos, ID: id, Msg: msg, Incomplete: true})
	}
	p.fail(&Error{Pos: t.pos, ID: id, Msg: msg})
	return t
}

func (p *parser) hashtable(open token) *Hashtable {
	h := &Hashtable{At: open.pos}
	for {
		t := p.peek(exprMode)
		for t.kind == tNewline || t.kind == tSemi {
			p.next(exprMode)
			t = p.peek(exprMode)
		}
		var key Expr
		switch t.kind {
		case tRBrace:
			p.next(exprMode)
			return h
		case tEOF:
			p.fail(&Error{Pos: open.pos, ID: "IncompleteHashLiteral", Msg: "The hash literal was incomplete.", Incomplete: true})
		case tIdent, tGeneric:
			p.next(exprMode)
			key = &StringLit{At: t.pos, Value: t.text, Bare: true}
		case tString, tDQuote, tNumber, tVariable, tLParen:
			key = p.postfix(p.primary())
		default:
			p.fail(&Error{Pos: t.pos, ID: "MissingEqualsInHashLiteral", Msg: "Missing '=' operator after key in hash literal."})
		}
		eq := p.peek(exprMode)
		if eq.kind != tAssign {
			p.fail(&Error{Pos: eq.pos, ID: "MissingEqualsInHashLiteral", Msg: "Missing '=' operator after key in hash literal.", Incomplete: eq.kind == tEOF})
		}
		p.next(exprMode)
		p.skipNewlines()
		if v := p.peek(cmdMode); v.kind == tEOF || v.kind == tRBrace || v.kind == tSemi {
			p.fail(&Error{Pos: v.pos, ID: "MissingStatementAfterAssignmentInHashLiteral", Msg: "Missing statement after '=' in hash literal.", Incomplete: v.kind == tEOF})
		}
		h.Entries = append(h.Entries, HashEntry{Key: key, Value: p.statement()})
		switch n := p.peek(exprMode); n.kind {
		case tNewline, tSemi, tRBrace:
		case tEOF:
			p.fail(&Error{Pos: open.pos, ID: "IncompleteHashLiteral", Msg: "The hash literal was incomplete.", Incomplete: true})
		default:
			p.fail(&Error{Pos: n.pos, ID: "MissingEndCurlyBrace", Msg: "Missing closing '}' in statement block or type definition."})
		}
	}
}

// expandable reads the rest of a double-quoted string after its opening
// quote: `-escapes, "" for a quote, $name, ${name} and $( ) expansions.
func (p *parser) expandable(open token) Expr {
	lx := p.lx
	s := &ExpandString{At: open.pos}
	var lit strings.Builder
	litAt := lx.pos()
	flush := func() {
		if lit.Len() > 0 {
			s.Parts = append(s.Parts, &StringLit{At: litAt, Value: lit.String()})
			lit.Reset()
		}
	}
	unterminated := func() {
		p.fail(&Error{Pos: open.pos, ID: "TerminatorExpectedAtEndOfString", Msg: "The string is missing the terminator: \".", Incomplete: true})
	}
	for {
		if lit.Len() == 0 {
			litAt = lx.pos()
		}
		r := lx.cur()
		switch {
		case r < 0:
			unterminated()
		case r == '"' && lx.at(lx.off+1) == '"':
			lx.step()
			lx.step()
			lit.WriteByte('"')
		case r == '"':
			lx.step()
			flush()
			return s
		case r == '`':
			lx.step()
			e := lx.step()
			if e < 0 {
				unterminated()
			}
			lit.WriteString(backtickEscape(e))
		case r == '$' && lx.at(lx.off+1) == '(':
			flush()
			at := lx.pos()
			lx.step()
			lx.step()
			body := p.script(tRParen)
			p.closing(token{pos: at}, tRParen, "MissingEndParenthesisInSubexpression", "Missing closing ')' in subexpression.")
			s.Parts = append(s.Parts, &SubExpr{At: at, Body: body})
		case r == '$' && (lx.at(lx.off+1) == '{' || isVarPart(lx.at(lx.off+1)) && lx.at(lx.off+1) != ':'):
			flush()
			t, err := lx.variable(token{pos: lx.pos()})
			if err != nil {
				p.fail(err.(*Error))
			}
			s.Parts = append(s.Parts, &Variable{At: t.pos, Name: t.text})
		default:
			lit.WriteString(lx.stepRaw())
		}
	}
}

// backtickEscape maps the character after a backtick to its value.
func backtickEscape(r rune) string {
	switch r {
	case 'n':
		return "\n"
	case 't':
		return "\t"
	case 'r':
		return "\r"
	case '0':
		return "\x00"
	case 'a':
		return "\a"
	case 'b':
		return "\b"
	case 'f':
		return "\f"
	case 'v':
		return "\v"
	case 'e':
		return "\x1b"
	}
	return string(r)
}
