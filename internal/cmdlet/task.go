package cmdlet

import (
	"errors"
	"fmt"
	"hash/fnv"
	"strings"

	"github.com/ipps/ipps/internal/psrp"
)

// Exchange exception types used by TaskError constructors.
const (
	ExcNotFound     = "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException"
	ExcAmbiguous    = "Microsoft.Exchange.Configuration.Tasks.ManagementObjectAmbiguousException"
	ExcInvalidParam = "Microsoft.Exchange.Management.Tasks.InvalidParameterException"
	ExcAlreadyExist = "Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException"
	ExcAccessDenied = "Microsoft.Exchange.Configuration.Authorization.CmdletAccessDeniedException"
	ExcOperation    = "Microsoft.Exchange.Configuration.Tasks.TaskException"
)

// ErrTask is wrapped by every *TaskError.
var ErrTask = errors.New("cmdlet: task failed")

// TaskError is an error a cmdlet's task reports, Exchange style: the
// executor writes it as a non-terminating error record for the current
// input object and carries on with the next one.
type TaskError struct {
	// Exception is the .NET exception type full name.
	Exception string
	Category  psrp.ErrorCategory
	// Message is the user-facing text, reproduced verbatim.
	Message string
	// Target is the identity the error concerns ("" if none).
	Target string
}

func (e *TaskError) Error() string { return e.Message }

// Unwrap makes errors.Is(err, ErrTask) true.
func (e *TaskError) Unwrap() error { return ErrTask }

// Record renders e as Exchange does: FullyQualifiedErrorId
// "[Server=<server>] [FailureCategory=Cmdlet-<Exception>] <hash>,<cmdlet>".
func (e *TaskError) Record(cmdletName, server string) *psrp.ErrorRecord {
	short := e.Exception[strings.LastIndexByte(e.Exception, '.')+1:]
	h := fnv.New32a()
	h.Write([]byte(short + cmdletName))
	rec := &psrp.ErrorRecord{
		Message:               e.Message,
		ExceptionType:         []string{e.Exception, "Microsoft.Exchange.Data.LocalizedException", "System.Exception", "System.Object"},
		HResult:               -2146233088,
		FullyQualifiedErrorID: fmt.Sprintf("[Server=%s] [FailureCategory=Cmdlet-%s] %08X,%s", server, short, h.Sum32(), cmdletName),
		Category:              e.Category,
		CategoryActivity:      cmdletName,
		CategoryReason:        short,
		CategoryTargetName:    e.Target,
	}
	if e.Target != "" {
		rec.TargetObject = e.Target
		rec.CategoryTargetType = "String"
	}
	return rec
}

// NotFound is the ManagementObjectNotFoundException for identity, e.g.
// "The operation couldn't be performed because object 'X' couldn't be found on 'SRV'."
func NotFound(identity, server string) *TaskError {
	return &TaskError{Exception: ExcNotFound, Category: psrp.CategoryObjectNotFound, Target: identity,
		Message: fmt.Sprintf("The operation couldn't be performed because object '%s' couldn't be found on '%s'.", identity, server)}
}

// AlreadyExists reports a duplicate name. The exact SCC text is
// unpublished; compliance-cmdlets.md §2.1 suggests this Exchange style.
func AlreadyExists(what, name string) *TaskError {
	return &TaskError{Exception: ExcAlreadyExist, Category: psrp.ErrorCategory(20), Target: name, // ResourceExists
		Message: fmt.Sprintf("The %s '%s' already exists.", what, name)}
}

// InvalidParameter reports a semantic parameter error.
func InvalidParameter(msg string) *TaskError {
	return &TaskError{Exception: ExcInvalidParam, Category: psrp.CategoryInvalidArgument, Message: msg}
}

// InvalidOperation reports an operation not allowed in the object's state.
func InvalidOperation(target, msg string) *TaskError {
	return &TaskError{Exception: ExcOperation, Category: psrp.CategoryInvalidOperation, Target: target, Message: msg}
}
