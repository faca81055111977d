package psrp

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/clixml"
)

// requiredErrorRecordProps are the properties the Windows client reads
// strictly (MS-PSRP 2.2.3.15); a missing one is a
// PSRemotingDataStructureException on the client.
var requiredErrorRecordProps = []string{
	"Exception", "TargetObject", "FullyQualifiedErrorId", "InvocationInfo",
	"ErrorCategory_Category", "ErrorCategory_Activity", "ErrorCategory_Reason",
	"ErrorCategory_TargetName", "ErrorCategory_TargetType", "ErrorCategory_Message",
	"SerializeExtendedInfo",
}

func TestErrorRecordShape(t *testing.T) {
	rec := CommandNotFoundRecord("Get-Nothing")
	v, err := clixml.Unmarshal(mustEncode(EncodeErrorRecord(rec)))
	if err != nil {
		t.Fatal(err)
	}
	o := v.(*clixml.Object)
	if !o.IsA("System.Management.Automation.ErrorRecord") || o.ToString == nil || *o.ToString != rec.Message {
		t.Fatalf("type/ToString: %v %v", o.TypeNames, o.ToString)
	}
	for _, name := range requiredErrorRecordProps {
		if _, ok := o.Get(name); !ok {
			t.Errorf("missing %s", name)
		}
	}
	if ws, _ := o.Get("writeErrorStream"); ws != true {
		t.Errorf("writeErrorStream = %v", ws)
	}
	exc, _ := o.Get("Exception")
	xo := exc.(*clixml.Object)
	for _, name := range []string{"Message", "Data", "InnerException", "TargetSite", "StackTrace", "HelpLink", "Source", "HResult"} {
		if _, ok := xo.Get(name); !ok {
			t.Errorf("exception missing %s", name)
		}
	}
	if *xo.ToString != "System.Management.Automation.CommandNotFoundException: "+rec.Message {
		t.Errorf("exception ToString %q", *xo.ToString)
	}
	if xo.TypeNames[0] != "System.Management.Automation.CommandNotFoundException" {
		t.Errorf("exception type %v", xo.TypeNames)
	}
	msg, _ := o.Get("ErrorCategory_Message")
	if msg != "ObjectNotFound: (Get-Nothing:String) [], CommandNotFoundException" {
		t.Errorf("category message %q", msg)
	}
	if !strings.HasPrefix(rec.Message, "The term 'Get-Nothing' is not recognized as the name of a cmdlet, function, script file, or operable program.") {
		t.Errorf("message %q", rec.Message)
	}
}

func TestErrorRecordRoundTrip(t *testing.T) {
	for _, rec := range []*ErrorRecord{
		CommandNotFoundRecord("X"),
		ScriptsNotAllowedRecord("Get-Date; rm *"),
		PipelineStoppedRecord(),
		{Message: "m", ExceptionType: []string{"System.Exception", "System.Object"}, HResult: 5, FullyQualifiedErrorID: "F,Mod",
			Category: CategoryInvalidArgument, CategoryActivity: "Get-Foo", CategoryReason: "R", CategoryTargetName: "t", CategoryTargetType: "String",
			CategoryMessage: "cm", ErrorDetailsMessage: "details", RecommendedAction: "do this", TargetObject: int32(4)},
	} {
		got, err := DecodeErrorRecordMessage(mustEncode(EncodeErrorRecord(rec)))
		if err != nil {
			t.Fatal(err)
		}
		want := *rec
		want.CategoryReason = rec.reason()
		want.CategoryMessage = rec.CategoryInfoMessage()
		if !reflect.DeepEqual(*got, want) {
			t.Errorf("round trip\n%+v\nwant\n%+v", *got, want)
		}
	}
}

func TestInformationalRecords(t *testing.T) {
	for _, k := range []InformationalKind{Warning, Verbose, Debug} {
		in := InformationalRecord{Kind: k, Message: "msg " + k.MessageType().String()}
		o := in.Object()
		if !o.IsA("System.Management.Automation.InformationalRecord") || *o.ToString != in.Message {
			t.Fatalf("%v shape: %v", k, o.TypeNames)
		}
		got, err := DecodeInformationalRecord(k.MessageType(), mustEncode(marshal(o)))
		if err != nil || got != in {
			t.Fatalf("%v: %+v %v", k, got, err)
		}
	}
}

func TestProgressRecord(t *testing.T) {
	in := ProgressRecord{Activity: "a", ActivityID: 1, StatusDescription: "s", ParentActivityID: -1, PercentComplete: 50, SecondsRemaining: -1, Type: ProgressCompleted}
	got, err := DecodeProgressRecord(mustEncode(marshal(in.Object())))
	if err != nil || got != in {
		t.Fatalf("%+v %v", got, err)
	}
	// CurrentOperation Nil and all required keys present.
	o := in.Object()
	for _, name := range []string{"Activity", "ActivityId", "StatusDescription", "CurrentOperation", "ParentActivityId", "PercentComplete", "Type", "SecondsRemaining"} {
		if _, ok := o.Get(name); !ok {
			t.Errorf("missing %s", name)
		}
	}
	if _, err := DecodeProgressRecord([]byte(`<Obj RefId="0"><MS><S N="Activity">a</S></MS></Obj>`)); err == nil {
		t.Error("incomplete progress record accepted")
	}
}

func TestInformationRecord(t *testing.T) {
	ts := time.Date(2024, 5, 6, 7, 8, 9, 100, time.UTC)
	in := InformationRecord{MessageData: "hello", Source: "Write-Host", Tags: []string{"PSHOST"}, User: "u", Computer: "c", TimeGenerated: ts}
	got, err := DecodeInformationRecord(mustEncode(marshal(in.Object())))
	if err != nil {
		t.Fatal(err)
	}
	if !got.TimeGenerated.Equal(ts) {
		t.Fatalf("time %v", got.TimeGenerated)
	}
	got.TimeGenerated = ts
	if !reflect.DeepEqual(got, in) {
		t.Fatalf("%+v", got)
	}
}
