package clixml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"unicode/utf16"
)

// DecodeOptions controls Unmarshal. The zero value selects the defaults.
type DecodeOptions struct {
	// Deserialized prefixes "Deserialized." onto every type name of an
	// object that is neither an extended primitive nor a container, as
	// PowerShell's deserializer does for objects it cannot rehydrate.
	// Names that already carry the prefix are left alone.
	Deserialized bool
	// MaxDepth bounds element nesting; 0 means DefaultMaxDepth.
	MaxDepth int
	// MaxBytes bounds the input length; 0 means DefaultMaxBytes.
	MaxBytes int
	// MaxObjects bounds the number of decoded elements (values, <T> type
	// names and <En> entries); 0 means DefaultMaxObjects.
	MaxObjects int
}

// Default limits used when a DecodeOptions field is zero.
const (
	DefaultMaxDepth   = 64
	DefaultMaxBytes   = 64 << 20
	DefaultMaxObjects = 1 << 20
)

func (o *DecodeOptions) setDefaults() {
	if o.MaxDepth <= 0 {
		o.MaxDepth = DefaultMaxDepth
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxObjects <= 0 {
		o.MaxObjects = DefaultMaxObjects
	}
}

// Unmarshal decodes one bare CLIXML element (the data of a PSRP message)
// with default options; see UnmarshalWithOptions.
func Unmarshal(data []byte) (Value, error) {
	return UnmarshalWithOptions(data, DecodeOptions{})
}

// UnmarshalWithOptions decodes exactly one CLIXML value element. Leading
// whitespace, a UTF-8 BOM (or a UTF-16 BOM, whose input is transcoded), an
// XML declaration and comments are skipped; anything but whitespace and
// comments after the element is an error.
//
// Errors are *SyntaxError for malformed input (wrapping ErrUnknownRef for
// an undefined <Ref>/<TNRef>) and *LimitError (wrapping ErrTooDeep,
// ErrTooLarge or ErrTooManyObjects) when a bound is exceeded. Decoding
// never panics.
//
// <Ref> resolves to the same *Object pointer as its <Obj>, so the result
// may contain cycles. Objects that share a TN chain (through <TNRef>) share
// one TypeNames slice: copy it before modifying elements. Decoded strings
// are valid UTF-8 except that an unpaired surrogate escape is kept as its
// three-byte WTF-8 form, which Marshal writes back as the same escape.
func UnmarshalWithOptions(data []byte, opts DecodeOptions) (Value, error) {
	d, err := newDecoder(data, opts)
	if err != nil {
		return nil, err
	}
	start, err := d.firstElement()
	if err != nil {
		return nil, err
	}
	_, _, v, err := d.value(start)
	if err != nil {
		return nil, err
	}
	if err := d.expectEOF(); err != nil {
		return nil, err
	}
	return v, nil
}

// UnmarshalDocument decodes a CLIXML file (<Objs>) with default options.
func UnmarshalDocument(data []byte) ([]Value, error) {
	return UnmarshalDocumentWithOptions(data, DecodeOptions{})
}

// UnmarshalDocumentWithOptions decodes a CLIXML file: an <Objs> root (its
// namespace and Version are not checked) holding zero or more value
// elements, which share one RefId space. Errors are as for
// UnmarshalWithOptions.
func UnmarshalDocumentWithOptions(data []byte, opts DecodeOptions) ([]Value, error) {
	d, err := newDecoder(data, opts)
	if err != nil {
		return nil, err
	}
	start, err := d.firstElement()
	if err != nil {
		return nil, err
	}
	if start.Name.Local != "Objs" || start.Name.Space != "" {
		return nil, d.syntax("root element is <"+start.Name.Local+">, want <Objs>", nil)
	}
	var out []Value
	for {
		tok, err := d.nextElement()
		if err != nil {
			return nil, err
		}
		if end, ok := tok.(xml.EndElement); ok {
			if err := d.checkEnd(end, start); err != nil {
				return nil, err
			}
			break
		}
		_, _, v, err := d.value(tok.(xml.StartElement))
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := d.expectEOF(); err != nil {
		return nil, err
	}
	return out, nil
}

// decoder holds the per-message deserializer state.
type decoder struct {
	x     *xml.Decoder
	opts  DecodeOptions
	refs  map[string]*Object
	tns   map[string]*tnEntry
	count int
	depth int
	text  []byte
}

// tnEntry is a decoded TN chain and, lazily, its Deserialized form.
type tnEntry struct {
	names, deserialized []string
}

func newDecoder(data []byte, opts DecodeOptions) (*decoder, error) {
	opts.setDefaults()
	if len(data) > opts.MaxBytes {
		return nil, &LimitError{Err: ErrTooLarge, Limit: opts.MaxBytes}
	}
	transcoded := false
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data = data[3:]
	case len(data) >= 2 && (data[0] == 0xFF && data[1] == 0xFE || data[0] == 0xFE && data[1] == 0xFF):
		data = fromUTF16(data)
		transcoded = true
	}
	x := xml.NewDecoder(bytes.NewReader(data))
	x.CharsetReader = func(label string, r io.Reader) (io.Reader, error) {
		l := strings.ToLower(label)
		if transcoded && (strings.HasPrefix(l, "utf-16") || l == "unicode") {
			return r, nil
		}
		return nil, errors.New("unsupported encoding " + label)
	}
	return &decoder{x: x, opts: opts, refs: map[string]*Object{}, tns: map[string]*tnEntry{}}, nil
}

// fromUTF16 transcodes BOM-prefixed UTF-16 to UTF-8. A trailing odd byte
// is dropped (the XML parser then reports what is missing).
func fromUTF16(data []byte) []byte {
	le := data[0] == 0xFF
	data = data[2:]
	units := make([]uint16, len(data)/2)
	for i := range units {
		if le {
			units[i] = uint16(data[2*i]) | uint16(data[2*i+1])<<8
		} else {
			units[i] = uint16(data[2*i])<<8 | uint16(data[2*i+1])
		}
	}
	return []byte(string(utf16.Decode(units)))
}

func (d *decoder) syntax(msg string, err error) error {
	return &SyntaxError{Msg: msg, Offset: d.x.InputOffset(), Err: err}
}

func (d *decoder) limit(err error, n int) error {
	return &LimitError{Err: err, Limit: n, Offset: d.x.InputOffset()}
}

// token returns the next token other than comments and processing
// instructions. CharData is valid only until the next call.
func (d *decoder) token() (xml.Token, error) {
	for {
		tok, err := d.x.RawToken()
		if err != nil {
			if err == io.EOF {
				return nil, d.syntax("unexpected end of input", io.ErrUnexpectedEOF)
			}
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return nil, d.syntax("xml: "+se.Msg, err)
			}
			return nil, d.syntax(err.Error(), err)
		}
		switch t := tok.(type) {
		case xml.Comment, xml.ProcInst:
			continue
		case xml.Directive:
			return nil, d.syntax("unexpected directive", nil)
		case xml.StartElement:
			if t.Name.Space != "" {
				return nil, d.syntax("unexpected prefixed element <"+t.Name.Space+":"+t.Name.Local+">", nil)
			}
		}
		return tok, nil
	}
}

