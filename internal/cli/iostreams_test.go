package cli

import (
	"io"
	"testing"
)

func TestTestStreams(t *testing.T) {
	ios, out, errOut := TestStreams("Get-X\n", true)
	if !ios.StdinTTY || !ios.StdoutTTY || !ios.StderrTTY || ios.Width != 120 {
		t.Fatalf("tty switches %+v", ios)
	}
	b, _ := io.ReadAll(ios.In)
	if string(b) != "Get-X\n" {
		t.Fatalf("stdin %q", b)
	}
	io.WriteString(ios.Out, "o")
	io.WriteString(ios.ErrOut, "e")
	if out.String() != "o" || errOut.String() != "e" {
		t.Fatalf("out %q err %q", out, errOut)
	}
	if ios, _, _ := TestStreams("", false); ios.StderrTTY {
		t.Fatal("non-tty streams report a terminal")
	}
}
