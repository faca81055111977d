package parse

// Node is any syntax tree node. Position is where its source text starts;
// String prints it back as canonical source that parses to the same tree.
type Node interface {
	Position() Pos
	String() string
}

// Statement is a top-level unit: a *Pipeline or an *Assignment.
type Statement interface {
	Node
	stmtNode()
}

// Expr is an expression node.
type Expr interface {
	Node
	exprNode()
}

// Script is a sequence of statements, the body of a file, a REPL entry, a
// script block or a $( ) subexpression.
type Script struct {
	At         Pos
	Statements []Statement
}

// Pipeline is one or more elements joined by '|'. Each element is a
// *Command or, for the first element only, an Expr.
type Pipeline struct {
	At       Pos
	Elements []Node
}

// Assignment is "$name = statement".
type Assignment struct {
	At     Pos
	Target *Variable
	Value  Statement
}

// Command is a command invocation: a name followed by parameters and
// arguments as written. Binding "-Name value" pairs is left to the
// evaluator, which knows which parameters are switches (as PowerShell's
// binder does).
type Command struct {
	At   Pos
	Name string
	Args []*CommandArg
}

// CommandArg is one command element. A parameter has Param set; with
// Colon it carries its Value ("-P:v"), otherwise Value is nil and the
// binder may take the following positional argument as its value. A
// positional argument has Param empty and Value set.
type CommandArg struct {
	At    Pos
	Param string
	Colon bool
	Value Expr
}

// StringLit is a string constant. Bare marks a command-mode bareword
// (Get-X Name), Single a single-quoted literal; otherwise it is a literal
// piece of an expandable string or a hashtable key.
type StringLit struct {
	At     Pos
	Value  string
	Bare   bool
	Single bool
}

// ExpandString is a double-quoted string: Parts are *StringLit pieces,
// *Variable references and *SubExpr $( ) expansions, concatenated.
type ExpandString struct {
	At    Pos
	Parts []Expr
}

// NumberLit is a numeric constant; Value is int32, int64 or float64.
type NumberLit struct {
	At    Pos
	Value any
	Text  string
}

// Variable is $Name. $true, $false and $null are variables, as in PowerShell.
type Variable struct {
	At   Pos
	Name string
}

// Member is Target.Name. Applied to a list it enumerates the members of
// the items (PowerShell member enumeration).
type Member struct {
	At     Pos
	Target Expr
	Name   string
}

// Index is Target[Index].
type Index struct {
	At     Pos
	Target Expr
	Index  Expr
}

// ArrayLit is the comma operator: a, b, c.
type ArrayLit struct {
	At    Pos
	Elems []Expr
}

// Paren is ( statement ).
type Paren struct {
	At   Pos
	Body Statement
}

// SubExpr is $( statements ).
type SubExpr struct {
	At   Pos
	Body *Script
}

// ArrayExpr is @( statements ); it always yields a list.
type ArrayExpr struct {
	At   Pos
	Body *Script
}

// HashEntry is one key = value pair of a hashtable literal.
type HashEntry struct {
	Key   Expr
	Value Statement
}

// Hashtable is @{ k = v; ... } with entries in source order.
type Hashtable struct {
	At      Pos
	Entries []HashEntry
}

// ScriptBlock is { statements }. Text is the source between the braces.
type ScriptBlock struct {
	At   Pos
	Body *Script
	Text string
}

// Binary is Left Op Right; Op is lower-case ("-eq", "-and", "+").
type Binary struct {
	At          Pos
	Op          string
	Left, Right Expr
}

// Unary is Op Operand with Op one of "-not", "!", "-".
type Unary struct {
	At      Pos
	Op      string
	Operand Expr
}

func (n *Script) Position() Pos       { return n.At }
func (n *Pipeline) Position() Pos     { return n.At }
func (n *Assignment) Position() Pos   { return n.At }
func (n *Command) Position() Pos      { return n.At }
func (n *CommandArg) Position() Pos   { return n.At }
func (n *StringLit) Position() Pos    { return n.At }
func (n *ExpandString) Position() Pos { return n.At }
func (n *NumberLit) Position() Pos    { return n.At }
func (n *Variable) Position() Pos     { return n.At }
func (n *Member) Position() Pos       { return n.At }
func (n *Index) Position() Pos        { return n.At }
func (n *ArrayLit) Position() Pos     { return n.At }
func (n *Paren) Position() Pos        { return n.At }
func (n *SubExpr) Position() Pos      { return n.At }
func (n *ArrayExpr) Position() Pos    { return n.At }
func (n *Hashtable) Position() Pos    { return n.At }
func (n *ScriptBlock) Position() Pos  { return n.At }
func (n *Binary) Position() Pos       { return n.At }
func (n *Unary) Position() Pos        { return n.At }

func (*Pipeline) stmtNode()   {}
func (*Assignment) stmtNode() {}

func (*StringLit) exprNode()    {}
func (*ExpandString) exprNode() {}
func (*NumberLit) exprNode()    {}
func (*Variable) exprNode()     {}
func (*Member) exprNode()       {}
func (*Index) exprNode()        {}
func (*ArrayLit) exprNode()     {}
func (*Paren) exprNode()        {}
func (*SubExpr) exprNode()      {}
func (*ArrayExpr) exprNode()    {}
func (*Hashtable) exprNode()    {}
func (*ScriptBlock) exprNode()  {}
func (*Binary) exprNode()       {}
func (*Unary) exprNode()        {}
