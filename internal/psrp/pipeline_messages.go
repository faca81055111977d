package psrp

import (
	"fmt"

	"github.com/ipps/ipps/internal/clixml"
)

// PipelineState is PSInvocationState as sent in PIPELINE_STATE
// (MS-PSRP 2.2.3.5).
type PipelineState int32

// Pipeline states.
const (
	PipelineNotStarted   PipelineState = 0
	PipelineRunning      PipelineState = 1
	PipelineStopping     PipelineState = 2
	PipelineStopped      PipelineState = 3
	PipelineCompleted    PipelineState = 4
	PipelineFailed       PipelineState = 5
	PipelineDisconnected PipelineState = 6
)

var pipelineStateNames = [...]string{"NotStarted", "Running", "Stopping", "Stopped", "Completed", "Failed", "Disconnected"}

func (s PipelineState) String() string {
	if s >= 0 && int(s) < len(pipelineStateNames) {
		return pipelineStateNames[s]
	}
	return fmt.Sprintf("PipelineState(%d)", int32(s))
}

// Terminal reports whether s is Stopped, Completed or Failed, the only
// states a server sends.
func (s PipelineState) Terminal() bool {
	return s == PipelineStopped || s == PipelineCompleted || s == PipelineFailed
}

// PipelineStateInfo is the PIPELINE_STATE message (MS-PSRP 2.2.2.21).
// Error is the ExceptionAsErrorRecord of Stopped and Failed states.
type PipelineStateInfo struct {
	State PipelineState
	Error *ErrorRecord
}

// Marshal encodes s as message data.
func (s PipelineStateInfo) Marshal() ([]byte, error) {
	o := msObject(prop("PipelineState", int32(s.State)))
	if s.Error != nil {
		o.Extended = append(o.Extended, prop("ExceptionAsErrorRecord", s.Error.Object(false)))
	}
	return marshal(o)
}

// DecodePipelineState decodes PIPELINE_STATE data.
func DecodePipelineState(data []byte) (PipelineStateInfo, error) {
	o, err := decodeObject(MsgPipelineState, data)
	if err != nil {
		return PipelineStateInfo{}, err
	}
	f := fields{t: MsgPipelineState, o: o}
	s := PipelineStateInfo{State: PipelineState(f.int("PipelineState", true))}
	if ev, ok := o.Get("ExceptionAsErrorRecord"); ok && ev != nil {
		if s.Error, err = DecodeErrorRecord(ev); err != nil && f.err == nil {
			f.err = err
		}
	}
	return s, f.err
}

// EncodeObject encodes one PIPELINE_INPUT or PIPELINE_OUTPUT object; nil
// ($null) encodes as empty data (MS-PSRP 2.2.2.17).
func EncodeObject(v clixml.Value) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	return marshal(v)
}

// DecodeObject decodes PIPELINE_INPUT or PIPELINE_OUTPUT data (t); empty
// data is $null.
func DecodeObject(t MessageType, data []byte) (clixml.Value, error) {
	return decodeValue(t, data)
}

// EncodeErrorRecord encodes e as ERROR_RECORD data.
func EncodeErrorRecord(e *ErrorRecord) ([]byte, error) { return marshal(e.Object(true)) }

// DecodeErrorRecordMessage decodes ERROR_RECORD data.
func DecodeErrorRecordMessage(data []byte) (*ErrorRecord, error) {
	o, err := decodeObject(MsgErrorRecord, data)
	if err != nil {
		return nil, err
	}
	return DecodeErrorRecord(o)
}
