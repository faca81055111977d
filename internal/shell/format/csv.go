package format

import (
	"io"
	"strings"

	"github.com/ipps/ipps/internal/clixml"
)

// CSVOptions control WriteCSV.
type CSVOptions struct {
	// NoTypeInformation omits the "#TYPE <type name>" first line that
	// Windows PowerShell 5.1's Export-Csv writes by default.
	NoTypeInformation bool
	// JoinLists writes a collection as its items joined by "; " instead of
	// its .NET ToString text ("System.Object[]"), for machine output.
	JoinLists bool
}

// WriteCSV writes objs as Windows PowerShell 5.1's Export-Csv does: an
// optional "#TYPE" line naming the first object's type, a header of the
// first object's property names, then one line per object with those
// properties. Every field is double-quoted with embedded quotes doubled;
// a null value is an empty, unquoted field. Scalars have no properties and
// are written as their string value in a single "Length"-less column.
func WriteCSV(w io.Writer, objs []clixml.Value, opt CSVOptions) error {
	if len(objs) == 0 {
		return nil
	}
	var b strings.Builder
	first := objs[0]
	if !opt.NoTypeInformation {
		tn := clixml.TypeName(first)
		if tn == "" {
			tn = "System.Object"
		}
		b.WriteString("#TYPE " + tn + "\n")
	}
	var names []string
	for _, p := range Properties(first) {
		names = append(names, p.Name)
	}
	writeCSVLine(&b, len(names), func(i int) (string, bool) { return names[i], true })
	for _, o := range objs {
		writeCSVLine(&b, len(names), func(i int) (string, bool) {
			v := propertyValue(o, names[i])
			if v == nil {
				return "", false
			}
			return csvText(v, opt.JoinLists), true
		})
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeCSVLine(b *strings.Builder, n int, field func(int) (string, bool)) {
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		s, ok := field(i)
		if !ok {
			continue
		}
		b.WriteByte('"')
		b.WriteString(strings.ReplaceAll(s, `"`, `""`))
		b.WriteByte('"')
	}
	b.WriteByte('\n')
}

// csvText is the text Export-Csv writes for v: the .NET ToString, which
// for a collection without its own ToString is its type name.
func csvText(v clixml.Value, join bool) string {
	if items, ok := listItems(v); ok {
		if join {
			parts := make([]string, len(items))
			for i, it := range items {
				parts[i] = clixml.DisplayString(it)
			}
			return strings.Join(parts, "; ")
		}
		if o, ok := v.(*clixml.Object); ok && o.ToString != nil {
			return *o.ToString
		}
		if tn := clixml.TypeName(v); tn != "" {
			return tn
		}
		return "System.Object[]"
	}
	return clixml.DisplayString(v)
}
