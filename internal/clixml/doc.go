// Package clixml implements the PowerShell CLIXML serialization format
// (MS-PSRP 2.2.5) carried inside every PSRP message: an ordered value
// model, an encoder (Marshal) and a decoder (Unmarshal). It does no I/O.
//
// # Value model
//
// A Value is nil (<Nil/>), one of the Go types below, or *Object:
//
//	S  string        C   Char          B  bool          DT  DateTime
//	TS TimeSpan      By  uint8         SB int8          U16 uint16
//	I16 int16        U32 uint32        I32 int32        U64 uint64
//	I64 int64        Sg  float32       Db float64       D   Decimal
//	BA []byte        G   GUID          URI URI          Version Version
//	XD XMLDocument   SBK ScriptBlock   SS SecureString
//
// Marshal also accepts Go int (written as I32 when it fits, else I64);
// Unmarshal never produces it. An Object (<Obj>) carries a type-name chain
// (<TN>), an optional <ToString>, at most one of an extended primitive, a
// container (<LST>, <IE>, <STK>, <QUE>, <DCT>) and a base object (an
// unnamed child <Obj>, kept in Object.Base), and adapted (<Props>) and
// extended (<MS>) properties in document order.
//
// # Wire forms
//
// PSRP message data is a single bare element without a namespace, usually
// <Obj RefId="0">; Marshal and Unmarshal handle that form. Files written by
// Export-Clixml wrap elements in
// <Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">;
// MarshalDocument and UnmarshalDocument handle that form.
//
// Serializer state is per call: RefIds and TN RefIds start at 0. An
// *Object met twice is written once and then as <Ref RefId>, so shared and
// cyclic graphs terminate; identical type-name chains after the first are
// written as <TNRef>. The decoder resolves <Ref> to the same pointer.
//
// Strings (element text, N attributes, <T>, <ToString>) use PowerShell's
// _xHHHH_ escaping on top of XML escaping; see appendEscaped. Primitive text
// is parsed strictly and errors quote the offending text, e.g.
// `clixml: invalid I32 value "x" (at byte 12)`.
//
// # Round trip
//
// For any input Unmarshal accepts, Marshal succeeds and Unmarshal of its
// output is Equal to the first result (FuzzUnmarshal checks this). The text
// may differ: RefIds are renumbered, numbers and dates are canonicalised.
//
// # Decoder design and limits
//
// The decoder is a recursive descent over raw XML tokens. It first runs
// over a small hand-written lexer (lex.go) that covers what PSRP message
// data uses: ASCII unprefixed names, quoted attributes, text with the five
// predefined entities. On anything else (comments, processing
// instructions, CDATA, numeric character references, CR, UTF-16, malformed
// XML) and on any error the input is decoded again over encoding/xml's
// Decoder.RawToken, whose result is authoritative; FuzzUnmarshal checks
// that both paths agree. RawToken leaves entity decoding, CDATA and
// character validity to the standard library while skipping its namespace
// and nesting bookkeeping, which CLIXML does not need; the decoder checks
// element nesting itself. Decoded Objects, property and item slices, type
// names and ToString pointers are carved from slabs sized from the input
// length (every carved slice has cap == len, so appending copies), so a
// retained value may keep sibling values of the same message alive. The
// fast path's decoder state (stacks, RefId tables, interned attribute
// values and short boxed strings) is pooled across calls and cleared of
// every decoded value between them; interned strings are copies, never
// views of an input. The encoder appends to one pooled byte slice without
// reflection and copies the output out at its exact size.
//
// Untrusted input is bounded by DecodeOptions: MaxBytes (input length),
// MaxDepth (element nesting, default 64) and MaxObjects (decoded
// elements). Type-name chains reached through <TNRef> are shared, not
// copied, so memory stays linear in the input.
//
// # Errors
//
// Malformed input yields *SyntaxError with a byte offset; unresolved
// references wrap ErrUnknownRef; exceeded bounds yield *LimitError wrapping
// ErrTooDeep, ErrTooLarge or ErrTooManyObjects. Marshal reports values
// outside the model with ErrUnsupportedType.
package clixml
