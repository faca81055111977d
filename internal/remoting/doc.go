// Package remoting is the WS-Management transport of PowerShell remoting
// over HTTP(S) (MS-WSMV + MS-PSRP), server and client. It does the I/O
// around two sans-I/O layers: package wsman (SOAP envelopes and faults)
// and package psrp (fragments, messages, and the RunspacePool/pipeline
// state machines with per-target outbound queues).
//
// # Server
//
// NewServer returns a *Server, an http.Handler that ippsd mounts for its
// endpoints (Config.Endpoints: path matched case-insensitively, any query
// accepted, plus the ResourceURI requests must carry). Every request is
// authenticated with a runspace.Authenticator (Basic, password
// "Bearer <token>"; failures are 401 with a Basic challenge) and then
// dispatched on its WS-Man action:
//
//	Create   protocolversion 2.x → Provider.Open → psrp.ServerPool fed with
//	         creationXml → registered shell (ShellId from the client or new)
//	Command  command registered under CommandId, then its Arguments fed to
//	         the pool; CREATE_PIPELINE starts Runspace.Invoke in a goroutine,
//	         GET_COMMAND_METADATA is answered from Runspace.Commands
//	Send     stdin/pr data to the pool or a command (xpress-decoded when the
//	         shell was created with compression)
//	Receive  long poll on one target's queue: answers once data is queued
//	         (whole fragments within the request's MaxEnvelopeSize, CommandState
//	         Done with the final PIPELINE_STATE; a running pipeline's output
//	         is coalesced for up to 1 ms between messages, 5 ms in all) or
//	         with the TimedOut fault shortly before OperationTimeout
//	Signal   crtl_c / ctrl_c stop the pipeline; Terminate discards it
//	Delete   stops pipelines, closes the pool, wakes parked Receives and
//	         calls Runspace.Close once
//	Get      is-alive: the shell, State Connected
//
// A shell is visible only to the principal (UserID) that created it, and
// optionally only from its creating address; every miss gets the same
// "shell was not found" fault. Idle shells are reaped. Faults are HTTP 500
// envelopes built by package wsman, relating to the request's MessageID.
//
// Concurrency: one goroutine per HTTP request plus one per running
// pipeline (and one input pump per pipeline that takes input). Receives on
// different targets of a shell wait independently on the pool's Ready
// channels; shell.done wakes them all at Delete.
//
// # Client
//
// Dial opens a shell on a URL and returns a *Client, which drives a
// psrp.ClientPool: Invoke runs a pipeline and streams its output and
// records to Handlers, Commands fetches command metadata, Close deletes
// the shell. The client keeps cookies, follows redirects from a front door
// to a regional host (re-posting the envelope; later requests go there
// directly), sends Accept-Encoding: identity, never asks for compression,
// re-polls TimedOut Receives and maps faults to errors matching
// ErrShellNotFound, ErrCommandNotFound, ErrQuotaExceeded and
// ErrAccessDenied.
package remoting
