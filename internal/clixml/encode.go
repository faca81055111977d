package clixml

// Marshal encodes v as one bare CLIXML element without a namespace, the
// form carried in PSRP message data. RefIds start at 0 on every call.
func Marshal(v Value) ([]byte, error) {
	return nil, ErrUnsupportedType
}

// MarshalDocument encodes vs as a CLIXML file:
// <Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">.
func MarshalDocument(vs []Value) ([]byte, error) {
	return nil, ErrUnsupportedType
}
