package implicit

import (
	"context"

	"github.com/google/uuid"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/cmdlet"
	"github.com/ipps/ipps/internal/runspace"
)

const typeExtendedTypeDefinition = "System.Management.Automation.ExtendedTypeDefinition"

// Column is one table-view column.
type Column struct {
	// Property is the property shown; Label defaults to it.
	Property string
	Label    string
	// Width is the column width, 0 for automatic.
	Width int
}

// TypeFormat is the default formatting of one type: a table view and a
// list view.
type TypeFormat struct {
	TypeName string
	Table    []Column
	// List names the list-view properties; empty means the table columns.
	List []string
}

// FormatTable is the format data Get-FormatData serves, in order.
type FormatTable []TypeFormat

func getFormatData(ctx context.Context, w *wrapped, b *cmdlet.Bound, in <-chan clixml.Value, out runspace.Output) error {
	if _, err := drain(ctx, in); err != nil {
		return err
	}
	names := b.Strings("TypeName")
	for _, f := range w.formats {
		if !matchAny(names, f.TypeName) {
			continue
		}
		if err := out.WriteObject(f.object()); err != nil {
			return err
		}
	}
	return nil
}

func displayEntry(prop string) *clixml.Object {
	return clixml.NewTypedObject([]string{"System.Management.Automation.DisplayEntry", "System.Object"},
		clixml.Property{Name: "ValueType", Value: clixml.NewEnum("System.Management.Automation.DisplayEntryValueType", 0, "Property")},
		clixml.Property{Name: "Value", Value: prop},
	)
}

func alignment() *clixml.Object {
	return clixml.NewEnum("System.Management.Automation.Alignment", 0, "Undefined")
}

func list(items ...clixml.Value) *clixml.Object {
	return &clixml.Object{TypeNames: []string{"System.Collections.Generic.List`1[[System.Object]]", "System.Object"}, Kind: clixml.List, Items: items}
}

// object renders f as an ExtendedTypeDefinition with a TableControl and a
// ListControl view.
func (f TypeFormat) object() *clixml.Object {
	var headers, columns []clixml.Value
	for _, c := range f.Table {
		label := c.Label
		if label == "" {
			label = c.Property
		}
		headers = append(headers, clixml.NewTypedObject([]string{"System.Management.Automation.TableControlColumnHeader", "System.Object"},
			clixml.Property{Name: "Label", Value: label},
			clixml.Property{Name: "Alignment", Value: alignment()},
			clixml.Property{Name: "Width", Value: int32(c.Width)},
		))
		columns = append(columns, clixml.NewTypedObject([]string{"System.Management.Automation.TableControlColumn", "System.Object"},
			clixml.Property{Name: "Alignment", Value: alignment()},
			clixml.Property{Name: "DisplayEntry", Value: displayEntry(c.Property)},
			clixml.Property{Name: "FormatString", Value: nil},
		))
	}
	row := clixml.NewTypedObject([]string{"System.Management.Automation.TableControlRow", "System.Object"},
		clixml.Property{Name: "Columns", Value: list(columns...)},
		clixml.Property{Name: "Wrap", Value: false},
		clixml.Property{Name: "SelectedBy", Value: nil},
	)
	table := clixml.NewTypedObject([]string{"System.Management.Automation.TableControl", "System.Management.Automation.PSControl", "System.Object"},
		clixml.Property{Name: "Headers", Value: list(headers...)},
		clixml.Property{Name: "Rows", Value: list(row)},
		clixml.Property{Name: "AutoSize", Value: false},
		clixml.Property{Name: "HideTableHeaders", Value: false},
		clixml.Property{Name: "GroupBy", Value: nil},
		clixml.Property{Name: "OutOfBand", Value: false},
	)
	props := f.List
	if len(props) == 0 {
		for _, c := range f.Table {
			props = append(props, c.Property)
		}
	}
	var items []clixml.Value
	for _, p := range props {
		items = append(items, clixml.NewTypedObject([]string{"System.Management.Automation.ListControlEntryItem", "System.Object"},
			clixml.Property{Name: "Label", Value: nil},
			clixml.Property{Name: "DisplayEntry", Value: displayEntry(p)},
			clixml.Property{Name: "ItemSelectionCondition", Value: nil},
			clixml.Property{Name: "FormatString", Value: nil},
		))
	}
	entry := clixml.NewTypedObject([]string{"System.Management.Automation.ListControlEntry", "System.Object"},
		clixml.Property{Name: "Items", Value: list(items...)},
		clixml.Property{Name: "SelectedBy", Value: clixml.NewStringList()},
	)
	listCtl := clixml.NewTypedObject([]string{"System.Management.Automation.ListControl", "System.Management.Automation.PSControl", "System.Object"},
		clixml.Property{Name: "Entries", Value: list(entry)},
		clixml.Property{Name: "GroupBy", Value: nil},
		clixml.Property{Name: "OutOfBand", Value: false},
	)
	view := func(name string, ctl *clixml.Object) *clixml.Object {
		return clixml.NewTypedObject([]string{"System.Management.Automation.FormatViewDefinition", "System.Object"},
			clixml.Property{Name: "Name", Value: name},
			clixml.Property{Name: "Control", Value: ctl},
			clixml.Property{Name: "InstanceId", Value: clixml.GUID(uuid.NewSHA1(uuid.NameSpaceURL, []byte(name)))},
		)
	}
	o := clixml.NewTypedObject([]string{typeExtendedTypeDefinition, "System.Object"},
		clixml.Property{Name: "TypeName", Value: f.TypeName},
		clixml.Property{Name: "TypeNames", Value: clixml.NewStringList(f.TypeName)},
		clixml.Property{Name: "FormatViewDefinition", Value: list(view(f.TypeName+"#Table", table), view(f.TypeName+"#List", listCtl))},
	)
	o.ToString = clixml.Str(f.TypeName)
	return o
}
