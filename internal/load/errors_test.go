package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"syscall"
	"testing"

	"github.com/ipps/ipps/internal/psrp"
	"github.com/ipps/ipps/internal/remoting"
)

func TestClassify(t *testing.T) {
	notFound := &remoting.PipelineError{Record: &psrp.ErrorRecord{CategoryReason: "ManagementObjectNotFoundException",
		FullyQualifiedErrorID: "[Server=X] [FailureCategory=Cmdlet-ManagementObjectNotFoundException] 1234ABCD,Get-X"}}
	for err, want := range map[error]ErrorKind{
		fmt.Errorf("x: %w", context.DeadlineExceeded):  "timeout",
		fmt.Errorf("x: %w", remoting.ErrQuotaExceeded): "quota",
		fmt.Errorf("x: %w", notFound):                  "cmdlet:ManagementObjectNotFoundException",
		&remoting.PipelineError{Record: &psrp.ErrorRecord{FullyQualifiedErrorID: "AuditRecordNotWritten,New-X"}}: "cmdlet:AuditRecordNotWritten",
		fmt.Errorf("post: %w", syscall.ECONNREFUSED):                                                             "connection-refused",
		fmt.Errorf("post: %w", io.EOF):                                                                           "connection-reset",
		errors.New("something else"):                                                                             "other",
	} {
		if got := classify(err); got != want {
			t.Errorf("classify(%v) = %q, want %q", err, got, want)
		}
	}
	if !classify(notFound).notFound() || ErrorKind("timeout").notFound() {
		t.Error("notFound misclassifies")
	}
	if !ErrorKind("connection-refused").shellLost() || ErrorKind("quota").shellLost() {
		t.Error("shellLost misclassifies")
	}
}

func TestErrorCounts(t *testing.T) {
	var e ErrorCounts
	e.Add(fmt.Errorf("first: %w", io.EOF))
	e.Add(fmt.Errorf("second: %w", io.EOF))
	e.Add(remoting.ErrQuotaExceeded)
	c, x := e.Snapshot()
	if e.Total() != 3 || c["connection-reset"] != 2 || c["quota"] != 1 || x["connection-reset"] != "first: EOF" {
		t.Fatalf("counts %v examples %v", c, x)
	}
}
