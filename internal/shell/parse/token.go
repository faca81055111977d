// Package parse is the lexer and parser for the PowerShell subset that the
// ipps shell understands: pipelines of commands and expressions, variables,
// literals, hashtables, script blocks and the comparison and logical
// operators used with Where-Object.
//
// Parse returns a *Script or an *Error carrying a line/column position and a
// PowerShell-like message; Error.Incomplete reports input that is merely
// unfinished (an open string, brace or paren, a trailing pipe or backtick),
// which is how the REPL decides to ask for more lines.
package parse

import "fmt"

// Pos is a position in the source: Line and Col are 1-based and Col counts
// runes, not bytes. Offset is the byte offset.
type Pos struct {
	Offset int
	Line   int
	Col    int
}

func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Col) }

// tokenKind classifies tokens. The lexer is modal: the same text lexes as a
// parameter in command mode and as an operator in expression mode.
type tokenKind uint8

const (
	tEOF         tokenKind = iota
	tNewline               // \n (or \r\n)
	tSemi                  // ;
	tPipe                  // |
	tLParen                // (
	tRParen                // )
	tLBrace                // {
	tRBrace                // }
	tAtParen               // @(
	tAtBrace               // @{
	tDollarParen           // $(
	tLBracket              // [
	tRBracket              // ]
	tComma                 // ,
	tDot                   // . directly after a value
	tAssign                // =
	tBang                  // !
	tVariable              // $name; text is the name
	tNumber                // value in tok.num
	tString                // '...'; text is the unescaped value
	tDQuote                // opening " of an expandable string; the parser reads the rest
	tParameter             // -Name or -Name: (command mode); text is the name
	tOperator              // -eq, -and, +, -, *, /, % (expression mode); text is lower-case op
	tGeneric               // bareword argument (command mode)
	tIdent                 // bareword in expression mode: member names, hash keys, commands
)

var kindNames = [...]string{
	tEOF: "end of input", tNewline: "newline", tSemi: ";", tPipe: "|", tLParen: "(",
	tRParen: ")", tLBrace: "{", tRBrace: "}", tAtParen: "@(", tAtBrace: "@{",
	tDollarParen: "$(", tLBracket: "[", tRBracket: "]", tComma: ",", tDot: ".",
	tAssign: "=", tBang: "!", tVariable: "variable", tNumber: "number", tString: "string",
	tDQuote: "string", tParameter: "parameter", tOperator: "operator", tGeneric: "word",
	tIdent: "word",
}

func (k tokenKind) String() string { return kindNames[k] }

// token is one lexed token. end is the byte offset just past it.
type token struct {
	kind  tokenKind
	text  string
	num   any // int32, int64 or float64 for tNumber
	pos   Pos
	end   int
	space bool // whitespace (or start of input) precedes the token
	colon bool // tParameter written as -Name:
}

// operators maps the dash operators of the subset to their canonical
// lower-case spelling. Case-sensitive (-c*) and explicit case-insensitive
// (-i*) variants are accepted; the evaluator honours the c prefix.
var operators = map[string]bool{
	"-eq": true, "-ne": true, "-gt": true, "-ge": true, "-lt": true, "-le": true,
	"-like": true, "-notlike": true, "-match": true, "-notmatch": true,
	"-contains": true, "-notcontains": true, "-in": true, "-notin": true,
	"-and": true, "-or": true, "-xor": true, "-not": true,
	"-ceq": true, "-cne": true, "-clike": true, "-cnotlike": true, "-cmatch": true,
	"-cnotmatch": true, "-ccontains": true, "-cin": true,
	"-ieq": true, "-ine": true, "-ilike": true, "-inotlike": true, "-imatch": true,
	"-inotmatch": true, "-icontains": true, "-iin": true,
	"-igt": true, "-ige": true, "-ilt": true, "-ile": true,
	"-cgt": true, "-cge": true, "-clt": true, "-cle": true,
}

// IsComparison reports whether op (lower-case, with its dash) is a
// comparison operator usable as a Where-Object switch, such as "-eq".
func IsComparison(op string) bool {
	switch op {
	case "-and", "-or", "-xor", "-not":
		return false
	}
	return operators[op]
}
