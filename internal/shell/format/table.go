package format

import (
	"io"
	"strings"

	"github.com/ipps/ipps/internal/clixml"
)

// TableOptions control WriteTable.
type TableOptions struct {
	// Width is the terminal width in cells; 0 means 120.
	Width int
	// Columns fixes the columns (from a view or -Property); nil means the
	// properties of the first object.
	Columns []Column
	// AutoSize ignores fixed column widths and sizes columns to content.
	AutoSize bool
	// Wrap wraps long cells onto more lines instead of truncating them.
	Wrap bool
	// HideHeaders omits the header and underline lines.
	HideHeaders bool
}

// columnsFor returns one column per displayed property of v.
func columnsFor(v clixml.Value) []Column {
	props := Properties(v)
	cols := make([]Column, len(props))
	for i, p := range props {
		cols[i] = Column{Property: p.Name}
	}
	return cols
}

// WriteTable writes objs as one PowerShell table: a blank line, the
// headers, a dashed underline as long as each header, one row per object
// and a blank line. Numbers are right-aligned (their headers too); a cell
// wider than its column is cut with "..."; columns that do not fit in the
// width at all are dropped. The last column is not padded.
func WriteTable(w io.Writer, objs []clixml.Value, opt TableOptions) error {
	width := opt.Width
	if width <= 0 {
		width = 120
	}
	cols := opt.Columns
	if cols == nil && len(objs) > 0 {
		cols = columnsFor(objs[0])
	}
	if len(cols) == 0 {
		return nil
	}
	n := len(cols)
	headers := make([]string, n)
	widths := make([]int, n)
	right := make([]bool, n)
	cells := make([][]string, len(objs))
	numeric := make([]int, n)
	for j, c := range cols {
		headers[j] = c.Label
		if headers[j] == "" {
			headers[j] = c.Property
		}
		widths[j] = Width(headers[j])
	}
	for i, o := range objs {
		cells[i] = make([]string, n)
		for j, c := range cols {
			v := propertyValue(o, c.Property)
			if v != nil && isNumeric(v) {
				numeric[j]++
			}
			s := oneLine(Cell(v))
			cells[i][j] = s
			if opt.AutoSize || c.Width == 0 {
				widths[j] = max(widths[j], Width(s))
			}
		}
	}
	for j, c := range cols {
		if c.Width > 0 && !opt.AutoSize {
			widths[j] = c.Width
		}
		switch c.Align {
		case AlignRight:
			right[j] = true
		case AlignUndefined:
			right[j] = numeric[j] > 0 && numeric[j] == countNonEmpty(cells, j)
		}
	}
	n = fit(widths, width)
	var b strings.Builder
	b.WriteByte('\n')
	if !opt.HideHeaders {
		line := make([]string, n)
		under := make([]string, n)
		for j := 0; j < n; j++ {
			h := truncate(headers[j], widths[j])
			line[j] = pad(h, widths[j], right[j])
			under[j] = pad(strings.Repeat("-", Width(h)), widths[j], right[j])
		}
		writeRow(&b, line)
		writeRow(&b, under)
	}
	for _, row := range cells {
		if opt.Wrap {
			writeWrapped(&b, row[:n], widths[:n], right)
			continue
		}
		line := make([]string, n)
		for j := 0; j < n; j++ {
			line[j] = pad(truncate(row[j], widths[j]), widths[j], right[j])
		}
		writeRow(&b, line)
	}
	b.WriteByte('\n')
	_, err := io.WriteString(w, b.String())
	return err
}

func countNonEmpty(cells [][]string, j int) int {
	c := 0
	for _, row := range cells {
		if row[j] != "" {
			c++
		}
	}
	return c
}

// fit shrinks widths so the row fits in total cells (columns are separated
// by one space) and returns how many columns are kept. The widest column
// gives way first, down to 8 cells; then trailing columns are dropped.
func fit(widths []int, total int) int {
	sum := func(k int) int {
		s := k - 1
		for _, w := range widths[:k] {
			s += w
		}
		return s
	}
	n := len(widths)
	for sum(n) > total {
		widest := -1
		for j := 0; j < n; j++ {
			if widths[j] > 8 && (widest < 0 || widths[j] > widths[widest]) {
				widest = j
			}
		}
		if widest < 0 {
			break
		}
		widths[widest] -= min(sum(n)-total, widths[widest]-8)
	}
	for n > 1 && sum(n) > total {
		n--
	}
	if n == 1 && widths[0] > total {
		widths[0] = total
	}
	return n
}

// writeRow joins cells with single spaces and trims trailing blanks.
func writeRow(b *strings.Builder, cells []string) {
	b.WriteString(strings.TrimRight(strings.Join(cells, " "), " "))
	b.WriteByte('\n')
}

// writeWrapped writes a row whose long cells continue on further lines.
func writeWrapped(b *strings.Builder, row []string, widths []int, right []bool) {
	rest := append([]string(nil), row...)
	for {
		line := make([]string, len(rest))
		more := false
		for j, s := range rest {
			part := cut(s, widths[j])
			if part == "" && s != "" {
				part = string([]rune(s)[:1])
			}
			rest[j] = s[len(part):]
			more = more || rest[j] != ""
			line[j] = pad(part, widths[j], right[j])
		}
		writeRow(b, line)
		if !more {
			return
		}
	}
}
