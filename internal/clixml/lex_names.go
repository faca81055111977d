package clixml

// The constant tables of the fast lexer: CLIXML's element and attribute
// names and the decimal texts of small RefIds, which the lexer returns
// instead of allocating a string per token.

// decimals holds the decimal text of 0 to len(decimals)-1, the RefIds of
// all but the largest messages.
var decimals = func() (t [1024]string) {
	for i := range t {
		t[i] = formatInt(int64(i))
	}
	return t
}()

// smallDecimal returns the static string for b when b is the canonical
// decimal text of an index of decimals.
func smallDecimal(b []byte) (string, bool) {
	n, ok := parseRefID(b)
	if !ok || n >= len(decimals) {
		return "", false
	}
	return decimals[n], true
}

// parseRefID parses canonical decimal text (no sign, no leading zero but
// in "0") of at most four digits.
func parseRefID[T string | []byte](b T) (int, bool) {
	if len(b) == 0 || len(b) > 4 || len(b) > 1 && b[0] == '0' {
		return 0, false
	}
	n := 0
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// knownName returns the CLIXML element or attribute name b as a constant,
// or "" when b is none of them.
func knownName(b []byte) string {
	switch string(b) {
	case "Obj":
		return "Obj"
	case "Objs":
		return "Objs"
	case "Ref":
		return "Ref"
	case "Nil":
		return "Nil"
	case "TN":
		return "TN"
	case "TNRef":
		return "TNRef"
	case "T":
		return "T"
	case "ToString":
		return "ToString"
	case "Props":
		return "Props"
	case "MS":
		return "MS"
	case "LST":
		return "LST"
	case "IE":
		return "IE"
	case "STK":
		return "STK"
	case "QUE":
		return "QUE"
	case "DCT":
		return "DCT"
	case "En":
		return "En"
	case "N":
		return "N"
	case "RefId":
		return "RefId"
	case "Version":
		return "Version"
	case "xmlns":
		return "xmlns"
	case "S":
		return "S"
	case "C":
		return "C"
	case "B":
		return "B"
	case "DT":
		return "DT"
	case "TS":
		return "TS"
	case "By":
		return "By"
	case "SB":
		return "SB"
	case "U16":
		return "U16"
	case "I16":
		return "I16"
	case "U32":
		return "U32"
	case "I32":
		return "I32"
	case "U64":
		return "U64"
	case "I64":
		return "I64"
	case "Sg":
		return "Sg"
	case "Db":
		return "Db"
	case "D":
		return "D"
	case "BA":
		return "BA"
	case "G":
		return "G"
	case "URI":
		return "URI"
	case "XD":
		return "XD"
	case "SBK":
		return "SBK"
	case "SS":
		return "SS"
	case "PR":
		return "PR"
	}
	return ""
}
