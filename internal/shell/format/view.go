package format

import (
	"strings"

	"github.com/ipps/ipps/internal/clixml"
)

// Alignment of a table column.
type Alignment uint8

// Column alignments. AlignUndefined aligns numbers right and text left.
const (
	AlignUndefined Alignment = iota
	AlignLeft
	AlignRight
	AlignCenter
)

// Column is one column of a table view: Label is the header (Property
// when empty), Width the fixed width in cells (0 = computed from content).
type Column struct {
	Label    string
	Property string
	Width    int
	Align    Alignment
}

// View is the format data registered for a type: a table view, a list
// view or both. The default output uses the table view when present.
type View struct {
	Table []Column
	List  []string
}

// Views looks up format data by an object's type-name chain. The CLI fills
// an implementation from Get-FormatData results of the remote session.
type Views interface {
	// Lookup returns the view for the first type name in typeNames that has
	// one, or nil. Names may carry a "Deserialized." prefix.
	Lookup(typeNames []string) *View
}

// ViewMap is a Views keyed by type name, matched case-insensitively and
// with or without the "Deserialized." prefix.
type ViewMap map[string]*View

// Lookup implements Views.
func (m ViewMap) Lookup(typeNames []string) *View {
	for _, tn := range typeNames {
		tn = strings.TrimPrefix(tn, "Deserialized.")
		for k, v := range m {
			if strings.EqualFold(strings.TrimPrefix(k, "Deserialized."), tn) {
				return v
			}
		}
	}
	return nil
}

func lookup(views Views, v clixml.Value) *View {
	o, ok := v.(*clixml.Object)
	if views == nil || !ok || o == nil {
		return nil
	}
	return views.Lookup(o.TypeNames)
}

// propertyValue reads a property of v (case-insensitive); missing is nil.
func propertyValue(v clixml.Value, name string) clixml.Value {
	if o, ok := v.(*clixml.Object); ok {
		val, _ := o.Get(name)
		return val
	}
	return nil
}
