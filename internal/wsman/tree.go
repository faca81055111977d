package wsman

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
)

// Decoder bounds. Zero fields of Limits take these values.
const (
	DefaultMaxEnvelopeSize = 512000 // Windows' default MaxEnvelopeSizekb (500 KiB)
	DefaultMaxDepth        = 32
	DefaultMaxElements     = 8192
	DefaultMaxAttrs        = 64
)

// Limits bounds the envelope decoder. The zero value means the defaults.
// Memory use of a parse is O(MaxEnvelopeSize).
type Limits struct {
	// MaxEnvelopeSize is the largest envelope accepted, in bytes.
	MaxEnvelopeSize int
	// MaxDepth is the deepest element nesting accepted (s:Envelope is 1).
	MaxDepth int
	// MaxElements is the most elements accepted in one envelope.
	MaxElements int
	// MaxAttrs is the most attributes (namespace declarations included)
	// accepted on one element.
	MaxAttrs int
}

// SetDefaults fills zero fields with the package defaults.
func (l *Limits) SetDefaults() {
	if l.MaxEnvelopeSize <= 0 {
		l.MaxEnvelopeSize = DefaultMaxEnvelopeSize
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxElements <= 0 {
		l.MaxElements = DefaultMaxElements
	}
	if l.MaxAttrs <= 0 {
		l.MaxAttrs = DefaultMaxAttrs
	}
}

// Decoder errors, wrapped inside the Fault the parsers return.
var (
	ErrEnvelopeTooLarge = errors.New("wsman: envelope exceeds MaxEnvelopeSize")
	ErrTooDeep          = errors.New("wsman: element nesting exceeds limit")
	ErrTooManyElements  = errors.New("wsman: element count exceeds limit")
	ErrTooManyAttrs     = errors.New("wsman: attribute count exceeds limit")
	ErrMalformedXML     = errors.New("wsman: malformed XML")
	ErrNotEnvelope      = errors.New("wsman: root element is not a SOAP 1.2 s:Envelope")
)

// element is one decoded XML element with namespace-resolved names.
type element struct {
	name     xml.Name
	parent   *element // nil for the root
	attrs    []xml.Attr
	children []*element
	text     []byte // direct character data, concatenated
}

// decodeTree parses data into an element tree, enforcing lim (already
// defaulted). With fast set it tries the scanner first and falls back to
// decodeTreeXML for anything outside the scanner's subset, so the result
// (tree or error) is always the one decodeTreeXML gives.
//
// A non-nil *scanner owns the tree: the caller must call its free method
// once done with the tree, and must not keep references into it (element
// text may alias data).
func decodeTree(data []byte, lim Limits, fast bool) (*element, *scanner, error) {
	if fast && len(data) <= lim.MaxEnvelopeSize && len(data) <= math.MaxInt32 { // the scanner keeps int32 offsets
		root, s, err := scanTree(bytes.TrimPrefix(data, utf8BOM), lim)
		if err == nil {
			if root.name.Space != NSSoap || root.name.Local != "Envelope" {
				s.free()
				return nil, nil, ErrNotEnvelope
			}
			return root, s, nil
		}
	}
	root, err := decodeTreeXML(data, lim)
	return root, nil, err
}

var utf8BOM = []byte("\xef\xbb\xbf")

// decodeTreeXML parses data into an element tree with encoding/xml,
// enforcing lim (already defaulted). DTDs and processing instructions
// other than the XML declaration are rejected. It is the authoritative
// parser: its tree and errors define what ParseRequest and ParseResponse
// accept.
func decodeTreeXML(data []byte, lim Limits) (*element, error) {
	if len(data) > lim.MaxEnvelopeSize {
		return nil, fmt.Errorf("%w: %d > %d bytes", ErrEnvelopeTooLarge, len(data), lim.MaxEnvelopeSize)
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	var (
		stack []*element
		root  *element
		count int
	)
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrMalformedXML, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if root != nil && len(stack) == 0 {
				return nil, fmt.Errorf("%w: content after the root element", ErrMalformedXML)
			}
			count++
			if count > lim.MaxElements {
				return nil, ErrTooManyElements
			}
			if len(stack)+1 > lim.MaxDepth {
				return nil, ErrTooDeep
			}
			if len(t.Attr) > lim.MaxAttrs {
				return nil, ErrTooManyAttrs
			}
			e := &element{name: t.Name, attrs: t.Attr}
			if len(stack) == 0 {
				root = e
			} else {
				p := stack[len(stack)-1]
				e.parent = p
				p.children = append(p.children, e)
			}
			stack = append(stack, e)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				e := stack[len(stack)-1]
				e.text = append(e.text, t...)
			} else if len(bytes.TrimSpace(t)) > 0 {
				return nil, fmt.Errorf("%w: text outside the root element", ErrMalformedXML)
			}
		case xml.Directive:
			return nil, fmt.Errorf("%w: DTDs are not allowed", ErrMalformedXML)
		case xml.ProcInst:
			if t.Target != "xml" {
				return nil, fmt.Errorf("%w: processing instruction %q", ErrMalformedXML, t.Target)
			}
		}
	}
	if root == nil {
		return nil, fmt.Errorf("%w: no root element", ErrMalformedXML)
	}
	if root.name.Space != NSSoap || root.name.Local != "Envelope" {
		return nil, ErrNotEnvelope
	}
	return root, nil
}

// child returns the first child named {ns}local, or nil.
func (e *element) child(ns, local string) *element {
	if e == nil {
		return nil
	}
	for _, c := range e.children {
		if c.name.Space == ns && c.name.Local == local {
			return c
		}
	}
	return nil
}

// attr returns the value of the attribute {ns}local and whether it exists.
// Unqualified attributes have ns "".
func (e *element) attr(ns, local string) (string, bool) {
	if e == nil {
		return "", false
	}
	for _, a := range e.attrs {
		if a.Name.Space == ns && a.Name.Local == local {
			return a.Value, true
		}
	}
	return "", false
}

// str returns the element's direct text, or "" for a nil element.
func (e *element) str() string {
	if e == nil {
		return ""
	}
	return intern(e.text)
}

// trimmed returns the element's direct text without leading and trailing
// white space (as strings.TrimSpace), or "" for a nil element.
func (e *element) trimmed() string {
	if e == nil {
		return ""
	}
	return intern(bytes.TrimSpace(e.text))
}

// textIs reports whether e.trimmed() == s, without making the string.
func (e *element) textIs(s string) bool {
	if e == nil {
		return s == ""
	}
	return string(bytes.TrimSpace(e.text)) == s
}

// deepText returns all character data of e and its descendants, an
// element's own text before its children's (exact for the non-mixed content
// WS-Management uses).
func (e *element) deepText() string {
	if e == nil {
		return ""
	}
	var b []byte
	var walk func(*element)
	walk = func(x *element) {
		b = append(b, x.text...)
		for _, c := range x.children {
			walk(c)
		}
	}
	walk(e)
	return string(b)
}

// envelopeParts returns the s:Header (possibly nil) and s:Body of an envelope.
func envelopeParts(root *element) (header, body *element) {
	return root.child(NSSoap, "Header"), root.child(NSSoap, "Body")
}
