package psrp

import (
	"fmt"
	"strings"
	"time"

	"github.com/ipps/ipps/internal/clixml"
)

var categoryNames = [...]string{
	"NotSpecified", "OpenError", "CloseError", "DeviceError", "DeadlockDetected",
	"InvalidArgument", "InvalidData", "InvalidOperation", "InvalidResult", "InvalidType",
	"MetadataError", "NotImplemented", "NotInstalled", "ObjectNotFound", "OperationStopped",
	"OperationTimeout", "SyntaxError", "ParserError", "PermissionDenied", "ResourceBusy",
	"ResourceExists", "ResourceUnavailable", "ReadError", "WriteError", "FromStdErr",
	"SecurityError", "ProtocolError", "ConnectionError", "AuthenticationError", "LimitsExceeded",
	"QuotaExceeded", "NotEnabled",
}

// String returns the .NET name of the category, e.g. "ObjectNotFound".
func (c ErrorCategory) String() string {
	if c >= 0 && int(c) < len(categoryNames) {
		return categoryNames[c]
	}
	return fmt.Sprintf("%d", int32(c))
}

var (
	errorRecordTypes = []string{"System.Management.Automation.ErrorRecord", "System.Object"}
	defaultException = []string{"System.Exception", "System.Object"}
)

// reason returns CategoryReason, defaulting to the short name of the
// exception type as PowerShell does.
func (e *ErrorRecord) reason() string {
	if e.CategoryReason != "" {
		return e.CategoryReason
	}
	t := e.exceptionTypes()[0]
	return t[strings.LastIndexByte(t, '.')+1:]
}

func (e *ErrorRecord) exceptionTypes() []string {
	if len(e.ExceptionType) == 0 {
		return defaultException
	}
	return e.ExceptionType
}

// CategoryInfoMessage returns CategoryMessage or, when empty, the text
// PowerShell derives: "ObjectNotFound: (X:String) [Get-Foo], Reason".
func (e *ErrorRecord) CategoryInfoMessage() string {
	if e.CategoryMessage != "" {
		return e.CategoryMessage
	}
	return fmt.Sprintf("%v: (%s:%s) [%s], %s", e.Category, e.CategoryTargetName, e.CategoryTargetType, e.CategoryActivity, e.reason())
}

// Object returns e as PowerShell serializes an ErrorRecord (MS-PSRP
// 2.2.3.15): every property the Windows client looks up strictly is
// present, with Nil or "" where unset. writeErrorStream is set for records
// sent as ERROR_RECORD messages.
func (e *ErrorRecord) Object(writeErrorStream bool) *clixml.Object {
	exc := &clixml.Object{
		TypeNames: append([]string(nil), e.exceptionTypes()...),
		// .NET Exception.ToString: "Type: message", as Windows sends it.
		ToString: clixml.Str(e.exceptionTypes()[0] + ": " + e.Message),
		Adapted: []clixml.Property{
			prop("Message", e.Message),
			prop("Data", &clixml.Object{TypeNames: []string{"System.Collections.ListDictionaryInternal", "System.Object"}, Kind: clixml.Dictionary}),
			prop("InnerException", nil),
			prop("TargetSite", nil),
			prop("StackTrace", nil),
			prop("HelpLink", nil),
			prop("Source", nil),
			prop("HResult", e.HResult),
		},
	}
	o := clixml.NewTypedObject(errorRecordTypes,
		prop("Exception", exc),
		prop("TargetObject", e.TargetObject),
		prop("FullyQualifiedErrorId", e.FullyQualifiedErrorID),
		prop("InvocationInfo", nil),
		prop("ErrorCategory_Category", int32(e.Category)),
		prop("ErrorCategory_Activity", e.CategoryActivity),
		prop("ErrorCategory_Reason", e.reason()),
		prop("ErrorCategory_TargetName", e.CategoryTargetName),
		prop("ErrorCategory_TargetType", e.CategoryTargetType),
		prop("ErrorCategory_Message", e.CategoryInfoMessage()),
		prop("ErrorDetails_Message", nilIfEmpty(e.ErrorDetailsMessage)),
		prop("ErrorDetails_RecommendedAction", nilIfEmpty(e.RecommendedAction)),
		prop("ErrorDetails_ScriptStackTrace", nil),
		prop("SerializeExtendedInfo", false),
	)
	if writeErrorStream {
		o.Extended = append(o.Extended, prop("writeErrorStream", true))
	}
	o.ToString = clixml.Str(e.Message)
	return o
}

