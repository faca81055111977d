package psrp

import (
	"errors"
	"fmt"
)

// MessageType identifies a PSRP message. See MS-PSRP 2.2.1.
type MessageType uint32

// Message types (MS-PSRP 2.2.1).
const (
	MsgSessionCapability        MessageType = 0x00010002
	MsgInitRunspacePool         MessageType = 0x00010004
	MsgPublicKey                MessageType = 0x00010005
	MsgEncryptedSessionKey      MessageType = 0x00010006
	MsgPublicKeyRequest         MessageType = 0x00010007
	MsgConnectRunspacePool      MessageType = 0x00010008
	MsgSetMaxRunspaces          MessageType = 0x00021002
	MsgSetMinRunspaces          MessageType = 0x00021003
	MsgRunspaceAvailability     MessageType = 0x00021004
	MsgRunspacePoolState        MessageType = 0x00021005
	MsgCreatePipeline           MessageType = 0x00021006
	MsgGetAvailableRunspaces    MessageType = 0x00021007
	MsgUserEvent                MessageType = 0x00021008
	MsgApplicationPrivateData   MessageType = 0x00021009
	MsgGetCommandMetadata       MessageType = 0x0002100A
	MsgRunspacePoolInitData     MessageType = 0x0002100B
	MsgResetRunspaceState       MessageType = 0x0002100C
	MsgRunspacePoolHostCall     MessageType = 0x00021100
	MsgRunspacePoolHostResponse MessageType = 0x00021101
	MsgPipelineInput            MessageType = 0x00041002
	MsgEndOfPipelineInput       MessageType = 0x00041003
	MsgPipelineOutput           MessageType = 0x00041004
	MsgErrorRecord              MessageType = 0x00041005
	MsgPipelineState            MessageType = 0x00041006
	MsgDebugRecord              MessageType = 0x00041007
	MsgVerboseRecord            MessageType = 0x00041008
	MsgWarningRecord            MessageType = 0x00041009
	MsgProgressRecord           MessageType = 0x00041010
	MsgInformationRecord        MessageType = 0x00041011
	MsgPipelineHostCall         MessageType = 0x00041100
	MsgPipelineHostResponse     MessageType = 0x00041101
)

var messageTypeNames = map[MessageType]string{
	MsgSessionCapability:        "SESSION_CAPABILITY",
	MsgInitRunspacePool:         "INIT_RUNSPACEPOOL",
	MsgPublicKey:                "PUBLIC_KEY",
	MsgEncryptedSessionKey:      "ENCRYPTED_SESSION_KEY",
	MsgPublicKeyRequest:         "PUBLIC_KEY_REQUEST",
	MsgConnectRunspacePool:      "CONNECT_RUNSPACEPOOL",
	MsgSetMaxRunspaces:          "SET_MAX_RUNSPACES",
	MsgSetMinRunspaces:          "SET_MIN_RUNSPACES",
	MsgRunspaceAvailability:     "RUNSPACE_AVAILABILITY",
	MsgRunspacePoolState:        "RUNSPACEPOOL_STATE",
	MsgCreatePipeline:           "CREATE_PIPELINE",
	MsgGetAvailableRunspaces:    "GET_AVAILABLE_RUNSPACES",
	MsgUserEvent:                "USER_EVENT",
	MsgApplicationPrivateData:   "APPLICATION_PRIVATE_DATA",
	MsgGetCommandMetadata:       "GET_COMMAND_METADATA",
	MsgRunspacePoolInitData:     "RUNSPACEPOOL_INIT_DATA",
	MsgResetRunspaceState:       "RESET_RUNSPACE_STATE",
	MsgRunspacePoolHostCall:     "RUNSPACEPOOL_HOST_CALL",
	MsgRunspacePoolHostResponse: "RUNSPACEPOOL_HOST_RESPONSE",
	MsgPipelineInput:            "PIPELINE_INPUT",
	MsgEndOfPipelineInput:       "END_OF_PIPELINE_INPUT",
	MsgPipelineOutput:           "PIPELINE_OUTPUT",
	MsgErrorRecord:              "ERROR_RECORD",
	MsgPipelineState:            "PIPELINE_STATE",
	MsgDebugRecord:              "DEBUG_RECORD",
	MsgVerboseRecord:            "VERBOSE_RECORD",
	MsgWarningRecord:            "WARNING_RECORD",
	MsgProgressRecord:           "PROGRESS_RECORD",
	MsgInformationRecord:        "INFORMATION_RECORD",
	MsgPipelineHostCall:         "PIPELINE_HOST_CALL",
	MsgPipelineHostResponse:     "PIPELINE_HOST_RESPONSE",
}

// Known reports whether t is a message type listed in MS-PSRP 2.2.1.
func (t MessageType) Known() bool { _, ok := messageTypeNames[t]; return ok }

// String returns the spec name, e.g. "PIPELINE_OUTPUT", or the hex value
// for an unknown type.
func (t MessageType) String() string {
	if s, ok := messageTypeNames[t]; ok {
		return s
	}
	return fmt.Sprintf("MessageType(0x%08X)", uint32(t))
}

// ErrUnknownType is wrapped by *UnknownTypeError.
var ErrUnknownType = errors.New("psrp: unknown message type")

// UnknownTypeError reports a message whose MessageType is not in
// MS-PSRP 2.2.1.
type UnknownTypeError struct{ Type MessageType }

func (e *UnknownTypeError) Error() string {
	return fmt.Sprintf("psrp: unknown message type 0x%08X", uint32(e.Type))
}

// Unwrap returns ErrUnknownType.
func (e *UnknownTypeError) Unwrap() error { return ErrUnknownType }

// UnexpectedMessageError reports a known message that is not valid in the
// receiver's role or state (for example PIPELINE_OUTPUT sent to a server).
type UnexpectedMessageError struct {
	Type  MessageType
	State string
}

func (e *UnexpectedMessageError) Error() string {
	return fmt.Sprintf("psrp: unexpected %v in state %s", e.Type, e.State)
}
