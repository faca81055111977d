package cli

import (
	"strings"

	"github.com/ipps/ipps/internal/shell/parse"
)

// scriptCommands returns the command names src invokes, anywhere in it
// (script blocks, subexpressions and arguments included), in first-use
// order without duplicates, so that `ipps run` can import only their
// metadata. ok is false when the whole list is needed instead: src does
// not parse (the shell reports that), or it calls Get-Help or
// Get-Command, which look commands up by an argument.
func scriptCommands(src string) (names []string, ok bool) {
	script, err := parse.Parse(src)
	if err != nil {
		return nil, false
	}
	w := nameWalker{seen: map[string]bool{}, names: []string{}}
	w.script(script)
	if w.seen["get-help"] || w.seen["get-command"] {
		return nil, false
	}
	return w.names, true
}

type nameWalker struct {
	seen  map[string]bool
	names []string
}

func (w *nameWalker) script(s *parse.Script) {
	if s == nil {
		return
	}
	for _, st := range s.Statements {
		w.stmt(st)
	}
}

func (w *nameWalker) stmt(st parse.Statement) {
	switch st := st.(type) {
	case *parse.Pipeline:
		for _, el := range st.Elements {
			w.node(el)
		}
	case *parse.Assignment:
		w.stmt(st.Value)
	}
}

func (w *nameWalker) node(n parse.Node) {
	switch n := n.(type) {
	case *parse.Command:
		if k := strings.ToLower(n.Name); !w.seen[k] {
			w.seen[k] = true
			w.names = append(w.names, n.Name)
		}
		for _, a := range n.Args {
			if a.Value != nil {
				w.node(a.Value)
			}
		}
	case *parse.ExpandString:
		for _, p := range n.Parts {
			w.node(p)
		}
	case *parse.Member:
		w.node(n.Target)
	case *parse.Index:
		w.node(n.Target)
		w.node(n.Index)
	case *parse.ArrayLit:
		for _, e := range n.Elems {
			w.node(e)
		}
	case *parse.Paren:
		w.stmt(n.Body)
	case *parse.SubExpr:
		w.script(n.Body)
	case *parse.ArrayExpr:
		w.script(n.Body)
	case *parse.Hashtable:
		for _, e := range n.Entries {
			w.node(e.Key)
			w.stmt(e.Value)
		}
	case *parse.ScriptBlock:
		w.script(n.Body)
	case *parse.Binary:
		w.node(n.Left)
		w.node(n.Right)
	case *parse.Unary:
		w.node(n.Operand)
	}
}

// remoteNames maps the names a script uses to the remote names of a
// session imported with prefix (Get-EXOMailbox is Get-Mailbox under
// "EXO"; names without the prefix are not the session's), escaped so the
// server matches them literally rather than as wildcards.
func remoteNames(names []string, prefix string) []string {
	out := []string{}
	for _, n := range names {
		if prefix != "" {
			verb, noun, ok := strings.Cut(n, "-")
			if !ok || len(noun) <= len(prefix) || !strings.EqualFold(noun[:len(prefix)], prefix) {
				continue
			}
			n = verb + "-" + noun[len(prefix):]
		}
		out = append(out, wildcardEscaper.Replace(n))
	}
	return out
}

// wildcardEscaper escapes PowerShell wildcard characters with a backtick.
var wildcardEscaper = strings.NewReplacer("`", "``", "*", "`*", "?", "`?", "[", "`[", "]", "`]")
