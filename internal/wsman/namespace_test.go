package wsman

import "testing"

func TestResponseActionAndPrefixes(t *testing.T) {
	if got := ResponseAction(ActionReceive); got != "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/ReceiveResponse" {
		t.Fatalf("ResponseAction = %q", got)
	}
	for p, ns := range prefixNS {
		if prefixFor(ns) != p {
			t.Errorf("prefixFor(%q) = %q, want %q", ns, prefixFor(ns), p)
		}
	}
	if prefixFor("urn:other") != "" {
		t.Error("unknown namespace must have no prefix")
	}
}
