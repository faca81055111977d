package remoting

import (
	"errors"
	"testing"

	"github.com/ipps/ipps/internal/psrp"
	"github.com/ipps/ipps/internal/wsman"
)

func TestRemoteErrorClassification(t *testing.T) {
	for _, tc := range []struct {
		f    *wsman.Fault
		is   error
		isnt error
	}{
		{wsman.ShellNotFound("X"), ErrShellNotFound, ErrCommandNotFound},
		{wsman.CommandNotFound(), ErrCommandNotFound, ErrShellNotFound},
		{wsman.TimedOut(), ErrTimedOut, ErrShellNotFound},
		{wsman.QuotaLimit(3), ErrQuotaExceeded, ErrAccessDenied},
		{wsman.AccessDenied(), ErrAccessDenied, ErrQuotaExceeded},
		{wsman.InternalError("[AuthZRequestId=1][FailureCategory=AuthZ-AuthorizationException] no roles"), ErrAccessDenied, ErrQuotaExceeded},
		{wsman.InternalError("[FailureCategory=AuthZ-AuthorizationException] exceeded the maximum number of connections allowed : 3 for the policy party : MaxConcurrency"), ErrQuotaExceeded, ErrAccessDenied},
	} {
		err := error(&RemoteError{Op: "Create", Fault: tc.f})
		if !errors.Is(err, tc.is) || errors.Is(err, tc.isnt) {
			t.Errorf("%v: Is(%v)=%v Is(%v)=%v", tc.f, tc.is, errors.Is(err, tc.is), tc.isnt, errors.Is(err, tc.isnt))
		}
	}
	if !errors.Is(&AuthError{Status: 401}, ErrAccessDenied) {
		t.Error("401 does not match ErrAccessDenied")
	}
	pe := &PipelineError{Record: psrp.CommandNotFoundRecord("Get-X")}
	if !errors.Is(pe, ErrCommandNotFound) || errors.Is(&PipelineError{Record: &psrp.ErrorRecord{Message: "x"}}, ErrCommandNotFound) {
		t.Error("PipelineError classification")
	}
}
