package parse

import (
	"reflect"
	"strings"
	"testing"
)

// exprOf parses src as a single expression statement.
func exprOf(t *testing.T, src string) Expr {
	t.Helper()
	s, err := Parse(src)
	if err != nil {
		t.Fatalf("Parse(%q): %v", src, err)
	}
	if len(s.Statements) != 1 {
		t.Fatalf("Parse(%q): %d statements", src, len(s.Statements))
	}
	pl, ok := s.Statements[0].(*Pipeline)
	if !ok || len(pl.Elements) != 1 {
		t.Fatalf("Parse(%q): not a one-element pipeline: %#v", src, s.Statements[0])
	}
	e, ok := pl.Elements[0].(Expr)
	if !ok {
		t.Fatalf("Parse(%q): element is %T, not an expression", src, pl.Elements[0])
	}
	return e
}

func TestLiterals(t *testing.T) {
	tests := []struct {
		src  string
		want any
	}{
		{`'plain'`, "plain"},
		{`'it''s'`, "it's"},
		{`''`, ""},
		{`'a"b'`, `a"b`},
		{`'no $expansion'`, "no $expansion"},
		{`"tab` + "`t" + `end"`, "tab\tend"},
		{"\"nl`n\"", "nl\n"},
		{"\"q`\"q\"", `q"q`},
		{"\"bt``\"", "bt`"},
		{"\"dollar`$x\"", "dollar$x"},
		{`"dq""dq"`, `dq"dq`},
		{"\"`0`a`b`f`r`v`e\"", "\x00\a\b\f\r\v\x1b"},
		{`"unknown` + "`z" + `"`, "unknownz"},
		{`"a $ b"`, "a $ b"},
		{`42`, int32(42)},
		{`-7`, int32(-7)},
		{`3000000000`, int64(3000000000)},
		{`1.5`, 1.5},
		{`.5`, 0.5},
		{`1e3`, 1000.0},
		{`0x1F`, int32(31)},
		{`1KB`, int32(1024)},
		{`2mb`, int32(2 << 20)},
		{`1GB`, int32(1 << 30)},
		{`4GB`, int64(4 << 30)},
		{`1.5KB`, 1536.0},
	}
	for _, tc := range tests {
		e := exprOf(t, tc.src)
		var got any
		switch x := e.(type) {
		case *StringLit:
			got = x.Value
		case *NumberLit:
			got = x.Value
		case *ExpandString:
			var b strings.Builder
			for _, p := range x.Parts {
				l, ok := p.(*StringLit)
				if !ok {
					t.Fatalf("%s: non-literal part %T", tc.src, p)
				}
				b.WriteString(l.Value)
			}
			got = b.String()
		default:
			t.Fatalf("%s: got %T", tc.src, e)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s = %#v, want %#v", tc.src, got, tc.want)
		}
	}
}

func TestExpandableParts(t *testing.T) {
	e := exprOf(t, `"Hi $name.Length ${odd name} $($x.Count + 1)!"`).(*ExpandString)
	var kinds []string
	for _, p := range e.Parts {
		switch x := p.(type) {
		case *StringLit:
			kinds = append(kinds, "lit:"+x.Value)
		case *Variable:
			kinds = append(kinds, "var:"+x.Name)
		case *SubExpr:
			kinds = append(kinds, "sub:"+x.Body.String())
		}
	}
	want := []string{"lit:Hi ", "var:name", "lit:.Length ", "var:odd name", "lit: ", "sub:$x.Count + 1", "lit:!"}
	if !reflect.DeepEqual(kinds, want) {
		t.Errorf("parts = %q\nwant    %q", kinds, want)
	}
}

