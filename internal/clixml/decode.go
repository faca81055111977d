package clixml

// DecodeOptions controls Unmarshal. The zero value selects the defaults.
type DecodeOptions struct {
	// Deserialized prefixes "Deserialized." onto the type names of objects
	// that are neither extended primitives nor containers.
	Deserialized bool
	// MaxDepth bounds element nesting; 0 means DefaultMaxDepth.
	MaxDepth int
	// MaxBytes bounds the input length; 0 means DefaultMaxBytes.
	MaxBytes int
	// MaxObjects bounds the number of decoded values; 0 means DefaultMaxObjects.
	MaxObjects int
}

// Default limits used when a DecodeOptions field is zero.
const (
	DefaultMaxDepth   = 64
	DefaultMaxBytes   = 64 << 20
	DefaultMaxObjects = 1 << 20
)

// Unmarshal decodes one bare CLIXML element with default options.
func Unmarshal(data []byte) (Value, error) {
	return UnmarshalWithOptions(data, DecodeOptions{})
}

// UnmarshalWithOptions decodes one bare CLIXML element.
func UnmarshalWithOptions(data []byte, opts DecodeOptions) (Value, error) {
	return nil, &SyntaxError{Msg: "not implemented"}
}

// UnmarshalDocument decodes a CLIXML file (<Objs>) with default options.
func UnmarshalDocument(data []byte) ([]Value, error) {
	return UnmarshalDocumentWithOptions(data, DecodeOptions{})
}

// UnmarshalDocumentWithOptions decodes a CLIXML file (<Objs>).
func UnmarshalDocumentWithOptions(data []byte, opts DecodeOptions) ([]Value, error) {
	return nil, &SyntaxError{Msg: "not implemented"}
}
