package psrp

import (
	"fmt"

	"github.com/ipps/ipps/internal/clixml"
)

// Texts of the error records PowerShell itself produces, reproduced so that
// clients (and scripts matching on them) see the familiar messages.
const (
	PipelineStoppedMessage  = "The pipeline has been stopped."
	ScriptsNotAllowedText   = "The syntax is not supported by this runspace. This can occur if the runspace is in no-language mode."
	commandNotFoundTemplate = "The term '%s' is not recognized as the name of a cmdlet, function, script file, or operable program. Check the spelling of the name, or if a path was included, verify that the path is correct and try again."
)

// PipelineStoppedRecord returns the ExceptionAsErrorRecord of a
// PIPELINE_STATE Stopped message (MS-PSRP 2.2.3.15): a
// PipelineStoppedException with HResult -2146233087 (COR_E_OPERATIONCANCELED
// family), FQEID PipelineStopped, category OperationStopped.
func PipelineStoppedRecord() *ErrorRecord {
	return &ErrorRecord{
		Message: PipelineStoppedMessage,
		ExceptionType: []string{
			"System.Management.Automation.PipelineStoppedException",
			"System.Management.Automation.RuntimeException",
			"System.SystemException", "System.Exception", "System.Object",
		},
		HResult:               -2146233087,
		FullyQualifiedErrorID: "PipelineStopped",
		Category:              CategoryOperationStopped,
	}
}

// ScriptsNotAllowedRecord returns the error a NoLanguage runspace reports
// for a command with IsScript=true: ParseException, FQEID
// ScriptsNotAllowed, category ParserError, TargetObject the script text.
func ScriptsNotAllowedRecord(script string) *ErrorRecord {
	return &ErrorRecord{
		Message: ScriptsNotAllowedText,
		ExceptionType: []string{
			"System.Management.Automation.ParseException",
			"System.Management.Automation.RuntimeException",
			"System.SystemException", "System.Exception", "System.Object",
		},
		HResult:               -2146233087,
		FullyQualifiedErrorID: "ScriptsNotAllowed",
		Category:              CategoryParserError,
		TargetObject:          script,
	}
}

// CommandNotFoundRecord returns PowerShell's error for an unknown command
// name: CommandNotFoundException, category ObjectNotFound, target name.
func CommandNotFoundRecord(name string) *ErrorRecord {
	return &ErrorRecord{
		Message: fmt.Sprintf(commandNotFoundTemplate, name),
		ExceptionType: []string{
			"System.Management.Automation.CommandNotFoundException",
			"System.Management.Automation.RuntimeException",
			"System.SystemException", "System.Exception", "System.Object",
		},
		HResult:               -2146233087,
		FullyQualifiedErrorID: "CommandNotFoundException",
		Category:              CategoryObjectNotFound,
		CategoryTargetName:    name,
		CategoryTargetType:    "String",
		TargetObject:          clixml.Value(name),
	}
}
