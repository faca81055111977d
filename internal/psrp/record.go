package psrp

import (
	"time"

	"github.com/ipps/ipps/internal/clixml"
)

// ErrorCategory is System.Management.Automation.ErrorCategory.
type ErrorCategory int32

// Error categories (System.Management.Automation.ErrorCategory values).
const (
	CategoryNotSpecified        ErrorCategory = 0
	CategoryOpenError           ErrorCategory = 1
	CategoryCloseError          ErrorCategory = 2
	CategoryInvalidArgument     ErrorCategory = 5
	CategoryInvalidData         ErrorCategory = 6
	CategoryInvalidOperation    ErrorCategory = 7
	CategoryInvalidResult       ErrorCategory = 8
	CategoryInvalidType         ErrorCategory = 9
	CategoryNotImplemented      ErrorCategory = 11
	CategoryObjectNotFound      ErrorCategory = 13
	CategoryOperationStopped    ErrorCategory = 14
	CategoryOperationTimeout    ErrorCategory = 15
	CategoryParserError         ErrorCategory = 17
	CategoryPermissionDenied    ErrorCategory = 18
	CategoryResourceBusy        ErrorCategory = 19
	CategoryResourceExists      ErrorCategory = 20
	CategoryResourceUnavailable ErrorCategory = 21
	CategoryWriteError          ErrorCategory = 23
	CategorySecurityError       ErrorCategory = 25
	CategoryConnectionError     ErrorCategory = 27
	CategoryAuthenticationError ErrorCategory = 28
	CategoryLimitsExceeded      ErrorCategory = 29
	CategoryQuotaExceeded       ErrorCategory = 30
	CategoryNotEnabled          ErrorCategory = 31
)

// ErrorRecord is the Go form of System.Management.Automation.ErrorRecord as
// it travels in ERROR_RECORD and in PIPELINE_STATE's ExceptionAsErrorRecord
// (MS-PSRP 2.2.3.15). Encoding always emits every field the Windows client
// looks up, with Nil or empty where unset.
type ErrorRecord struct {
	// Message is the exception message and the record's ToString.
	Message string
	// ExceptionType is the .NET exception type chain, most derived first,
	// e.g. {"System.Management.Automation.CommandNotFoundException",
	// "System.Management.Automation.RuntimeException", "System.SystemException",
	// "System.Exception", "System.Object"}. Empty means System.Exception.
	ExceptionType []string
	// HResult is the exception's HResult (0 when unknown).
	HResult int32
	// FullyQualifiedErrorID is e.g. "CommandNotFoundException".
	FullyQualifiedErrorID string
	Category              ErrorCategory
	// CategoryActivity, CategoryReason, CategoryTargetName and
	// CategoryTargetType feed ErrorCategory_*; CategoryMessage is derived
	// ("ObjectNotFound: (X:String) [], CommandNotFoundException") when empty.
	CategoryActivity   string
	CategoryReason     string
	CategoryTargetName string
	CategoryTargetType string
	CategoryMessage    string
	// TargetObject is the object the error concerns, or nil.
	TargetObject clixml.Value
	// ErrorDetailsMessage and RecommendedAction are optional ErrorDetails_*.
	ErrorDetailsMessage string
	RecommendedAction   string
}

// Error makes an ErrorRecord usable as a Go error carrying its message.
func (e *ErrorRecord) Error() string { return e.Message }

// InformationalKind selects WARNING, VERBOSE or DEBUG records.
type InformationalKind uint8

// Informational record kinds.
const (
	Warning InformationalKind = iota
	Verbose
	Debug
)

// InformationalRecord is a warning, verbose or debug message (MS-PSRP 2.2.3.16).
type InformationalRecord struct {
	Kind    InformationalKind
	Message string
}

// ProgressRecordType mirrors System.Management.Automation.ProgressRecordType.
type ProgressRecordType int32

// Progress record types.
const (
	ProgressProcessing ProgressRecordType = 0
	ProgressCompleted  ProgressRecordType = 1
)

// ProgressRecord is a PROGRESS_RECORD (MS-PSRP 2.2.3.17). Unset numeric
// fields should be -1, as PowerShell writes them.
type ProgressRecord struct {
	Activity          string
	ActivityID        int32
	StatusDescription string
	CurrentOperation  string
	ParentActivityID  int32
	PercentComplete   int32
	SecondsRemaining  int32
	Type              ProgressRecordType
}

// InformationRecord is an INFORMATION_RECORD (MS-PSRP 2.2.2.26).
type InformationRecord struct {
	MessageData clixml.Value
	Source      string
	Tags        []string
	User        string
	Computer    string
	// TimeGenerated is when the record was written; zero encodes as now.
	TimeGenerated time.Time
}