// TestCanonical checks the tree shape through its canonical printing.
func TestCanonical(t *testing.T) {
	tests := []struct{ src, want string }{
		{"Get-X", "Get-X"},
		{"Get-X  -Identity  foo", "Get-X -Identity foo"},
		{"Get-X -P:value -S:$false -Sw", "Get-X -P:value -S:$false -Sw"},
		{"Get-X a,b , c", "Get-X a,b,c"},
		{"Get-X 'a b' \"c $d\"", "Get-X 'a b' \"c $d\""},
		{"Get-X | Where-Object { $_.Name -eq 'y' } | Select-Object -First 2",
			"Get-X | Where-Object { $_.Name -eq 'y' } | Select-Object -First 2"},
		{"Get-X |\n  Sort-Object Name", "Get-X | Sort-Object Name"},
		{"Get-X `\n -Name y", "Get-X -Name y"},
		{"$x = Get-X; $x.Name", "$x = Get-X; $x.Name"},
		{"$x = 1\n$y = 2 # comment\n", "$x = 1; $y = 2"},
		{"<# block\ncomment #> 1", "1"},
		{"(Get-X).Name", "(Get-X).Name"},
		{"$a.b.c[1]", "$a.b.c[1]"},
		{"1,2,3", "1, 2, 3"},
		{"@(1)", "@(1)"},
		{"@()", "@()"},
		{"@{Add='x'; Remove='y'}", "@{Add = 'x'; Remove = 'y'}"},
		{"@{\n  Add = 'x'\n  Remove = 'y'\n}", "@{Add = 'x'; Remove = 'y'}"},
		{"@{'a b'=1}", "@{'a b' = 1}"},
		{"-not $a -eq $b", "-not $a -eq $b"},
		{"!$x.Enabled", "!$x.Enabled"},
		{"$a -gt 1 -and $b -LIKE 'x*' -or $c", "$a -gt 1 -and $b -like 'x*' -or $c"},
		{"1 + 2 * 3", "1 + 2 * 3"},
		{"$x -in 'a','b'", "$x -in 'a', 'b'"},
		{"$l -contains 3", "$l -contains 3"},
		{"$s -match '^a' -and $s -notmatch 'b$'", "$s -match '^a' -and $s -notmatch 'b$'"},
		{"Where-Object Name -eq x", "Where-Object Name -eq x"},
		{"Select-Object @{n='x';e={$_.Name}}", "Select-Object @{n = 'x'; e = { $_.Name }}"},
		{"$(Get-X; 2)", "$(Get-X; 2)"},
		{"Get-X -Count 5 -Size 1KB", "Get-X -Count 5 -Size 1KB"},
		{"Get-X 'it''s'", "Get-X 'it''s'"},
		{"Get-X a`,b", "Get-X 'a,b'"},
		{"${weird var}", "${weird var}"},
		{"{}", "{}"},
	}
	for _, tc := range tests {
		s, err := Parse(tc.src)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.src, err)
			continue
		}
		if got := s.String(); got != tc.want {
			t.Errorf("Parse(%q) = %q, want %q", tc.src, got, tc.want)
		}
	}
}

func TestPrecedence(t *testing.T) {
	b := exprOf(t, "$a -eq 1 -or $b -eq 2 -and $c").(*Binary)
	// -and and -or share a precedence level and associate left.
	if b.Op != "-and" {
		t.Fatalf("top op = %s, want -and", b.Op)
	}
	if l := b.Left.(*Binary); l.Op != "-or" {
		t.Fatalf("left op = %s, want -or", l.Op)
	}
	n := exprOf(t, "-not $a -eq $b").(*Binary)
	if _, ok := n.Left.(*Unary); !ok || n.Op != "-eq" {
		t.Fatalf("-not should bind tighter than -eq: %#v", n)
	}
	c := exprOf(t, "1,2 -contains 2").(*Binary)
	if _, ok := c.Left.(*ArrayLit); !ok {
		t.Fatalf("comma should bind tighter than -contains: %#v", c)
	}
}

