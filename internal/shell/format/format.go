// Package format renders CLIXML values the way the PowerShell console
// does (default table and list output, Format-Table, Format-List) and in
// machine formats (JSON, CSV) for "ipps run --output".
package format

import (
	"fmt"
	"io"

	"github.com/ipps/ipps/internal/clixml"
)

// Kind selects an output format for Write.
type Kind uint8

// Output formats.
const (
	Default Kind = iota // console output: tables, lists and scalars as Out-Default
	Table               // every object in one table (Format-Table)
	List                // every object as a list (Format-List)
	JSON                // a JSON array of objects, enums as names, dates RFC 3339
	CSV                 // CSV with a header row, no #TYPE line, lists joined by "; "
)

// ParseKind maps "table", "list", "json", "csv" or "default" to a Kind.
func ParseKind(s string) (Kind, error) {
	switch s {
	case "", "default":
		return Default, nil
	case "table":
		return Table, nil
	case "list":
		return List, nil
	case "json":
		return JSON, nil
	case "csv":
		return CSV, nil
	}
	return 0, fmt.Errorf("format: unknown output format %q (want table, list, json or csv)", s)
}

// Write writes objs to w in the format k. It is what "ipps run --output"
// calls with a command's results. JSON output is always an array; DateTime
// values are RFC 3339 with seven fraction digits, enums their names, GUIDs
// strings, and nested objects and lists JSON objects and arrays (no depth
// truncation below 100 levels).
func Write(w io.Writer, objs []clixml.Value, k Kind, opt Options) error {
	var flat []clixml.Value
	for _, o := range objs {
		flat = append(flat, Unroll(o)...)
	}
	switch k {
	case Table:
		if len(flat) == 0 {
			return nil
		}
		var cols []Column
		if v := lookup(opt.Views, flat[0]); v != nil && v.Table != nil {
			cols = v.Table
		}
		return WriteTable(w, flat, TableOptions{Width: opt.Width, Columns: cols})
	case List:
		if len(flat) == 0 {
			return nil
		}
		return WriteList(w, flat, ListOptions{Width: opt.Width})
	case JSON:
		_, err := WriteJSON(w, flat, JSONOptions{Depth: -1, EnumsAsStrings: true, AsArray: true})
		return err
	case CSV:
		return WriteCSV(w, flat, CSVOptions{NoTypeInformation: true, JoinLists: true})
	}
	d := NewWriter(w, opt)
	for _, o := range flat {
		if err := d.Write(o); err != nil {
			return err
		}
	}
	return d.Close()
}
