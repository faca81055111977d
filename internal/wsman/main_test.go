package wsman

import (
	"flag"
	"os"
	"testing"
)

// TestMain caps fuzz-input minimization at 100 executions unless the
// command line sets -test.fuzzminimizetime (or -fuzzminimizetime).
//
// Go's minimizer tries O(n²) sub-slices of every input that finds new
// coverage and reports no executions meanwhile; with its default 60 s
// budget and our 1–2 KB envelope seeds at ~100 µs per call it took whole
// 15 s FuzzParseRequest runs (about 10 executions reported), although
// ParseRequest is linear in its input.
func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) {
		if f.Name == "test.fuzzminimizetime" {
			set = true
		}
	})
	if !set && flag.Lookup("test.fuzzminimizetime") != nil {
		if err := flag.Set("test.fuzzminimizetime", "100x"); err != nil {
			panic(err)
		}
	}
	os.Exit(m.Run())
}
