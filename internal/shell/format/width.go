package format

import (
	"strings"
	"unicode"

	"golang.org/x/text/width"
)

// runeWidth is the number of terminal cells r occupies: 0 for combining
// marks and control characters, 2 for East Asian wide and fullwidth
// characters (and emoji in the wide ranges), 1 otherwise.
func runeWidth(r rune) int {
	switch {
	case r == 0 || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r) || unicode.Is(unicode.Cf, r):
		return 0
	case r < 0x20 || r >= 0x7f && r < 0xa0:
		return 0
	}
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return 2
	}
	if r >= 0x1F300 && r <= 0x1FAFF {
		return 2
	}
	return 1
}

// Width returns the number of terminal cells s occupies.
func Width(s string) int {
	n := 0
	for _, r := range s {
		n += runeWidth(r)
	}
	return n
}

// truncate shortens s to at most w cells, ending it with "..." as
// Windows PowerShell does when a value does not fit its column.
func truncate(s string, w int) string {
	if Width(s) <= w {
		return s
	}
	if w <= 3 {
		return strings.Repeat(".", max(w, 0))
	}
	return cut(s, w-3) + "..."
}

// cut returns the longest prefix of s that fits in w cells.
func cut(s string, w int) string {
	n := 0
	for i, r := range s {
		rw := runeWidth(r)
		if n+rw > w {
			return s[:i]
		}
		n += rw
	}
	return s
}

// pad left-aligns (or right-aligns) s in a field of w cells.
func pad(s string, w int, right bool) string {
	gap := w - Width(s)
	if gap <= 0 {
		return s
	}
	if right {
		return strings.Repeat(" ", gap) + s
	}
	return s + strings.Repeat(" ", gap)
}

// oneLine replaces line breaks with spaces: a table cell is one line.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n\t") {
		return s
	}
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "\t", " ").Replace(s)
}
