package psrp

import (
	"errors"
	"testing"

	"github.com/ipps/ipps/internal/clixml"
)

func TestPipelineStateRoundTrip(t *testing.T) {
	for _, in := range []PipelineStateInfo{
		{State: PipelineCompleted},
		{State: PipelineStopped, Error: PipelineStoppedRecord()},
		{State: PipelineFailed, Error: CommandNotFoundRecord("Get-X")},
	} {
		got, err := DecodePipelineState(mustEncode(in.Marshal()))
		if err != nil || got.State != in.State || (in.Error == nil) != (got.Error == nil) {
			t.Fatalf("%+v: %+v %v", in, got, err)
		}
		if in.Error != nil && (got.Error.Message != in.Error.Message || got.Error.FullyQualifiedErrorID != in.Error.FullyQualifiedErrorID || got.Error.HResult != in.Error.HResult) {
			t.Fatalf("error record %+v", got.Error)
		}
	}
	if !PipelineStopped.Terminal() || PipelineRunning.Terminal() || PipelineState(9).String() != "PipelineState(9)" {
		t.Fatal("Terminal/String")
	}
	if _, err := DecodePipelineState([]byte(`<Obj RefId="0"><MS /></Obj>`)); !errors.Is(err, ErrPayload) {
		t.Fatalf("missing PipelineState: %v", err)
	}
}

func TestObjectData(t *testing.T) {
	// $null is empty data both ways (MS-PSRP 2.2.2.17).
	if b, err := EncodeObject(nil); err != nil || len(b) != 0 {
		t.Fatalf("nil: %q %v", b, err)
	}
	if v, err := DecodeObject(MsgPipelineOutput, nil); err != nil || v != nil {
		t.Fatalf("empty: %v %v", v, err)
	}
	in := clixml.NewPSCustomObject(clixml.Property{Name: "A", Value: int32(1)})
	v, err := DecodeObject(MsgPipelineInput, mustEncode(EncodeObject(in)))
	if err != nil {
		t.Fatal(err)
	}
	if a, _ := v.(*clixml.Object).Get("a"); a != int32(1) {
		t.Fatalf("A = %v", a)
	}
	if _, err := DecodeObject(MsgPipelineOutput, []byte("<Obj")); !errors.Is(err, ErrPayload) {
		t.Fatalf("bad xml: %v", err)
	}
}
