package format

import (
	"io"
	"strings"

	"github.com/ipps/ipps/internal/clixml"
)

// Options configure the default output Writer.
type Options struct {
	// Width is the terminal width in cells; 0 means 120.
	Width int
	// Views supplies format data; nil means none.
	Views Views
}

// Writer is PowerShell's Out-Default: it formats a stream of objects the
// way the console host shows them. Consecutive objects of the same shape
// (type and property names) share one table header or list block; a new
// shape starts a new block. Objects with a table view, or with at most
// four properties, print as a table; others as a list. Scalars print one
// per line. Writer buffers one block at a time, so call Close to flush.
//
// Blank lines follow Windows PowerShell 5.1: a blank line before each
// block and, after the last block, a closing blank line.
type Writer struct {
	w       io.Writer
	opt     Options
	key     string
	kind    blockKind
	pending []clixml.Value
	cols    []Column
	wrote   bool
	err     error
}

type blockKind uint8

const (
	noBlock blockKind = iota
	tableBlock
	listBlock
)

// NewWriter returns a Writer writing to w.
func NewWriter(w io.Writer, opt Options) *Writer { return &Writer{w: w, opt: opt} }

// Write adds v to the output, unrolling collections. It returns the first
// write error, after which all writes fail.
func (d *Writer) Write(v clixml.Value) error {
	for _, it := range Unroll(v) {
		if d.err != nil {
			return d.err
		}
		if o, ok := it.(*clixml.Object); ok && o != nil && o.Kind == clixml.Dictionary {
			d.flush()
			rows := dictRows(o)
			vals := make([]clixml.Value, len(rows))
			for i, r := range rows {
				vals[i] = r
			}
			d.setErr(WriteTable(d.w, vals, TableOptions{Width: d.opt.Width}))
			d.wrote = true
			continue
		}
		if isScalar(it) {
			d.flush()
			_, err := io.WriteString(d.w, clixml.DisplayString(it)+"\n")
			d.setErr(err)
			continue
		}
		key, kind, cols := d.shape(it)
		if key != d.key || kind != d.kind {
			d.flush()
			d.key, d.kind, d.cols = key, kind, cols
		}
		d.pending = append(d.pending, it)
	}
	return d.err
}

func (d *Writer) setErr(err error) {
	if d.err == nil {
		d.err = err
	}
}

// shape classifies v: its grouping key, block kind and table columns.
func (d *Writer) shape(v clixml.Value) (string, blockKind, []Column) {
	o := v.(*clixml.Object)
	var key strings.Builder
	if len(o.TypeNames) > 0 {
		key.WriteString(o.TypeNames[0])
	}
	if view := lookup(d.opt.Views, v); view != nil {
		key.WriteString("|view")
		if view.Table != nil {
			return key.String(), tableBlock, view.Table
		}
		cols := make([]Column, len(view.List))
		for i, p := range view.List {
			cols[i] = Column{Property: p}
		}
		return key.String(), listBlock, cols
	}
	props := Properties(v)
	for _, p := range props {
		key.WriteByte('|')
		key.WriteString(strings.ToLower(p.Name))
	}
	if len(props) <= 4 {
		return key.String(), tableBlock, columnsFor(v)
	}
	return key.String(), listBlock, nil
}

func (d *Writer) flush() {
	if len(d.pending) == 0 {
		return
	}
	switch d.kind {
	case tableBlock:
		d.setErr(WriteTable(d.w, d.pending, TableOptions{Width: d.opt.Width, Columns: d.cols}))
	case listBlock:
		var names []string
		for _, c := range d.cols {
			names = append(names, c.Property)
		}
		d.setErr(WriteList(d.w, d.pending, ListOptions{Width: d.opt.Width, Properties: names}))
	}
	d.wrote = true
	d.pending, d.key, d.kind = nil, "", noBlock
}

// WriteRaw flushes the buffered block and writes already formatted text,
// such as the output of Format-Table.
func (d *Writer) WriteRaw(s string) error {
	d.flush()
	if d.err == nil {
		_, err := io.WriteString(d.w, s)
		d.setErr(err)
	}
	return d.err
}

// Close flushes the buffered block and writes the closing blank line if
// any table or list was written.
func (d *Writer) Close() error {
	d.flush()
	if d.wrote && d.err == nil {
		_, err := io.WriteString(d.w, "\n")
		d.setErr(err)
	}
	d.wrote = false
	return d.err
}
