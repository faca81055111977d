package implicit

import (
	"testing"

	"github.com/ipps/ipps/internal/clixml"
)

func TestTypeFormatListDefaultsToTableColumns(t *testing.T) {
	o := TypeFormat{TypeName: "T", Table: []Column{{Property: "A"}, {Property: "B", Label: "Bee"}}}.object()
	views, _ := clixml.AsList(get(o, "FormatViewDefinition"))
	if len(views) != 2 || get(views[0], "Name") != "T#Table" || get(views[1], "Name") != "T#List" {
		t.Fatalf("views %v", views)
	}
	entries, _ := clixml.AsList(get(get(views[1], "Control"), "Entries"))
	items, _ := clixml.AsList(get(entries[0], "Items"))
	if len(items) != 2 || get(get(items[1], "DisplayEntry"), "Value") != "B" {
		t.Errorf("list items %v", items)
	}
	headers, _ := clixml.AsList(get(get(views[0], "Control"), "Headers"))
	if get(headers[1], "Label") != "Bee" || get(headers[0], "Label") != "A" {
		t.Errorf("headers %v", headers)
	}
	// InstanceId is stable per view name.
	if get(views[0], "InstanceId") != get(TypeFormat{TypeName: "T"}.object().Extended[2].Value.(*clixml.Object).Items[0], "InstanceId") {
		t.Error("InstanceId not stable")
	}
}
