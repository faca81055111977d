package wsman

import (
	"testing"
	"unsafe"
)

func TestIntern(t *testing.T) {
	for _, s := range internedStrings {
		if got := intern([]byte(s)); got != s || unsafe.StringData(got) != unsafe.StringData(s) {
			t.Fatalf("intern(%q) = %q, not the shared string", s, got)
		}
	}
	for _, s := range []string{"", "x", "uuid:0B7B1E0A", "Envelopf", "http://schemas.xmlsoap.org/ws/2004/09/transfer/Crea"} {
		if got := intern([]byte(s)); got != s {
			t.Fatalf("intern(%q) = %q", s, got)
		}
	}
	if allocs := testing.AllocsPerRun(100, func() { intern([]byte(NSShell)) }); allocs != 0 {
		t.Fatalf("intern of a known string allocates %v times", allocs)
	}
}
