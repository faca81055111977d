package shell

import (
	"sort"
	"strings"
)

// Complete returns the tab completions for the word that ends at byte
// offset pos of line: command names at the start of a pipeline element,
// "-Parameter" names after a '-' (for the element's command), and the
// valid values of the preceding parameter when it declares some. Each
// candidate replaces the whole word; matching is case-insensitive and
// results are sorted.
func (s *Shell) Complete(line string, pos int) []string {
	if pos > len(line) {
		pos = len(line)
	}
	head := line[:pos]
	start := strings.LastIndexAny(head, " \t|;({") + 1
	word := head[start:]
	before := strings.TrimRight(head[:start], " \t")
	// The element's command is the first word after the last | ; ( or {.
	elemStart := strings.LastIndexAny(before, "|;({") + 1
	fields := strings.Fields(before[elemStart:])
	var out []string
	add := func(cand string) {
		if len(cand) >= len(word) && strings.EqualFold(cand[:len(word)], word) {
			out = append(out, cand)
		}
	}
	switch {
	case len(fields) == 0:
		for _, n := range s.CommandNames() {
			add(n)
		}
	case strings.HasPrefix(word, "-"):
		for _, p := range s.params(fields[0]) {
			add("-" + p.Name)
		}
	default:
		last := fields[len(fields)-1]
		if strings.HasPrefix(last, "-") {
			for _, p := range s.params(fields[0]) {
				if strings.EqualFold(p.Name, strings.TrimSuffix(last[1:], ":")) {
					for _, v := range p.Values {
						add(v)
					}
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// params returns the parameters of a local or remote command. Remote
// parameters carry no valid values yet: runspace.ParameterInfo has no
// such field, so enum completion works only for local commands until it
// does.
func (s *Shell) params(cmd string) []Param {
	if lc, ok := s.locals[strings.ToLower(cmd)]; ok {
		return lc.Params
	}
	r, ok := resolveRemote(s.cfg.Sessions, cmd)
	if !ok {
		return nil
	}
	out := make([]Param, len(r.info.Parameters))
	for i, p := range r.info.Parameters {
		out[i] = Param{Name: p.Name, Switch: p.Switch, Aliases: p.Aliases, Position: -1}
	}
	return out
}
