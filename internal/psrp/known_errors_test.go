package psrp

import (
	"testing"
)

func TestKnownRecords(t *testing.T) {
	s := PipelineStoppedRecord()
	if s.Message != "The pipeline has been stopped." || s.FullyQualifiedErrorID != "PipelineStopped" || s.Category != 14 || s.HResult != -2146233087 ||
		s.ExceptionType[0] != "System.Management.Automation.PipelineStoppedException" {
		t.Errorf("stopped %+v", s)
	}
	n := ScriptsNotAllowedRecord("1+1")
	if n.Message != "The syntax is not supported by this runspace. This can occur if the runspace is in no-language mode." ||
		n.FullyQualifiedErrorID != "ScriptsNotAllowed" || n.Category != 17 || n.TargetObject != "1+1" {
		t.Errorf("scripts %+v", n)
	}
	if CategoryParserError.String() != "ParserError" || ErrorCategory(99).String() != "99" {
		t.Error("category String")
	}
}
