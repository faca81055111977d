package format

import (
	"io"
	"strings"

	"github.com/ipps/ipps/internal/clixml"
)

// ListOptions control WriteList.
type ListOptions struct {
	// Width is the terminal width in cells; 0 means 120.
	Width int
	// Properties selects and orders the properties; nil or ["*"] means all.
	Properties []string
}

// WriteList writes objs in PowerShell's list format: a blank line, then
// for each object its "Name : Value" lines (names padded to the longest)
// followed by a blank line. Values longer than the line wrap, continuing
// under the value column.
func WriteList(w io.Writer, objs []clixml.Value, opt ListOptions) error {
	width := opt.Width
	if width <= 0 {
		width = 120
	}
	var b strings.Builder
	b.WriteByte('\n')
	for _, o := range objs {
		props := selectProps(o, opt.Properties)
		nameW := 0
		for _, p := range props {
			nameW = max(nameW, Width(p.Name))
		}
		for _, p := range props {
			prefix := pad(p.Name, nameW, false) + " : "
			writeWrappedValue(&b, prefix, Cell(p.Value), width)
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// selectProps returns the named properties of o in the given order
// (missing ones as nil), or all of them for nil or "*".
func selectProps(o clixml.Value, names []string) []Property {
	if len(names) == 0 || len(names) == 1 && names[0] == "*" {
		return Properties(o)
	}
	out := make([]Property, 0, len(names))
	for _, n := range names {
		name := n
		for _, p := range Properties(o) {
			if strings.EqualFold(p.Name, n) {
				name = p.Name
			}
		}
		out = append(out, Property{Name: name, Value: propertyValue(o, n)})
	}
	return out
}

// writeWrappedValue writes prefix+value, breaking the value at the width
// and indenting continuation lines to the value column.
func writeWrappedValue(b *strings.Builder, prefix, value string, width int) {
	indent := strings.Repeat(" ", Width(prefix))
	avail := width - Width(prefix)
	lines := strings.Split(strings.ReplaceAll(value, "\r\n", "\n"), "\n")
	first := true
	for _, line := range lines {
		for {
			part := line
			if avail > 0 && Width(line) > avail {
				part = cut(line, avail)
			}
			if first {
				b.WriteString(prefix)
				first = false
			} else {
				b.WriteString(indent)
			}
			b.WriteString(strings.TrimRight(part, " "))
			b.WriteByte('\n')
			line = line[len(part):]
			if line == "" {
				break
			}
		}
	}
}
