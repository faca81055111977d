package parse

import (
	"strings"
)

// The String methods print canonical source: single spaces between
// elements, statements joined by "; ", strings re-quoted. Parsing the
// printed text yields a tree that prints identically.

func (n *Script) String() string {
	parts := make([]string, len(n.Statements))
	for i, s := range n.Statements {
		parts[i] = s.String()
	}
	return strings.Join(parts, "; ")
}

func (n *Pipeline) String() string {
	parts := make([]string, len(n.Elements))
	for i, e := range n.Elements {
		parts[i] = e.String()
	}
	return strings.Join(parts, " | ")
}

func (n *Assignment) String() string { return n.Target.String() + " = " + n.Value.String() }

func (n *Command) String() string {
	var b strings.Builder
	b.WriteString(bareword(n.Name))
	for _, a := range n.Args {
		b.WriteByte(' ')
		b.WriteString(a.String())
	}
	return b.String()
}

func (n *CommandArg) String() string {
	switch {
	case n.Param == "":
		return argString(n.Value)
	case n.Colon:
		return "-" + n.Param + ":" + argString(n.Value)
	}
	return "-" + n.Param
}

// argString prints an expression in command-argument position, where
// barewords stay bare and anything else must be a primary.
func argString(e Expr) string {
	switch x := e.(type) {
	case *StringLit:
		if x.Bare {
			return bareword(x.Value)
		}
	case *ArrayLit:
		parts := make([]string, len(x.Elems))
		for i, el := range x.Elems {
			parts[i] = argString(el)
		}
		return strings.Join(parts, ",")
	}
	return e.String()
}

// bareword prints a command-mode word, quoting it when it would not lex
// back as the same bareword.
func bareword(s string) string {
	l := newLexer(s)
	if t, err := l.next(cmdMode); err == nil && t.kind == tGeneric && t.text == s && l.off == len(s) &&
		!strings.ContainsAny(s, "`'\"$#") && !strings.HasPrefix(s, "!") {
		return s
	}
	return quoteSingle(s)
}

func quoteSingle(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func (n *StringLit) String() string {
	if n.Bare && isSimpleIdent(n.Value) {
		return n.Value
	}
	return quoteSingle(n.Value)
}

func isSimpleIdent(s string) bool {
	if s == "" || !isIdentStart([]rune(s)[0]) {
		return false
	}
	for _, r := range s {
		if !isIdentPart(r) {
			return false
		}
	}
	return true
}

func (n *ExpandString) String() string {
	var b strings.Builder
	b.WriteByte('"')
	for i, p := range n.Parts {
		switch x := p.(type) {
		case *StringLit:
			for _, r := range x.Value {
				switch r {
				case '`', '"', '$':
					b.WriteByte('`')
					b.WriteRune(r)
				case '\n':
					b.WriteString("`n")
				case '\t':
					b.WriteString("`t")
				case '\r':
					b.WriteString("`r")
				case 0:
					b.WriteString("`0")
				case '\a':
					b.WriteString("`a")
				case '\b':
					b.WriteString("`b")
				case '\f':
					b.WriteString("`f")
				case '\v':
					b.WriteString("`v")
				case 0x1b:
					b.WriteString("`e")
				default:
					b.WriteRune(r)
				}
			}
		case *Variable:
			next := ""
			if i+1 < len(n.Parts) {
				if l, ok := n.Parts[i+1].(*StringLit); ok {
					next = l.Value
				}
			}
			if simpleVarName(x.Name) && (next == "" || !isVarPart([]rune(next)[0])) {
				b.WriteString("$" + x.Name)
			} else {
				b.WriteString("${" + x.Name + "}")
			}
		default:
			b.WriteString(p.String())
		}
	}
	b.WriteByte('"')
	return b.String()
}

func simpleVarName(s string) bool {
	if s == "" || strings.HasSuffix(s, ":") {
		return false
	}
	for _, r := range s {
		if !isVarPart(r) {
			return false
		}
	}
	return true
}

func (n *NumberLit) String() string { return n.Text }

func (n *Variable) String() string {
	if simpleVarName(n.Name) {
		return "$" + n.Name
	}
	return "${" + n.Name + "}"
}

func (n *Member) String() string {
	name := n.Name
	if !isSimpleIdent(name) {
		name = quoteSingle(name)
	}
	return n.Target.String() + "." + name
}

func (n *Index) String() string { return n.Target.String() + "[" + n.Index.String() + "]" }

func (n *ArrayLit) String() string {
	parts := make([]string, len(n.Elems))
	for i, e := range n.Elems {
		parts[i] = e.String()
	}
	return strings.Join(parts, ", ")
}

func (n *Paren) String() string     { return "(" + n.Body.String() + ")" }
func (n *SubExpr) String() string   { return "$(" + n.Body.String() + ")" }
func (n *ArrayExpr) String() string { return "@(" + n.Body.String() + ")" }

func (n *Hashtable) String() string {
	parts := make([]string, len(n.Entries))
	for i, e := range n.Entries {
		parts[i] = e.Key.String() + " = " + e.Value.String()
	}
	return "@{" + strings.Join(parts, "; ") + "}"
}

func (n *ScriptBlock) String() string {
	if len(n.Body.Statements) == 0 {
		return "{}"
	}
	return "{ " + n.Body.String() + " }"
}

func (n *Binary) String() string { return n.Left.String() + " " + n.Op + " " + n.Right.String() }

func (n *Unary) String() string {
	if n.Op == "-not" {
		return "-not " + n.Operand.String()
	}
	return n.Op + n.Operand.String()
}
