// Package runspace is the contract between the remoting server (which speaks
// WS-Man and PSRP) and whatever executes commands behind it (the compliance
// service in ippsd). Neither side imports the other; both import this.
//
// The flow: the remoting server authenticates a request to a Principal,
// asks a Provider to Open a Runspace for it when a shell is created, then
// calls Invoke once per PSRP pipeline and Commands for GET_COMMAND_METADATA.
// Close is called exactly once when the shell goes away.
package runspace

import (
	"context"
	"errors"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/psrp"
)

// Principal is an authenticated caller.
type Principal struct {
	// UserID is the stable object id of the user (or app) and the key for
	// shell ownership: a shell is visible only to the principal whose
	// UserID created it.
	UserID string
	// UPN is the user principal name, or "OAuthUser@<tenant>" for app-only.
	UPN string
	// TenantID is the tenant GUID.
	TenantID string
	// AppID is the client application id from the token.
	AppID string
	// ClientAddr is the remote address (host only) of the request.
	ClientAddr string
	// Roles and Scopes come from the access token.
	Roles  []string
	Scopes []string
}

// Arg is one argument of a Command, already decoded from PSRP's Args list
// (MS-PSRP 2.2.3.13): Name is empty for a positional value; Switch is true
// for "-Name" given with no value.
type Arg struct {
	Name   string
	Value  clixml.Value
	Switch bool
}

// Command is one command of a pipeline.
type Command struct {
	Name string
	Args []Arg
	// IsScript is true when the client sent script text; a NoLanguage
	// runspace refuses it.
	IsScript bool
}

// Pipeline is what a client asked to run.
type Pipeline struct {
	// Commands run left to right, each feeding the next.
	Commands []Command
	// Input yields the pipeline input objects sent by the client, then is
	// closed after END_OF_PIPELINE_INPUT. Nil when the client sent NoInput.
	Input <-chan clixml.Value
	// DecryptSecureString decrypts a SecureString argument with the
	// session key the client and server exchanged (MS-PSRP 3.1.4.5). It
	// returns an error when no key exchange has happened. Nil when the
	// transport cannot decrypt.
	DecryptSecureString func(clixml.SecureString) (string, error)
}

// Output receives what a running pipeline produces. Implementations are
// safe for use by one goroutine at a time; each method may block while the
// client is slow to receive (back-pressure) and returns an error once the
// pipeline has been stopped or the shell closed.
type Output interface {
	WriteObject(v clixml.Value) error
	WriteError(rec *psrp.ErrorRecord) error
	WriteInformational(rec psrp.InformationalRecord) error
	WriteProgress(rec psrp.ProgressRecord) error
	WriteInformation(rec psrp.InformationRecord) error
}

// ParameterInfo describes one parameter for command metadata.
type ParameterInfo struct {
	Name string
	// Type is the .NET type full name, e.g. "System.String",
	// "System.Management.Automation.SwitchParameter".
	Type    string
	Aliases []string
	Switch  bool
}

// CommandInfo describes a command a runspace exposes (for Get-Command and
// GET_COMMAND_METADATA, MS-PSRP 2.2.3.22).
type CommandInfo struct {
	Name        string
	Module      string
	HelpURI     string
	CommandType int32 // 8 = Cmdlet, 2 = Function, 1 = Alias
	OutputType  []string
	Parameters  []ParameterInfo
}

// Runspace executes pipelines for one shell. Invoke may be called
// concurrently for different pipelines of the same shell.
type Runspace interface {
	// Invoke runs p, writing results to out, and returns when the pipeline
	// has finished. A returned *psrp.ErrorRecord becomes the terminating
	// error of a Failed pipeline; ctx is cancelled when the client stops the
	// pipeline (the server then reports Stopped) or the shell closes.
	Invoke(ctx context.Context, p *Pipeline, out Output) error
	// Commands returns the commands visible to this runspace's principal,
	// in a stable order.
	Commands(ctx context.Context) ([]CommandInfo, error)
	// Close releases the runspace. It is called once.
	Close(ctx context.Context) error
}

// Provider opens runspaces. Open returns an error of type *RefusedError
// when the principal may not have a shell (remote PowerShell disabled,
// connection limit reached); the remoting server turns it into a fault.
type Provider interface {
	Open(ctx context.Context, p Principal, shellID string) (Runspace, error)
}

// RefusalKind classifies a RefusedError.
type RefusalKind uint8

// Refusal kinds.
const (
	// RefusedAccess: the account may not use remote PowerShell.
	RefusedAccess RefusalKind = iota + 1
	// RefusedQuota: the per-user connection limit is reached.
	RefusedQuota
)

// RefusedError is returned by Provider.Open (and Authenticator
// implementations) to refuse a principal with a user-facing message that the
// server reproduces verbatim.
type RefusedError struct {
	Kind    RefusalKind
	Message string
}

func (e *RefusedError) Error() string { return e.Message }

// ErrUnauthenticated is returned by an Authenticator when credentials are
// missing or rejected; the server answers 401 with WWW-Authenticate: Basic.
var ErrUnauthenticated = errors.New("runspace: unauthenticated")

// Authenticator turns the HTTP Authorization header and the client address
// into a Principal. It returns an error wrapping ErrUnauthenticated for
// missing or bad credentials, or a *RefusedError.
type Authenticator interface {
	Authenticate(ctx context.Context, authorization, clientAddr string) (*Principal, error)
}