// DecodeErrorRecord converts a deserialized ErrorRecord object back into
// an ErrorRecord. Missing properties are left empty; only a non-object
// value is an error.
func DecodeErrorRecord(v clixml.Value) (*ErrorRecord, error) {
	o, ok := v.(*clixml.Object)
	if !ok || o == nil {
		return nil, &PayloadError{Type: MsgErrorRecord, Err: fmt.Errorf("%w: want ErrorRecord object, got %T", errWrongType, v)}
	}
	f := fields{t: MsgErrorRecord, o: o}
	e := &ErrorRecord{
		FullyQualifiedErrorID: f.str("FullyQualifiedErrorId", false),
		Category:              ErrorCategory(f.int("ErrorCategory_Category", false)),
		CategoryActivity:      f.str("ErrorCategory_Activity", false),
		CategoryReason:        f.str("ErrorCategory_Reason", false),
		CategoryTargetName:    f.str("ErrorCategory_TargetName", false),
		CategoryTargetType:    f.str("ErrorCategory_TargetType", false),
		CategoryMessage:       f.str("ErrorCategory_Message", false),
		ErrorDetailsMessage:   f.str("ErrorDetails_Message", false),
		RecommendedAction:     f.str("ErrorDetails_RecommendedAction", false),
	}
	e.TargetObject, _ = o.Get("TargetObject")
	if exc, ok := o.Get("Exception"); ok {
		if xo, ok := exc.(*clixml.Object); ok && xo != nil {
			for _, t := range xo.TypeNames {
				e.ExceptionType = append(e.ExceptionType, strings.TrimPrefix(t, "Deserialized."))
			}
			xf := fields{t: MsgErrorRecord, o: xo}
			e.Message = xf.str("Message", false)
			e.HResult = int32(xf.int("HResult", false))
		}
	}
	// The record's ToString is the message too (MS-PSRP 2.2.3.15); the
	// exception's ToString carries a "Type: " prefix and is not used.
	if e.Message == "" && o.ToString != nil {
		e.Message = *o.ToString
	}
	return e, f.err
}

var informationalTypes = [...][]string{
	Warning: {"System.Management.Automation.WarningRecord", "System.Management.Automation.InformationalRecord", "System.Object"},
	Verbose: {"System.Management.Automation.VerboseRecord", "System.Management.Automation.InformationalRecord", "System.Object"},
	Debug:   {"System.Management.Automation.DebugRecord", "System.Management.Automation.InformationalRecord", "System.Object"},
}

// MessageType returns WARNING_RECORD, VERBOSE_RECORD or DEBUG_RECORD.
func (k InformationalKind) MessageType() MessageType {
	switch k {
	case Verbose:
		return MsgVerboseRecord
	case Debug:
		return MsgDebugRecord
	}
	return MsgWarningRecord
}

// Object returns r as serialized in MS-PSRP 2.2.3.16.
func (r InformationalRecord) Object() *clixml.Object {
	k := r.Kind
	if int(k) >= len(informationalTypes) {
		k = Warning
	}
	o := clixml.NewTypedObject(informationalTypes[k],
		prop("InformationalRecord_Message", r.Message),
		prop("InformationalRecord_SerializeInvocationInfo", false),
	)
	o.ToString = clixml.Str(r.Message)
	return o
}

