package psrp

import (
	"crypto/rsa"

	"github.com/ipps/ipps/internal/clixml"
)

// Event is something a pool reports after ReceiveData; the transport
// drains them with NextEvent and switches on the concrete type. Events
// that the pool already answered automatically are informational.
type Event interface{ psrpEvent() }

// Server events.
type (
	// SessionCapabilityEvent: the peer's SESSION_CAPABILITY (both sides).
	// The server has queued its own capability.
	SessionCapabilityEvent struct{ Capability SessionCapability }
	// InitRunspacePoolEvent: the client's INIT_RUNSPACEPOOL. The server has
	// queued APPLICATION_PRIVATE_DATA and RUNSPACEPOOL_STATE Opened.
	InitRunspacePoolEvent struct{ Init InitRunspacePool }
	// ConnectRunspacePoolEvent: CONNECT_RUNSPACEPOOL; the server has queued
	// RUNSPACEPOOL_INIT_DATA, APPLICATION_PRIVATE_DATA and the state.
	ConnectRunspacePoolEvent struct{}
	// SetRunspacesEvent: SET_MAX/SET_MIN_RUNSPACES, already answered with
	// RUNSPACE_AVAILABILITY Accepted.
	SetRunspacesEvent struct {
		Request  SetRunspaces
		Accepted bool
	}
	// AvailabilityRequestEvent: GET_AVAILABLE_RUNSPACES (Reset false) or
	// RESET_RUNSPACE_STATE (Reset true), already answered.
	AvailabilityRequestEvent struct {
		CallID int64
		Reset  bool
	}
	// KeyExchangeEvent: the session key is established (server: PUBLIC_KEY
	// received and ENCRYPTED_SESSION_KEY queued; client: key decrypted).
	KeyExchangeEvent struct{ PublicKey *rsa.PublicKey }
	// CreatePipelineEvent: a CREATE_PIPELINE for a new ServerPipeline. The
	// transport runs it and eventually calls Complete, Fail or Stop.
	CreatePipelineEvent struct {
		Pipeline *ServerPipeline
		Request  CreatePipeline
	}
	// GetCommandMetadataEvent: a GET_COMMAND_METADATA pipeline. The
	// transport writes CommandCountObject then one CommandMetadata object
	// per command with WriteOutput, then Complete.
	GetCommandMetadataEvent struct {
		Pipeline *ServerPipeline
		Request  GetCommandMetadata
	}
	// PipelineInputEvent: one PIPELINE_INPUT object.
	PipelineInputEvent struct {
		Pipeline *ServerPipeline
		Value    clixml.Value
	}
	// EndOfPipelineInputEvent: END_OF_PIPELINE_INPUT.
	EndOfPipelineInputEvent struct{ Pipeline *ServerPipeline }
)

// Client events.
type (
	// ApplicationPrivateDataEvent: the server's APPLICATION_PRIVATE_DATA.
	ApplicationPrivateDataEvent struct{ Data ApplicationPrivateData }
	// RunspacePoolStateEvent: RUNSPACEPOOL_STATE.
	RunspacePoolStateEvent struct{ State RunspacePoolStateInfo }
	// RunspaceAvailabilityEvent: the answer to a SetMaxRunspaces,
	// SetMinRunspaces, GetAvailableRunspaces or ResetRunspaceState call.
	RunspaceAvailabilityEvent struct{ Availability RunspaceAvailability }
	// OutputEvent: one PIPELINE_OUTPUT object ($null for empty data).
	OutputEvent struct {
		Pipeline *ClientPipeline
		Value    clixml.Value
	}
	// ErrorRecordEvent: ERROR_RECORD.
	ErrorRecordEvent struct {
		Pipeline *ClientPipeline
		Record   *ErrorRecord
	}
	// InformationalEvent: DEBUG_RECORD, VERBOSE_RECORD or WARNING_RECORD.
	InformationalEvent struct {
		Pipeline *ClientPipeline
		Record   InformationalRecord
	}
	// ProgressEvent: PROGRESS_RECORD.
	ProgressEvent struct {
		Pipeline *ClientPipeline
		Record   ProgressRecord
	}
	// InformationEvent: INFORMATION_RECORD.
	InformationEvent struct {
		Pipeline *ClientPipeline
		Record   InformationRecord
	}
	// PipelineStateEvent: PIPELINE_STATE; Terminal states end the pipeline.
	PipelineStateEvent struct {
		Pipeline *ClientPipeline
		State    PipelineStateInfo
	}
)

func (SessionCapabilityEvent) psrpEvent()      {}
func (InitRunspacePoolEvent) psrpEvent()       {}
func (ConnectRunspacePoolEvent) psrpEvent()    {}
func (SetRunspacesEvent) psrpEvent()           {}
func (AvailabilityRequestEvent) psrpEvent()    {}
func (KeyExchangeEvent) psrpEvent()            {}
func (CreatePipelineEvent) psrpEvent()         {}
func (GetCommandMetadataEvent) psrpEvent()     {}
func (PipelineInputEvent) psrpEvent()          {}
func (EndOfPipelineInputEvent) psrpEvent()     {}
func (ApplicationPrivateDataEvent) psrpEvent() {}
func (RunspacePoolStateEvent) psrpEvent()      {}
func (RunspaceAvailabilityEvent) psrpEvent()   {}
func (OutputEvent) psrpEvent()                 {}
func (ErrorRecordEvent) psrpEvent()            {}
func (InformationalEvent) psrpEvent()          {}
func (ProgressEvent) psrpEvent()               {}
func (InformationEvent) psrpEvent()            {}
func (PipelineStateEvent) psrpEvent()          {}
