package compliance

import (
	"errors"
	"fmt"
	"path"
	"strings"
	"unicode"
)

// errFilterSyntax is Exchange's OPATH syntax error text.
var errFilterSyntax = errors.New("Invalid filter syntax. For a description of the filter parameter syntax see the command help.")

// parseFilter compiles the OPATH subset ipps supports: comparisons
// "Prop -eq|-ne|-like|-notlike value" joined by -and / -or (evaluated left
// to right), values quoted, bare, $true, $false or $null. The empty filter
// matches everything. Property names are matched case-insensitively
// against the keys (lowercase) of the map given to the matcher.
func parseFilter(s string) (func(map[string]any) bool, error) {
	toks, err := tokenize(s)
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return func(map[string]any) bool { return true }, nil
	}
	type clause struct {
		prop, op string
		val      any
		join     string
	}
	var clauses []clause
	join := "-and"
	for i := 0; i < len(toks); {
		if i+2 >= len(toks) {
			return nil, errFilterSyntax
		}
		op := strings.ToLower(toks[i+1].text)
		switch op {
		case "-eq", "-ne", "-like", "-notlike":
		default:
			return nil, errFilterSyntax
		}
		clauses = append(clauses, clause{prop: strings.ToLower(toks[i].text), op: op, val: toks[i+2].value(), join: join})
		i += 3
		if i < len(toks) {
			join = strings.ToLower(toks[i].text)
			if join != "-and" && join != "-or" {
				return nil, errFilterSyntax
			}
			i++
			if i == len(toks) {
				return nil, errFilterSyntax
			}
		}
	}
	return func(props map[string]any) bool {
		result := true
		for i, c := range clauses {
			v, ok := props[c.prop]
			hit := false
			if ok {
				hit = compare(v, c.op, c.val)
			}
			if i == 0 {
				result = hit
			} else if c.join == "-and" {
				result = result && hit
			} else {
				result = result || hit
			}
		}
		return result
	}, nil
}

func compare(v any, op string, want any) bool {
	switch op {
	case "-eq":
		return equalValue(v, want)
	case "-ne":
		return !equalValue(v, want)
	}
	m, _ := path.Match(strings.ToLower(fmt.Sprint(want)), strings.ToLower(fmt.Sprint(v)))
	if op == "-notlike" {
		return !m
	}
	return m
}

func equalValue(v, want any) bool {
	if b, ok := v.(bool); ok {
		switch w := want.(type) {
		case bool:
			return b == w
		case string:
			return strings.EqualFold(w, fmt.Sprint(b))
		}
		return false
	}
	if want == nil {
		return v == nil || v == ""
	}
	return strings.EqualFold(fmt.Sprint(v), fmt.Sprint(want))
}

type token struct {
	text   string
	quoted bool
}

func (t token) value() any {
	if t.quoted {
		return t.text
	}
	switch strings.ToLower(t.text) {
	case "$true":
		return true
	case "$false":
		return false
	case "$null":
		return nil
	}
	return t.text
}

func tokenize(s string) ([]token, error) {
	s = strings.TrimSpace(s)
	for len(s) >= 2 && (s[0] == '{' && s[len(s)-1] == '}' || s[0] == '(' && s[len(s)-1] == ')') {
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	var out []token
	for i := 0; i < len(s); {
		r := rune(s[i])
		switch {
		case unicode.IsSpace(r):
			i++
		case r == '\'' || r == '"':
			j := strings.IndexByte(s[i+1:], s[i])
			if j < 0 {
				return nil, errFilterSyntax
			}
			out = append(out, token{text: s[i+1 : i+1+j], quoted: true})
			i += j + 2
		default:
			j := i
			for j < len(s) && !unicode.IsSpace(rune(s[j])) {
				j++
			}
			out = append(out, token{text: s[i:j]})
			i = j
		}
	}
	return out, nil
}
