package shell

import (
	"fmt"
	"strings"

	"github.com/ipps/ipps/internal/psrp"
	"github.com/ipps/ipps/internal/shell/parse"
)

// RuntimeError is an error raised while running a statement: its
// PowerShell error record and, for local errors, where in the source the
// failing command is. Remote errors keep the record the server sent.
type RuntimeError struct {
	Record *psrp.ErrorRecord
	// Command is the invocation name shown before the message ("Get-X : ...").
	Command string
	// Pos, Len and Line locate the failing command; Line is empty when
	// the position is unknown (remote errors).
	Pos  parse.Pos
	Len  int
	Line string
}

func (e *RuntimeError) Error() string { return e.Record.Message }

// Unwrap returns the error record.
func (e *RuntimeError) Unwrap() error { return e.Record }

// notRecognized is PowerShell's text for an unknown command.
func notRecognized(name string) *psrp.ErrorRecord {
	return &psrp.ErrorRecord{
		Message:               "The term '" + name + "' is not recognized as the name of a cmdlet, function, script file, or operable program. Check the spelling of the name, or if a path was included, verify that the path is correct and try again.",
		ExceptionType:         []string{"System.Management.Automation.CommandNotFoundException", "System.Management.Automation.RuntimeException", "System.SystemException", "System.Exception", "System.Object"},
		FullyQualifiedErrorID: "CommandNotFoundException",
		Category:              psrp.CategoryObjectNotFound,
		CategoryTargetName:    name,
		CategoryTargetType:    "String",
		CategoryReason:        "CommandNotFoundException",
	}
}

// bindingError is a ParameterBindingException record for command cmd.
func bindingError(cmd, id, msg string) *psrp.ErrorRecord {
	return &psrp.ErrorRecord{
		Message:               msg,
		FullyQualifiedErrorID: id + "," + cmd,
		Category:              psrp.CategoryInvalidArgument,
		CategoryActivity:      cmd,
		CategoryReason:        "ParameterBindingException",
	}
}

// invalidOperation is a generic local failure record.
func invalidOperation(cmd, id, msg string) *psrp.ErrorRecord {
	return &psrp.ErrorRecord{
		Message:               msg,
		FullyQualifiedErrorID: id + "," + cmd,
		Category:              psrp.CategoryInvalidOperation,
		CategoryActivity:      cmd,
		CategoryReason:        "RuntimeException",
	}
}

var categoryNames = [...]string{
	"NotSpecified", "OpenError", "CloseError", "DeviceError", "DeadlockDetected",
	"InvalidArgument", "InvalidData", "InvalidOperation", "InvalidResult", "InvalidType",
	"MetadataError", "NotImplemented", "NotInstalled", "ObjectNotFound", "OperationStopped",
	"OperationTimeout", "SyntaxError", "ParserError", "PermissionDenied", "ResourceBusy",
	"ResourceExists", "ResourceUnavailable", "ReadError", "WriteError", "FromStdErr",
	"SecurityError", "ProtocolError", "ConnectionError", "AuthenticationError",
	"LimitsExceeded", "QuotaExceeded", "NotEnabled",
}

// CategoryInfo returns the CategoryInfo line text of rec, for example
// "ObjectNotFound: (Get-Foo:String) [], CommandNotFoundException".
func CategoryInfo(rec *psrp.ErrorRecord) string {
	if rec.CategoryMessage != "" {
		return rec.CategoryMessage
	}
	cat := "NotSpecified"
	if int(rec.Category) >= 0 && int(rec.Category) < len(categoryNames) {
		cat = categoryNames[rec.Category]
	}
	reason := rec.CategoryReason
	if reason == "" && len(rec.ExceptionType) > 0 {
		reason = rec.ExceptionType[0][strings.LastIndex(rec.ExceptionType[0], ".")+1:]
	}
	if reason == "" {
		reason = "Exception"
	}
	return fmt.Sprintf("%s: (%s:%s) [%s], %s", cat, rec.CategoryTargetName, rec.CategoryTargetType, rec.CategoryActivity, reason)
}

const (
	red   = "\x1b[91m"
	reset = "\x1b[0m"
)

// FormatError renders err as the PowerShell 5.1 console does: for a local
// error "Name : Message", the "At line:" position with the source line
// underlined, then the CategoryInfo and FullyQualifiedErrorId lines; for a
// remote error the message and those two lines. A *parse.Error prints as
// a ParserError. color wraps the text in red for a terminal.
func FormatError(err error, color bool) string {
	var b strings.Builder
	switch e := err.(type) {
	case *parse.Error:
		b.WriteString(e.Format())
	case *RuntimeError:
		if e.Line != "" && e.Command != "" {
			b.WriteString(e.Command + " : ")
		}
		b.WriteString(e.Record.Message + "\n")
		if e.Line != "" {
			fmt.Fprintf(&b, "At line:%d char:%d\n", e.Pos.Line, e.Pos.Col)
			b.WriteString(parse.Caret(e.Line, e.Pos.Col, e.Len))
		}
		writeRecordTail(&b, e.Record)
	case *psrp.ErrorRecord:
		b.WriteString(e.Message + "\n")
		writeRecordTail(&b, e)
	default:
		b.WriteString(err.Error() + "\n")
	}
	if !color {
		return b.String()
	}
	return red + strings.TrimSuffix(b.String(), "\n") + reset + "\n"
}

func writeRecordTail(b *strings.Builder, rec *psrp.ErrorRecord) {
	fmt.Fprintf(b, "    + CategoryInfo          : %s\n", CategoryInfo(rec))
	id := rec.FullyQualifiedErrorID
	if id == "" {
		id = "System.Exception"
	}
	fmt.Fprintf(b, "    + FullyQualifiedErrorId : %s\n", id)
	b.WriteByte('\n')
}
