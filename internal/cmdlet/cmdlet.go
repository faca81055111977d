// Package cmdlet declares cmdlets as data and derives everything else from
// that one declaration: the parameter binder (PowerShell's rules and exact
// error texts), command metadata for Get-Command / GET_COMMAND_METADATA, and
// Get-Help text.
//
// A Cmdlet lists its Params; each Param names the parameter sets it belongs
// to (none = all sets), its kind, validation and help. Bind turns the
// runspace.Args of one command into a Bound value set, or a *BindError that
// carries PowerShell's message and FullyQualifiedErrorId. Restrict returns a
// copy of a Cmdlet that exposes only the parameters a role grants, so a
// parameter the caller does not hold is simply "not found".
package cmdlet

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/psrp"
	"github.com/ipps/ipps/internal/runspace"
)

// Kind is the value kind of a parameter; it selects the conversion the
// binder applies and the .NET type name metadata reports.
type Kind uint8

// Parameter kinds.
const (
	String       Kind = iota + 1 // System.String
	Int                          // System.Int32
	Bool                         // System.Boolean
	Switch                       // SwitchParameter
	Enum                         // a .NET enum: Values lists the names
	Identity                     // an *IdParameter: a string, or an object's Identity
	SecureString                 // System.Security.SecureString (kept opaque)
	DateTime                     // System.DateTime
	Unlimited                    // Unlimited`1: "Unlimited" or a number (days)
	Hashtable                    // System.Collections.Hashtable
	GUID                         // System.Guid
)

// AllSets is the name PowerShell uses for a parameter in every set.
const AllSets = "__AllParameterSets"

// SetSpec places a parameter in one parameter set.
type SetSpec struct {
	Name      string
	Mandatory bool
	// Position is the 1-based position in this set as the docs write it
	// ("P1"); 0 means named only.
	Position int
}

// Param declares one parameter.
type Param struct {
	Name string
	Kind Kind
	// Type overrides the .NET type name reported in metadata, e.g.
	// "Microsoft.Exchange.Configuration.Tasks.PolicyIdParameter".
	Type string
	// Multi makes the parameter take an array (or MultiValuedProperty).
	Multi bool
	// AddRemove additionally accepts the @{Add=..;Remove=..} hashtable form
	// of a MultiValuedProperty; the bound value is then a *MultiValue.
	AddRemove bool
	// Sets places the parameter in named sets; empty means every set,
	// with Mandatory and Position below.
	Sets      []SetSpec
	Mandatory bool
	Position  int // 1-based, 0 = named; ignored when Sets is non-empty
	// FromPipeline binds whole pipeline input objects (ValueFromPipeline);
	// FromPipelineByName binds a same-named input property.
	FromPipeline       bool
	FromPipelineByName bool
	Aliases            []string
	// Values lists an Enum's names or a ValidateSet (case-insensitive).
	Values []string
	// Range is a ValidateRange for Int; Length a ValidateLength for String.
	Range  *Range
	Length *Range
	// NotNullOrEmpty is ValidateNotNullOrEmpty.
	NotNullOrEmpty bool
	// Secret marks values that audit must never record in clear. Kinds
	// SecureString are always secret.
	Secret bool
	Help   string
}

// Range is an inclusive [Min, Max] bound.
type Range struct{ Min, Max int64 }

// Handler runs a cmdlet once per pipeline input object (once with a nil
// Input when there is none). Errors it returns are terminating unless they
// are *NonTerminating; an error that is not a *psrp.ErrorRecord is reported
// with the cmdlet's generic error identity.
type Handler func(ctx context.Context, inv *Invocation) error

// Cmdlet is one cmdlet declared as data.
type Cmdlet struct {
	// Name is Verb-Noun.
	Name string
	// Module is the module name reported by Get-Command.
	Module      string
	Synopsis    string
	Description string
	// OutputTypes are the .NET type names of emitted objects.
	OutputTypes []string
	// DefaultSet is DefaultParameterSetName ("" = none).
	DefaultSet string
	// ShouldProcess adds -WhatIf and -Confirm (SupportsShouldProcess).
	ShouldProcess bool
	Params        []*Param
	Run           Handler

	// sets caches SetNames for a Cmdlet made by Restrict (which must not
	// be modified, so its sets can't change); nil otherwise.
	sets []string
}