// DecodeInformationalRecord decodes DEBUG/VERBOSE/WARNING_RECORD data; t
// selects the Kind.
func DecodeInformationalRecord(t MessageType, data []byte) (InformationalRecord, error) {
	o, err := decodeObject(t, data)
	if err != nil {
		return InformationalRecord{}, err
	}
	f := fields{t: t, o: o}
	r := InformationalRecord{Message: f.str("InformationalRecord_Message", true)}
	switch t {
	case MsgVerboseRecord:
		r.Kind = Verbose
	case MsgDebugRecord:
		r.Kind = Debug
	}
	return r, f.err
}

// Object returns r as serialized in MS-PSRP 2.2.3.17; all properties are
// required by the Windows client.
func (r ProgressRecord) Object() *clixml.Object {
	name := "Processing"
	if r.Type == ProgressCompleted {
		name = "Completed"
	}
	return msObject(
		prop("Activity", r.Activity),
		prop("ActivityId", r.ActivityID),
		prop("StatusDescription", r.StatusDescription),
		prop("CurrentOperation", nilIfEmpty(r.CurrentOperation)),
		prop("ParentActivityId", r.ParentActivityID),
		prop("PercentComplete", r.PercentComplete),
		prop("Type", clixml.NewEnum("System.Management.Automation.ProgressRecordType", int32(r.Type), name)),
		prop("SecondsRemaining", r.SecondsRemaining),
	)
}

// DecodeProgressRecord decodes PROGRESS_RECORD data.
func DecodeProgressRecord(data []byte) (ProgressRecord, error) {
	o, err := decodeObject(MsgProgressRecord, data)
	if err != nil {
		return ProgressRecord{}, err
	}
	f := fields{t: MsgProgressRecord, o: o}
	r := ProgressRecord{
		Activity:          f.str("Activity", true),
		ActivityID:        int32(f.int("ActivityId", true)),
		StatusDescription: f.str("StatusDescription", true),
		CurrentOperation:  f.str("CurrentOperation", false),
		ParentActivityID:  int32(f.int("ParentActivityId", true)),
		PercentComplete:   int32(f.int("PercentComplete", true)),
		Type:              ProgressRecordType(f.int("Type", true)),
		SecondsRemaining:  int32(f.int("SecondsRemaining", true)),
	}
	return r, f.err
}

var tagListTypes = []string{"System.Collections.Generic.List`1[[System.String, mscorlib, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089]]", "System.Object"}

// Object returns r as serialized in INFORMATION_RECORD (MS-PSRP 2.2.2.26).
// A zero TimeGenerated is encoded as the current time.
func (r InformationRecord) Object() *clixml.Object {
	tags := make([]clixml.Value, len(r.Tags))
	for i, t := range r.Tags {
		tags[i] = t
	}
	ts := r.TimeGenerated
	if ts.IsZero() {
		ts = time.Now()
	}
	// Windows sends a type-less MS object.
	return msObject(
		prop("MessageData", r.MessageData),
		prop("Source", r.Source),
		prop("TimeGenerated", clixml.DateTime{Time: ts, Kind: clixml.KindLocal}),
		prop("Tags", &clixml.Object{TypeNames: append([]string(nil), tagListTypes...), Kind: clixml.List, Items: tags}),
		prop("User", r.User),
		prop("Computer", r.Computer),
		prop("ProcessId", uint32(0)),
		prop("NativeThreadId", uint32(0)),
		prop("ManagedThreadId", uint32(0)),
	)
}

// DecodeInformationRecord decodes INFORMATION_RECORD data.
func DecodeInformationRecord(data []byte) (InformationRecord, error) {
	o, err := decodeObject(MsgInformationRecord, data)
	if err != nil {
		return InformationRecord{}, err
	}
	f := fields{t: MsgInformationRecord, o: o}
	r := InformationRecord{
		Source:   f.str("Source", false),
		Tags:     f.stringList("Tags"),
		User:     f.str("User", false),
		Computer: f.str("Computer", false),
	}
	r.MessageData, _ = f.get("MessageData", true)
	if v, ok := o.Get("TimeGenerated"); ok {
		if dt, ok := v.(clixml.DateTime); ok {
			r.TimeGenerated = dt.Time
		}
	}
	return r, f.err
}
