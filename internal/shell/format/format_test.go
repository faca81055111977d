package format

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/clixml"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// golden compares got with testdata/name.golden, rewriting it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s mismatch\n--- got ---\n%s--- want ---\n%s", name, got, want)
	}
}

const policyType = "Microsoft.Office.CompliancePolicy.Tasks.PsRetentionCompliancePolicy"

func policy(name string, enabled bool, mode string, guid byte) *clixml.Object {
	created := clixml.DateTime{Time: time.Date(2024, 3, 5, 14, 7, 9, 0, time.UTC), Kind: clixml.KindUtc}
	return clixml.NewTypedObject([]string{policyType, "System.Object"},
		clixml.Property{Name: "Name", Value: name},
		clixml.Property{Name: "Workload", Value: clixml.NewEnum("Microsoft.Exchange.Data.Directory.Workload", 3, "Exchange, SharePoint")},
		clixml.Property{Name: "Enabled", Value: enabled},
		clixml.Property{Name: "Mode", Value: clixml.NewEnum("Microsoft.Office.CompliancePolicy.PolicyMode", 1, mode)},
		clixml.Property{Name: "Guid", Value: clixml.GUID{guid, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}},
		clixml.Property{Name: "ExchangeLocation", Value: clixml.NewStringList("All")},
		clixml.Property{Name: "WhenCreatedUTC", Value: created},
	)
}

func pair(props ...any) *clixml.Object {
	o := clixml.NewPSCustomObject()
	for i := 0; i < len(props); i += 2 {
		o.Extended = append(o.Extended, clixml.Property{Name: props[i].(string), Value: props[i+1]})
	}
	return o
}

