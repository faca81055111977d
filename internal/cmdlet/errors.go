package cmdlet

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/psrp"
)

// Exception type chains PowerShell reports.
var (
	bindingException = []string{
		"System.Management.Automation.ParameterBindingException",
		"System.Management.Automation.RuntimeException",
		"System.SystemException", "System.Exception", "System.Object",
	}
	validationException = append([]string{
		"System.Management.Automation.ParameterBindingValidationException",
	}, bindingException...)
	transformationException = append([]string{
		"System.Management.Automation.ParameterBindingArgumentTransformationException",
	}, bindingException...)
	commandNotFoundException = []string{
		"System.Management.Automation.CommandNotFoundException",
		"System.Management.Automation.RuntimeException",
		"System.SystemException", "System.Exception", "System.Object",
	}
	parseException = []string{
		"System.Management.Automation.ParseException",
		"System.Management.Automation.RuntimeException",
		"System.SystemException", "System.Exception", "System.Object",
	}
)

// ErrBinding is wrapped by every *BindError so callers can branch with
// errors.Is without inspecting the ID.
var ErrBinding = errors.New("cmdlet: parameter binding failed")

// BindError is a parameter-binding failure with PowerShell's exact
// user-facing Message and error ID (FullyQualifiedErrorId without the
// ",<cmdlet>" suffix, which Record adds).
type BindError struct {
	Cmdlet  string
	ID      string
	Message string
	// Param is the parameter concerned, "" when none.
	Param     string
	exception []string
}

func (e *BindError) Error() string { return e.Message }

// Unwrap makes errors.Is(err, ErrBinding) true.
func (e *BindError) Unwrap() error { return ErrBinding }

// Record converts e to the ErrorRecord PowerShell writes, e.g. FQEID
// "NamedParameterNotFound,Get-InboxRule", category InvalidArgument.
func (e *BindError) Record() *psrp.ErrorRecord {
	exc := e.exception
	if exc == nil {
		exc = bindingException
	}
	short := exc[0][strings.LastIndexByte(exc[0], '.')+1:]
	return &psrp.ErrorRecord{
		Message:               e.Message,
		ExceptionType:         exc,
		HResult:               -2146233087,
		FullyQualifiedErrorID: e.ID + "," + e.Cmdlet,
		Category:              psrp.CategoryInvalidArgument,
		CategoryActivity:      e.Cmdlet,
		CategoryReason:        short,
		CategoryMessage:       fmt.Sprintf("InvalidArgument: (:) [%s], %s", e.Cmdlet, short),
	}
}

func bindErr(c *Cmdlet, id, param, msg string) *BindError {
	return &BindError{Cmdlet: c.Name, ID: id, Param: param, Message: msg}
}

func validationErr(c *Cmdlet, id, param, msg string) *BindError {
	e := bindErr(c, id, param, msg)
	e.exception = validationException
	return e
}

func transformErr(c *Cmdlet, param, msg string) *BindError {
	e := bindErr(c, "ParameterArgumentTransformationError", param, msg)
	e.exception = transformationException
	return e
}

// CommandNotFound returns PowerShell's error for a command that does not
// exist for the caller (not declared, or not granted by any role).
func CommandNotFound(name string) *psrp.ErrorRecord {
	return &psrp.ErrorRecord{
		Message: fmt.Sprintf("The term '%s' is not recognized as the name of a cmdlet, function, script file, or operable program. "+
			"Check the spelling of the name, or if a path was included, verify that the path is correct and try again.", name),
		ExceptionType:         commandNotFoundException,
		HResult:               -2146233087,
		FullyQualifiedErrorID: "CommandNotFoundException",
		Category:              psrp.CategoryObjectNotFound,
		CategoryTargetName:    name,
		CategoryTargetType:    "String",
		CategoryReason:        "CommandNotFoundException",
		CategoryMessage:       fmt.Sprintf("ObjectNotFound: (%s:String) [], CommandNotFoundException", name),
		TargetObject:          name,
	}
}

// ScriptsNotAllowed returns the parse error a NoLanguage runspace raises
// for script text (remoting-protocol.md §3.7).
func ScriptsNotAllowed(script string) *psrp.ErrorRecord {
	return &psrp.ErrorRecord{
		Message:               "The syntax is not supported by this runspace. This can occur if the runspace is in no-language mode.",
		ExceptionType:         parseException,
		HResult:               -2146233087,
		FullyQualifiedErrorID: "ScriptsNotAllowed",
		Category:              psrp.CategoryParserError,
		CategoryReason:        "ParseException",
		CategoryMessage:       "ParserError: (:) [], ParseException",
		TargetObject:          script,
	}
}

// argText renders an argument the way PowerShell quotes it in messages.
func argText(v clixml.Value) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case *clixml.Object:
		if x.ToString != nil {
			return *x.ToString
		}
		if x.Primitive != nil {
			return argText(x.Primitive)
		}
		if x.Kind != clixml.NoContainer {
			return "System.Object[]"
		}
		if len(x.TypeNames) > 0 {
			return x.TypeNames[0]
		}
		return "System.Management.Automation.PSObject"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case clixml.DateTime:
		return x.Time.Format("1/2/2006 3:04:05 PM")
	default:
		return fmt.Sprint(x)
	}
}