func TestCommandArgs(t *testing.T) {
	s, err := Parse("Get-X pos -Named value -Sw -C:$true 12 $v.P")
	if err != nil {
		t.Fatal(err)
	}
	c := s.Statements[0].(*Pipeline).Elements[0].(*Command)
	var got []string
	for _, a := range c.Args {
		switch {
		case a.Param == "":
			got = append(got, "pos:"+a.Value.String())
		case a.Colon:
			got = append(got, "colon:"+a.Param+"="+a.Value.String())
		default:
			got = append(got, "param:"+a.Param)
		}
	}
	want := []string{"pos:pos", "param:Named", "pos:value", "param:Sw", "colon:C=$true", "pos:12", "pos:$v.P"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("args = %q\nwant   %q", got, want)
	}
	if n, ok := c.Args[5].Value.(*NumberLit); !ok || n.Value != int32(12) {
		t.Errorf("12 in command mode should be a number, got %#v", c.Args[5].Value)
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		src        string
		line, col  int
		id         string
		incomplete bool
	}{
		{"Get-X | ", 1, 7, "EmptyPipeElement", true},
		{"Get-X | | Y", 1, 7, "EmptyPipeElement", false},
		{"'abc", 1, 1, "TerminatorExpectedAtEndOfString", true},
		{"Get-X \"abc", 1, 7, "TerminatorExpectedAtEndOfString", true},
		{"Where { $_", 1, 7, "MissingEndCurlyBrace", true},
		{"(1 + 2", 1, 1, "MissingEndParenthesisInExpression", true},
		{"(1 + 2 3", 1, 8, "MissingEndParenthesisInExpression", false},
		{"$(1", 1, 1, "MissingEndParenthesisInSubexpression", true},
		{"@{a=1", 1, 1, "IncompleteHashLiteral", true},
		{"@{a 1}", 1, 5, "MissingEqualsInHashLiteral", false},
		{"Get-X `", 1, 7, "IncompleteLineContinuation", true},
		{"1 -eq", 1, 6, "ExpectedValueExpression", true},
		{"1 -eq )", 1, 7, "ExpectedValueExpression", false},
		{"Get-X }", 1, 7, "UnexpectedToken", false},
		{"Get-X\n  Get-Y | 5", 2, 11, "ExpressionsMustBeFirstInPipeline", false},
		{"$x.", 1, 4, "MissingPropertyName", true},
		{"$x = ", 1, 6, "ExpectedValueExpression", true},
		{"-not", 1, 5, "MissingExpressionAfterOperator", true},
		{"1,", 1, 2, "MissingExpressionAfterToken", true},
		{"$x.ToUpper()", 1, 11, "MethodCallNotSupported", false},
		{"'ok'; 1 2", 1, 9, "UnexpectedToken", false},
		{"<# open", 1, 1, "MissingTerminatorMultiLineComment", true},
		{"Get-X -P:", 1, 10, "MissingArgument", true},
	}
	for _, tc := range tests {
		_, err := Parse(tc.src)
		e, ok := err.(*Error)
		if !ok {
			t.Errorf("Parse(%q): err = %v, want *Error", tc.src, err)
			continue
		}
		if e.Pos.Line != tc.line || e.Pos.Col != tc.col || e.ID != tc.id || e.Incomplete != tc.incomplete {
			t.Errorf("Parse(%q) = %d:%d %s incomplete=%v (%s), want %d:%d %s incomplete=%v",
				tc.src, e.Pos.Line, e.Pos.Col, e.ID, e.Incomplete, e.Msg, tc.line, tc.col, tc.id, tc.incomplete)
		}
	}
}

func TestErrorFormat(t *testing.T) {
	_, err := Parse("Get-X\nGet-Y | Where-Object { $_.Name -eq 'a' ")
	got := err.(*Error).Format()
	want := `At line:2 char:22
+ Get-Y | Where-Object { $_.Name -eq 'a' 
+                      ~
Missing closing '}' in statement block or type definition.
    + CategoryInfo          : ParserError: (:) [], ParentContainsErrorRecordException
    + FullyQualifiedErrorId : MissingEndCurlyBrace
`
	if got != want {
		t.Errorf("Format:\n%s\nwant:\n%s", got, want)
	}
	if c := Caret("\tab", 2, 2); c != "+ \tab\n+ \t~~\n" {
		t.Errorf("Caret with tab = %q", c)
	}
}

func TestComplete(t *testing.T) {
	tests := []struct {
		src  string
		want bool
	}{
		{"Get-X", true},
		{"Get-X |", false},
		{"Get-X |\n", false},
		{"Get-X `", false},
		{"Get-X `\n", false},
		{"Get-X `\n-P 1", true},
		{"'open", false},
		{"'open\nclose'", true},
		{"\"open $(", false},
		{"Where { $_", false},
		{"Where { $_ }", true},
		{"@{\n a = 1", false},
		{"(1 +", false},
		{"Get-X }", true}, // an error, but not one more input fixes
		{"", true},
		{"# just a comment", true},
	}
	for _, tc := range tests {
		if got := Complete(tc.src); got != tc.want {
			t.Errorf("Complete(%q) = %v, want %v", tc.src, got, tc.want)
		}
	}
}

func TestPositions(t *testing.T) {
	s, err := Parse("$a = 1\n  Get-Thing -X é 'ü'")
	if err != nil {
		t.Fatal(err)
	}
	c := s.Statements[1].(*Pipeline).Elements[0].(*Command)
	if c.At.Line != 2 || c.At.Col != 3 {
		t.Errorf("command at %v, want 2:3", c.At)
	}
	if p := c.Args[2].At; p.Line != 2 || p.Col != 18 {
		t.Errorf("string arg at %v, want 2:18 (columns count runes)", p)
	}
}
