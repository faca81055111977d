// Package psrp is the sans-I/O core of the PowerShell Remoting Protocol
// (MS-PSRP) shared by the ipps client and the ippsd server: message
// framing (see the fragment subpackage for the layer below), typed
// payloads over clixml, the SecureString key exchange, and the
// RunspacePool and pipeline state machines. Nothing here performs I/O or
// imports net/http; the WS-Man transport (internal/remoting) moves bytes.
//
// # Layers
//
//	WS-Man stream element (base64-decoded by the transport)
//	  └ fragment.Defragmenter / fragment.Cursor     MS-PSRP 2.2.4 (big-endian)
//	      └ Message (40-byte little-endian header)  MS-PSRP 2.2.1
//	          └ typed payload (clixml)              MS-PSRP 2.2.2, 2.2.3
//	              └ ServerPool/ClientPool handler → Events + queued replies
//
// Both pools embed the same endpoint (reassembly, decoding, per-target
// outbound queues, events); ServerPool and ClientPool only differ in the
// handler that interprets messages and in their Config.
//
// # Server RunspacePool states (MS-PSRP 3.2.5)
//
//	BeforeOpen ──SESSION_CAPABILITY (2.x)──▶ NegotiationSucceeded
//	    │ (other version: *ProtocolVersionError)      │
//	    │                      INIT_RUNSPACEPOOL or CONNECT_RUNSPACEPOOL
//	    │                  queues: [SESSION_CAPABILITY] APPLICATION_PRIVATE_DATA
//	    │                          RUNSPACEPOOL_STATE(Opened)
//	    ▼                                             ▼
//	 Closed ◀──────────── Close() ─────────────── Opened ──SetBroken(rec)──▶ Broken
//
// In Opened, SET_MAX/SET_MIN_RUNSPACES, GET_AVAILABLE_RUNSPACES,
// RESET_RUNSPACE_STATE and PUBLIC_KEY are answered automatically;
// CREATE_PIPELINE and GET_COMMAND_METADATA create a ServerPipeline.
// Host responses (stream pr) are ignored: a NoLanguage endpoint has no
// host and never makes host calls. A bad message is returned as an error
// from ReceiveData and never breaks the pool by itself.
//
// # Server pipeline states (MS-PSRP 3.2.5.4)
//
//	Running ──Complete()──▶ [held until END_OF_PIPELINE_INPUT if NoInput=false] ──▶ Completed
//	   │    ──Fail(rec)───▶ [held likewise] ─────────────────────────────────────▶ Failed
//	   └────Stop()────────▶ Stopped (PipelineStopped record; never held)
//
// Each terminal state queues one PIPELINE_STATE; DataToSend reports final
// when its last fragment is handed out.
//
// # Driving a ServerPool from WS-Man
//
//   - Create: NewServerPool; ReceiveData(PoolTarget, StreamStdin,
//     creationXml); drain NextEvent. The opening replies are now queued.
//   - Command: ReceiveData(commandID, StreamStdin, arguments); a
//     CreatePipelineEvent or GetCommandMetadataEvent carries the
//     *ServerPipeline, which the transport runs (runspace.Invoke writes
//     through WriteOutput/WriteError/..., then Complete or Fail).
//   - Send: ReceiveData(commandID or PoolTarget, stream, data) per Stream
//     element; PipelineInputEvent / EndOfPipelineInputEvent feed
//     runspace.Pipeline.Input.
//   - Receive: wait on Ready(target) (or the OperationTimeout), then
//     DataToSend(target, budget) where budget = (MaxEnvelopeSize − envelope
//     overhead)·3/4; put the bytes in one rsp:Stream; when final is true
//     add CommandState Done.
//   - Signal crtl_c/ctrl_c: Pipeline(id).Stop(). Signal Terminate:
//     RemovePipeline(id). Delete: Close.
//
// Pipeline writes block while the pipeline's queue holds more than
// Config.MaxQueuedBytes (the runspace.Output contract allows writes to
// block while the client is slow) and fail once the pipeline is stopped,
// removed, or the pool closed, so a stopped writer never hangs.
//
// # Client
//
// NewClientPool queues SESSION_CAPABILITY and INIT_RUNSPACEPOOL; the
// transport puts DataToSend(PoolTarget, budget) in creationXml, Sends any
// rest, and feeds pool Receive results to ReceiveData until State is
// Opened (the server's SESSION_CAPABILITY may carry a zero RPID).
// CreatePipeline/GetCommandMetadata queue the first message on the new
// pipeline's target (its ID is the CommandId for Command, Send, Receive
// and Signal); SendInput/EndInput queue input; outputs, records and states
// arrive as events.
package psrp
