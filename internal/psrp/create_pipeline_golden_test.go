package psrp

import (
	"bytes"
	"os"
	"testing"
)

// createPipelineGoldenCases are CREATE_PIPELINE messages whose encoding
// is pinned byte for byte in testdata/create_pipeline_<name>.xml
// (written by the encoder before it shared enum type chains and built
// the merge enums in one allocation), so encoder optimisations cannot
// change what goes on the wire.
func createPipelineGoldenCases() map[string]CreatePipeline {
	yes := true
	return map[string]CreatePipeline{
		"simple": {NoInput: true, ApartmentState: ApartmentUnknown, Host: NullHost,
			Statements: []Statement{{Commands: []Command{{Name: "Get-RetentionCompliancePolicy",
				Args: []Argument{{Name: "Identity", Value: "load-1-2"}}}}}}},
		"merges": {ApartmentState: 1, RemoteStreamOptions: 3, History: "h", AddToHistory: true, IsNested: true, Host: NullHost,
			Statements: []Statement{{Commands: []Command{
				{Name: "Get-Number", UseLocalScope: &yes, MergeMyResult: 2, MergeToResult: 1, MergePreviousResults: 3,
					Args: []Argument{{Name: "Count", Value: int32(7)}, {Name: "Force", Switch: true}, {Value: "positional"}}},
				{Name: "Out-String", IsScript: true, MergeMyResult: 9, MergeToResult: -1, MergePreviousResults: 8},
			}}}},
		"statements": {NoInput: true, Host: NullHost, Statements: []Statement{
			{Commands: []Command{{Name: "a"}, {Name: "b", MergeMyResult: 7}}},
			{Commands: []Command{{Name: "c", Args: []Argument{{Name: "X", Value: nil}}}}},
		}},
	}
}

func TestCreatePipelineGolden(t *testing.T) {
	for name, m := range createPipelineGoldenCases() {
		got, err := m.Marshal()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want, err := os.ReadFile("testdata/create_pipeline_" + name + ".xml")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: encoding changed:\n got %s\nwant %s", name, got, want)
		}
	}
}
