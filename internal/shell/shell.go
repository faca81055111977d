// Package shell runs the ipps command language: it evaluates parsed
// PowerShell-subset scripts, runs pipelines that mix remote cmdlets
// (through Remote sessions) with local ones (Where-Object, Select-Object,
// Format-Table, ...), prints results as the PowerShell console does and
// drives the interactive REPL through a LineIO.
package shell

import (
	"context"
	"errors"
	"io"
	"sort"
	"strings"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/shell/format"
	"github.com/ipps/ipps/internal/shell/parse"
)

// Config configures a Shell.
type Config struct {
	// Out receives formatted output; Err receives errors and warnings.
	Out, Err io.Writer
	// Color prints errors in red and warnings in yellow (set it only when
	// Err is a terminal).
	Color bool
	// Width is the terminal width for tables and lists; 0 means 120.
	Width int
	// Views supplies format data for default output; nil means none.
	Views format.Views
	// Sessions are the connected remote sessions, searched in order.
	Sessions []Session
}

// Shell holds the variables, local commands and sessions of one
// interactive session or script run. It is not safe for concurrent use.
type Shell struct {
	cfg    Config
	vars   map[string]clixml.Value
	locals map[string]*LocalCommand
}

// New returns a Shell with the built-in local cmdlets registered.
func New(cfg Config) *Shell {
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	if cfg.Err == nil {
		cfg.Err = io.Discard
	}
	s := &Shell{cfg: cfg, vars: map[string]clixml.Value{}, locals: map[string]*LocalCommand{}}
	for _, c := range builtins() {
		s.Register(c)
	}
	return s
}

// Register adds (or replaces) a local command. The CLI registers
// Get-ConnectionInformation and Disconnect-ExchangeOnline this way.
func (s *Shell) Register(c *LocalCommand) { s.locals[strings.ToLower(c.Name)] = c }

// SetSessions replaces the remote sessions (after a connect or disconnect).
func (s *Shell) SetSessions(sessions []Session) { s.cfg.Sessions = sessions }

// SetVariable sets $name.
func (s *Shell) SetVariable(name string, v clixml.Value) { s.vars[strings.ToLower(name)] = v }

// Variable returns $name and whether it is set.
func (s *Shell) Variable(name string) (clixml.Value, bool) {
	v, ok := s.vars[strings.ToLower(name)]
	return v, ok
}

// CommandNames returns every command name the shell can run: local
// commands and remote ones under their prefixed local names, sorted.
func (s *Shell) CommandNames() []string {
	seen := map[string]bool{}
	var names []string
	add := func(n string) {
		if k := strings.ToLower(n); !seen[k] {
			seen[k] = true
			names = append(names, n)
		}
	}
	for _, c := range s.locals {
		add(c.Name)
	}
	for _, ss := range s.cfg.Sessions {
		for _, ci := range ss.Remote.Commands() {
			add(ss.localName(ci.Name))
		}
	}
	sort.Slice(names, func(i, j int) bool { return strings.ToLower(names[i]) < strings.ToLower(names[j]) })
	return names
}

// Run parses and runs src, printing each statement's output to Out and
// errors to Err. A statement that fails is reported and the next one
// runs, as in a PowerShell script. Run returns the parse error, if any (it
// is also printed), ctx.Err() once cancelled, or the last statement's
// error.
func (s *Shell) Run(ctx context.Context, src string) error {
	script, err := parse.Parse(src)
	if err != nil {
		io.WriteString(s.cfg.Err, FormatError(err, s.cfg.Color))
		return err
	}
	var last error
	for _, st := range script.Statements {
		if err := ctx.Err(); err != nil {
			return err
		}
		last = s.runTop(ctx, src, st)
		if last != nil && ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return last
}

// Eval parses and runs src and returns its output objects instead of
// printing them; errors are returned, not printed. It is what
// "ipps run --output json" uses with format.Write.
func (s *Shell) Eval(ctx context.Context, src string) ([]clixml.Value, error) {
	script, err := parse.Parse(src)
	if err != nil {
		return nil, err
	}
	var out []clixml.Value
	ev := &evaluator{sh: s, src: src, ctx: ctx}
	err = ev.script(script, func(v clixml.Value) error {
		out = append(out, v)
		return nil
	})
	return out, err
}

// runTop runs one top-level statement with default output.
func (s *Shell) runTop(ctx context.Context, src string, st parse.Statement) error {
	w := format.NewWriter(s.cfg.Out, format.Options{Width: s.cfg.Width, Views: s.cfg.Views})
	ev := &evaluator{sh: s, src: src, ctx: ctx}
	err := ev.statement(st, func(v clixml.Value) error {
		if r, ok := v.(rendered); ok {
			return w.WriteRaw(string(r))
		}
		return w.Write(v)
	})
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		io.WriteString(s.cfg.Err, FormatError(err, s.cfg.Color))
	}
	return err
}

// rendered is text already formatted by Format-Table, Format-List or
// Out-String; default output writes it as is.
type rendered string

// warn writes a WARNING: line to Err.
func (s *Shell) warn(msg string) {
	line := "WARNING: " + msg
	if s.cfg.Color {
		line = "\x1b[93m" + line + "\x1b[0m"
	}
	io.WriteString(s.cfg.Err, line+"\n")
}