// nextElement returns the next StartElement or EndElement, skipping
// whitespace; other text is an error.
func (d *decoder) nextElement() (xml.Token, error) {
	for {
		tok, err := d.token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.CharData:
			if len(bytes.Trim(t, " \t\r\n")) != 0 {
				return nil, d.syntax("unexpected text "+quote(string(t)), nil)
			}
		case xml.StartElement, xml.EndElement:
			return tok, nil
		}
	}
}

func (d *decoder) firstElement() (xml.StartElement, error) {
	tok, err := d.nextElement()
	if err != nil {
		return xml.StartElement{}, err
	}
	start, ok := tok.(xml.StartElement)
	if !ok {
		return xml.StartElement{}, d.syntax("unexpected end element", nil)
	}
	return start, nil
}

func (d *decoder) expectEOF() error {
	for {
		tok, err := d.x.RawToken()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return d.syntax("trailing data", err)
		}
		switch t := tok.(type) {
		case xml.Comment, xml.ProcInst:
		case xml.CharData:
			if len(bytes.Trim(t, " \t\r\n")) != 0 {
				return d.syntax("trailing data", nil)
			}
		default:
			return d.syntax("trailing data", nil)
		}
	}
}

func (d *decoder) checkEnd(end xml.EndElement, start xml.StartElement) error {
	if end.Name != start.Name {
		return d.syntax("element <"+start.Name.Local+"> closed by </"+end.Name.Local+">", nil)
	}
	return nil
}

// expectEnd consumes the end of an element that must be empty.
func (d *decoder) expectEnd(start xml.StartElement) error {
	tok, err := d.nextElement()
	if err != nil {
		return err
	}
	end, ok := tok.(xml.EndElement)
	if !ok {
		return d.syntax("element <"+start.Name.Local+"> must be empty", nil)
	}
	return d.checkEnd(end, start)
}

// readText returns the text content of a leaf element and consumes its end.
func (d *decoder) readText(start xml.StartElement) (string, error) {
	d.text = d.text[:0]
	for {
		tok, err := d.token()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.CharData:
			d.text = append(d.text, t...)
		case xml.EndElement:
			if err := d.checkEnd(t, start); err != nil {
				return "", err
			}
			return string(d.text), nil
		default:
			return "", d.syntax("unexpected element inside <"+start.Name.Local+">", nil)
		}
	}
}

func (d *decoder) enter() error {
	d.depth++
	if d.depth > d.opts.MaxDepth {
		return d.limit(ErrTooDeep, d.opts.MaxDepth)
	}
	return nil
}

func (d *decoder) counted() error {
	d.count++
	if d.count > d.opts.MaxObjects {
		return d.limit(ErrTooManyObjects, d.opts.MaxObjects)
	}
	return nil
}

func attr(start xml.StartElement, name string) (string, bool) {
	for _, a := range start.Attr {
		if a.Name.Local == name && a.Name.Space == "" {
			return a.Value, true
		}
	}
	return "", false
}

func quote(s string) string { return `"` + clip(s) + `"` }
