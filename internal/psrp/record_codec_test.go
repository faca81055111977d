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

// TestDecodeWindowsErrorRecord decodes an ERROR_RECORD in the shape a
// Windows server writes (writeErrorStream first, a serialized
// InvocationInfo, SerializeExtendedInfo true with InvocationInfo_* notes);
// the extra properties are ignored.
func TestDecodeWindowsErrorRecord(t *testing.T) {
	xml := `<Obj RefId="0"><TN RefId="0"><T>System.Management.Automation.ErrorRecord</T><T>System.Object</T></TN><ToString>boom</ToString><MS>` +
		`<B N="writeErrorStream">true</B>` +
		`<Obj N="Exception" RefId="1"><TN RefId="1"><T>Microsoft.PowerShell.Commands.WriteErrorException</T><T>System.SystemException</T><T>System.Exception</T><T>System.Object</T></TN>` +
		`<ToString>Microsoft.PowerShell.Commands.WriteErrorException: boom</ToString><Props><S N="Message">boom</S><Obj N="Data" RefId="2"><TN RefId="2"><T>System.Collections.ListDictionaryInternal</T><T>System.Object</T></TN><DCT /></Obj>` +
		`<Nil N="InnerException" /><Nil N="TargetSite" /><Nil N="StackTrace" /><Nil N="HelpLink" /><Nil N="Source" /><I32 N="HResult">-2146233087</I32></Props></Obj>` +
		`<Nil N="TargetObject" /><S N="FullyQualifiedErrorId">Microsoft.PowerShell.Commands.WriteErrorException</S>` +
		`<Obj N="InvocationInfo" RefId="3"><TN RefId="3"><T>System.Management.Automation.InvocationInfo</T><T>System.Object</T></TN><ToString>System.Management.Automation.InvocationInfo</ToString><Props><S N="MyCommand">Write-Error</S><I32 N="ScriptLineNumber">0</I32></Props></Obj>` +
		`<I32 N="ErrorCategory_Category">0</I32><S N="ErrorCategory_Activity">Write-Error</S><S N="ErrorCategory_Reason">WriteErrorException</S>` +
		`<S N="ErrorCategory_TargetName"></S><S N="ErrorCategory_TargetType"></S><S N="ErrorCategory_Message">NotSpecified: (:) [Write-Error], WriteErrorException</S>` +
		`<B N="SerializeExtendedInfo">true</B><Obj N="InvocationInfo_PipelineIterationInfo" RefId="4"><TN RefId="4"><T>System.Int32[]</T><T>System.Array</T><T>System.Object</T></TN><LST /></Obj>` +
		`<S N="ErrorDetails_ScriptStackTrace">at &lt;ScriptBlock&gt;, &lt;No file&gt;: line 5</S><Nil N="PSMessageDetails" /></MS></Obj>`
	rec, err := DecodeErrorRecordMessage([]byte(xml))
	if err != nil {
		t.Fatal(err)
	}
	want := ErrorRecord{
		Message:               "boom",
		ExceptionType:         []string{"Microsoft.PowerShell.Commands.WriteErrorException", "System.SystemException", "System.Exception", "System.Object"},
		HResult:               -2146233087,
		FullyQualifiedErrorID: "Microsoft.PowerShell.Commands.WriteErrorException",
		CategoryActivity:      "Write-Error",
		CategoryReason:        "WriteErrorException",
		CategoryMessage:       "NotSpecified: (:) [Write-Error], WriteErrorException",
	}
	if !reflect.DeepEqual(*rec, want) {
		t.Fatalf("got\n%+v\nwant\n%+v", *rec, want)
	}
	// Without the wire text, the derived category message matches Windows.
	rec.CategoryMessage, rec.CategoryReason = "", ""
	if rec.CategoryInfoMessage() != want.CategoryMessage {
		t.Fatal(rec.CategoryInfoMessage())
	}
}