func render(t *testing.T, opt Options, objs ...clixml.Value) string {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, objs, Default, opt); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestTableSmallObjects(t *testing.T) {
	got := render(t, Options{},
		pair("Name", "alpha", "Count", int32(5), "Size", int64(123456)),
		pair("Name", "b", "Count", int32(12345), "Size", nil),
	)
	want := "\nName  Count   Size\n----  -----   ----\nalpha     5 123456\nb     12345\n\n\n"
	if got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

func TestListForManyProperties(t *testing.T) {
	golden(t, "list_policy", render(t, Options{}, policy("Finance", true, "Enforce", 0xab)))
}

func TestViewTable(t *testing.T) {
	views := ViewMap{"Deserialized." + policyType: {Table: []Column{{Property: "Name", Width: 12}, {Property: "Workload"}, {Property: "Enabled"}, {Property: "Mode"}}}}
	golden(t, "view_table", render(t, Options{Views: views},
		policy("Finance", true, "Enforce", 1), policy("A very long policy name", false, "Simulate", 2)))
}

func TestViewList(t *testing.T) {
	views := ViewMap{policyType: {List: []string{"Name", "Guid", "ExchangeLocation", "WhenCreatedUTC"}}}
	golden(t, "view_list", render(t, Options{Views: views}, policy("HR", true, "Enforce", 3)))
}

func TestMixedShapesAndScalars(t *testing.T) {
	golden(t, "mixed", render(t, Options{},
		pair("A", 1), pair("A", 2), pair("B", "x", "C", true), "a scalar", int32(42), pair("A", 3),
		clixml.NewHashtable(clixml.Entry{Key: "Add", Value: "x"}, clixml.Entry{Key: "Remove", Value: "y"})))
}

func TestWideAndUnicode(t *testing.T) {
	long := strings.Repeat("word ", 30)
	got := render(t, Options{Width: 60},
		pair("Name", "日本語の名前", "Note", long, "Accent", "e\u0301te\u0301"),
		pair("Name", "plain", "Note", "short", "Accent", "x"))
	golden(t, "wide_unicode", got)
	for _, line := range strings.Split(got, "\n") {
		if Width(line) > 60 {
			t.Errorf("line wider than 60 cells: %q", line)
		}
	}
}

func TestEmpty(t *testing.T) {
	if got := render(t, Options{}); got != "" {
		t.Errorf("empty input printed %q", got)
	}
	var b bytes.Buffer
	if err := WriteTable(&b, nil, TableOptions{}); err != nil || b.Len() != 0 {
		t.Errorf("WriteTable(nil) = %q, %v", b.String(), err)
	}
}

func TestWidth(t *testing.T) {
	for s, want := range map[string]int{"abc": 3, "日本": 4, "e\u0301": 1, "": 0, "\t": 0} {
		if got := Width(s); got != want {
			t.Errorf("Width(%q) = %d, want %d", s, got, want)
		}
	}
	if got := truncate("日本語テキスト", 9); got != "日本語..." {
		t.Errorf("truncate = %q", got)
	}
}

func TestCellCollections(t *testing.T) {
	if got := Cell(clixml.NewStringList("a", "b", "c", "d", "e")); got != "{a, b, c, d...}" {
		t.Errorf("Cell(5 items) = %q", got)
	}
	if got := Cell(clixml.NewList()); got != "{}" {
		t.Errorf("Cell(empty) = %q", got)
	}
}

func TestMachineJSON(t *testing.T) {
	var b bytes.Buffer
	nested := pair("Inner", pair("Deep", pair("Deeper", "x")), "List", clixml.NewList(int32(1), "two", nil))
	if err := Write(&b, []clixml.Value{policy("Finance", true, "Enforce", 0xab), nested}, JSON, Options{}); err != nil {
		t.Fatal(err)
	}
	golden(t, "machine", b.String())
}

func TestConvertToJSONDepth(t *testing.T) {
	var b bytes.Buffer
	v := pair("A", pair("B", pair("C", pair("D", 1))), "E", clixml.NewEnum("X.Mode", 1, "Enforce"))
	trunc, err := WriteJSON(&b, []clixml.Value{v}, JSONOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "A": {
    "B": {
      "C": "System.Management.Automation.PSCustomObject"
    }
  },
  "E": 1
}
`
	if b.String() != want || !trunc {
		t.Errorf("got (truncated=%v)\n%s\nwant\n%s", trunc, b.String(), want)
	}
	b.Reset()
	if _, err := WriteJSON(&b, []clixml.Value{pair("s", "q\"\n\\", "n", nil, "f", 1.5)}, JSONOptions{Compress: true}); err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != `{"s":"q\"\n\\","n":null,"f":1.5}` {
		t.Errorf("compressed = %s", got)
	}
}

func TestCSV(t *testing.T) {
	var b bytes.Buffer
	objs := []clixml.Value{policy(`Say "hi", ok`, true, "Enforce", 1), policy("B", false, "Simulate", 2)}
	if err := WriteCSV(&b, objs, CSVOptions{}); err != nil {
		t.Fatal(err)
	}
	golden(t, "export_csv", b.String())
	b.Reset()
	if err := Write(&b, []clixml.Value{pair("Name", "x", "Missing", nil, "L", clixml.NewStringList("a", "b"))}, CSV, Options{}); err != nil {
		t.Fatal(err)
	}
	if got, want := b.String(), "\"Name\",\"Missing\",\"L\"\n\"x\",,\"a; b\"\n"; got != want {
		t.Errorf("machine CSV = %q, want %q", got, want)
	}
}

func TestParseKind(t *testing.T) {
	for s, k := range map[string]Kind{"table": Table, "list": List, "json": JSON, "csv": CSV, "": Default} {
		if got, err := ParseKind(s); err != nil || got != k {
			t.Errorf("ParseKind(%q) = %v, %v", s, got, err)
		}
	}
	if _, err := ParseKind("xml"); err == nil {
		t.Error("ParseKind(xml) succeeded")
	}
}

func benchObjects() []clixml.Value {
	objs := make([]clixml.Value, 1000)
	for i := range objs {
		objs[i] = pair("Name", "Policy "+strings.Repeat("x", i%20), "Enabled", i%2 == 0, "Count", int32(i), "Mode", clixml.NewEnum("M", 1, "Enforce"))
	}
	return objs
}

func BenchmarkTable1000(b *testing.B) {
	objs := benchObjects()
	b.ReportAllocs()
	for b.Loop() {
		var buf bytes.Buffer
		if err := Write(&buf, objs, Table, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJSON1000(b *testing.B) {
	objs := benchObjects()
	b.ReportAllocs()
	for b.Loop() {
		var buf bytes.Buffer
		if err := Write(&buf, objs, JSON, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