// Verb returns the part of Name before the first '-'.
func (c *Cmdlet) Verb() string {
	v, _, _ := strings.Cut(c.Name, "-")
	return v
}

// Param returns the declared (not common) parameter called name,
// case-insensitively, or nil.
func (c *Cmdlet) Param(name string) *Param {
	for _, p := range c.Params {
		if strings.EqualFold(p.Name, name) {
			return p
		}
	}
	return nil
}

// Restrict returns a copy of c exposing only the declared parameters for
// which allow returns true. Common parameters are always kept. The
// returned Cmdlet shares Param values with c and must not be modified.
func (c *Cmdlet) Restrict(allow func(param string) bool) *Cmdlet {
	cp := *c
	cp.Params = make([]*Param, 0, len(c.Params))
	for _, p := range c.Params {
		if allow(p.Name) {
			cp.Params = append(cp.Params, p)
		}
	}
	cp.sets = nil // c's, if c was restricted
	cp.sets = cp.setNames()
	return &cp
}

// SetNames lists the cmdlet's parameter sets in first-mention order;
// a cmdlet whose parameters name no set has the single set AllSets. The
// result must not be modified: a Cmdlet made by Restrict returns the
// same slice on every call (binding calls SetNames for every invocation).
func (c *Cmdlet) SetNames() []string {
	if c.sets != nil {
		return c.sets
	}
	return c.setNames()
}

func (c *Cmdlet) setNames() []string {
	var out []string
	add := func(s string) {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	if c.DefaultSet != "" {
		add(c.DefaultSet)
	}
	for _, p := range c.Params {
		for _, s := range p.Sets {
			add(s.Name)
		}
	}
	if len(out) == 0 {
		out = []string{AllSets}
	}
	return out
}

// spec returns p's membership in set, or false when p is not in it.
func (p *Param) spec(set string) (SetSpec, bool) {
	if len(p.Sets) == 0 {
		return SetSpec{Name: set, Mandatory: p.Mandatory, Position: p.Position}, true
	}
	for _, s := range p.Sets {
		if s.Name == set {
			return s, true
		}
	}
	return SetSpec{}, false
}

// IsSecret reports whether values of p must be redacted in audit records.
func (p *Param) IsSecret() bool {
	if p.Secret || p.Kind == SecureString {
		return true
	}
	return containsLower(p.Name, "password") || containsLower(p.Name, "secret") || containsLower(p.Name, "credential")
}

// containsLower reports strings.Contains(strings.ToLower(s), sub) for a
// lowercase ASCII sub, without allocating when s is ASCII (parameter
// names are).
func containsLower(s, sub string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return strings.Contains(strings.ToLower(s), sub)
		}
	}
	for i := 0; i+len(sub) <= len(s); i++ {
		j := 0
		for ; j < len(sub); j++ {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != sub[j] {
				break
			}
		}
		if j == len(sub) {
			return true
		}
	}
	return false
}

// Invocation is what a Handler receives for one input object.
type Invocation struct {
	Cmdlet    *Cmdlet
	Principal runspace.Principal
	// Bound holds the bound parameters, including pipeline-bound ones.
	Bound *Bound
	// Input is the current pipeline input object, or nil.
	Input clixml.Value
	Out   runspace.Output
	// Server is the server name used in Exchange-style error texts.
	Server string
	// SessionID is the shell ID (for audit and paging sessions).
	SessionID string
}

// NotFound returns a NotFound TaskError naming inv.Server.
func (inv *Invocation) NotFound(identity string) *TaskError { return NotFound(identity, inv.Server) }

// WriteObject emits one output object.
func (inv *Invocation) WriteObject(v clixml.Value) error { return inv.Out.WriteObject(v) }

// WriteWarning emits a WARNING record.
func (inv *Invocation) WriteWarning(msg string) error {
	return inv.Out.WriteInformational(psrp.InformationalRecord{Kind: psrp.Warning, Message: msg})
}
