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
	return decodeWith(data, opts, true, (*decoder).one)
}

func (d *decoder) one() (Value, error) {
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

// decodeWith runs decode over data, first with the fast lexer (when fast
// is set) and, if that fails for any reason, again with encoding/xml, whose result (value or
// error) is authoritative. The fast lexer accepts only a subset of XML and
// tokenizes it exactly as encoding/xml does, so both paths agree on every
// input the fast one accepts (FuzzUnmarshal checks this).
func decodeWith[T any](data []byte, opts DecodeOptions, fast bool, decode func(*decoder) (T, error)) (T, error) {
	opts.setDefaults()
	var zero T
	if len(data) > opts.MaxBytes {
		return zero, &LimitError{Err: ErrTooLarge, Limit: opts.MaxBytes}
	}
	transcoded := false
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data = data[3:]
	case len(data) >= 2 && (data[0] == 0xFF && data[1] == 0xFE || data[0] == 0xFE && data[1] == 0xFF):
		data = fromUTF16(data)
		transcoded = true
	}
	if fast && !transcoded {
		p := decoderPool.Get().(*pooledDecoder)
		p.lx.data = data
		p.d.reset(opts, len(data))
		p.d.objsLeft = objectBound(data)
		v, err := decode(&p.d)
		p.release()
		decoderPool.Put(p)
		if err == nil {
			return v, nil
		}
	}
	return decode(newDecoder(newXMLLexer(data, transcoded), opts, len(data)))
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
	return decodeWith(data, opts, true, (*decoder).document)
}

func (d *decoder) document() ([]Value, error) {
	start, err := d.firstElement()
	if err != nil {
		return nil, err
	}
	if start.name.Local != "Objs" || start.name.Space != "" {
		return nil, d.syntax("root element is <"+start.name.Local+">, want <Objs>", nil)
	}
	var out []Value
	for {
		tok, err := d.nextElement()
		if err != nil {
			return nil, err
		}
		if tok.kind == tokEnd {
			if err := d.checkEnd(tok, start); err != nil {
				return nil, err
			}
			break
		}
		_, _, v, err := d.value(tok)
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

func newDecoder(lx lexer, opts DecodeOptions, size int) *decoder {
	d := &decoder{lx: lx}
	d.reset(opts, size)
	return d
}

func newXMLLexer(data []byte, transcoded bool) *xmlLexer {
	x := xml.NewDecoder(bytes.NewReader(data))
	x.CharsetReader = func(label string, r io.Reader) (io.Reader, error) {
		l := strings.ToLower(label)
		if transcoded && (strings.HasPrefix(l, "utf-16") || l == "unicode") {
			return r, nil
		}
		return nil, errors.New("unsupported encoding " + label)
	}
	return &xmlLexer{x: x}
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
	return &SyntaxError{Msg: msg, Offset: d.lx.offset(), Err: err}
}

func (d *decoder) limit(err error, n int) error {
	return &LimitError{Err: err, Limit: n, Offset: d.lx.offset()}
}

// token returns the next token other than comments and processing
// instructions. The token's attrs and text are valid only until the next
// call.
func (d *decoder) token() (token, error) {
	for {
		err := d.lx.next(&d.tok)
		if err != nil {
			if err == io.EOF {
				return token{}, d.syntax("unexpected end of input", io.ErrUnexpectedEOF)
			}
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return token{}, d.syntax("xml: "+se.Msg, err)
			}
			return token{}, d.syntax(err.Error(), err)
		}
		switch d.tok.kind {
		case tokSkip:
			continue
		case tokDirective:
			return token{}, d.syntax("unexpected directive", nil)
		case tokStart:
			if d.tok.name.Space != "" {
				return token{}, d.syntax("unexpected prefixed element <"+d.tok.name.Space+":"+d.tok.name.Local+">", nil)
			}
		}
		return d.tok, nil
	}
}

// nextElement returns the next start or end token, skipping whitespace;
// other text is an error.
func (d *decoder) nextElement() (token, error) {
	for {
		tok, err := d.token()
		if err != nil {
			return token{}, err
		}
		switch tok.kind {
		case tokText:
			if len(bytes.Trim(tok.text, " \t\r\n")) != 0 {
				return token{}, d.syntax("unexpected text "+quote(string(tok.text)), nil)
			}
		case tokStart, tokEnd:
			return tok, nil
		}
	}
}

func (d *decoder) firstElement() (token, error) {
	tok, err := d.nextElement()
	if err != nil {
		return token{}, err
	}
	if tok.kind != tokStart {
		return token{}, d.syntax("unexpected end element", nil)
	}
	return tok, nil
}

func (d *decoder) expectEOF() error {
	for {
		err := d.lx.next(&d.tok)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return d.syntax("trailing data", err)
		}
		switch d.tok.kind {
		case tokSkip:
		case tokText:
			if len(bytes.Trim(d.tok.text, " \t\r\n")) != 0 {
				return d.syntax("trailing data", nil)
			}
		default:
			return d.syntax("trailing data", nil)
		}
	}
}

func (d *decoder) checkEnd(end, start token) error {
	if end.name != start.name {
		return d.syntax("element <"+start.name.Local+"> closed by </"+end.name.Local+">", nil)
	}
	return nil
}

// expectEnd consumes the end of an element that must be empty.
func (d *decoder) expectEnd(start token) error {
	tok, err := d.nextElement()
	if err != nil {
		return err
	}
	if tok.kind != tokEnd {
		return d.syntax("element <"+start.name.Local+"> must be empty", nil)
	}
	return d.checkEnd(tok, start)
}

// readText returns the text content of a leaf element and consumes its
// end. The result is the decoder's buffer or, when the lexer's text is
// stable (see fastLexer.next) and came as one token, the lexer's; either
// way it is valid only until the next token is read.
func (d *decoder) readText(start token) ([]byte, error) {
	d.text = d.text[:0]
	var one []byte // the only text token so far, not yet copied
	n := 0
	for {
		tok, err := d.token()
		if err != nil {
			return nil, err
		}
		switch tok.kind {
		case tokText:
			switch {
			case n == 0 && d.stableText:
				one = tok.text
			case n == 1 && d.stableText:
				d.text = append(append(d.text, one...), tok.text...)
			default:
				d.text = append(d.text, tok.text...)
			}
			n++
		case tokEnd:
			if err := d.checkEnd(tok, start); err != nil {
				return nil, err
			}
			if n == 1 && d.stableText {
				return one, nil
			}
			return d.text, nil
		default:
			return nil, d.syntax("unexpected element inside <"+start.name.Local+">", nil)
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

func attr(start token, name string) (string, bool) {
	for _, a := range start.attrs {
		if a.Name.Local == name && a.Name.Space == "" {
			return a.Value, true
		}
	}
	return "", false
}

func quote(s string) string { return `"` + clip(s) + `"` }
