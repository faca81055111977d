package psrp

import (
	"errors"
	"fmt"

	"github.com/ipps/ipps/internal/psrp/fragment"
)

// Defaults for Config.
const (
	DefaultMaxQueuedBytes  = 1 << 20
	DefaultMaxFragmentSize = 32 << 10
)

// Config holds the settings shared by client and server pools. Client and
// server differ only in ServerConfig/ClientConfig, which embed it.
type Config struct {
	// MaxFragmentSize caps the blob of each outbound fragment, at most
	// fragment.MaxBlob (32768, MS-PSRP 2.2.4); the DataToSend budget may
	// make fragments smaller. 0 means DefaultMaxFragmentSize.
	MaxFragmentSize int
	// MaxMessageSize and MaxPendingSize cap inbound reassembly (see
	// fragment.Defragmenter); 0 selects the fragment package defaults.
	MaxMessageSize int
	MaxPendingSize int
	// MaxQueuedBytes bounds the unsent bytes of each pipeline's outbound
	// queue: pipeline writes block while it is exceeded. 0 means
	// DefaultMaxQueuedBytes; negative disables the bound. Pool control
	// messages are never held back.
	MaxQueuedBytes int
	// Capability is what this side sends in SESSION_CAPABILITY; zero
	// means DefaultSessionCapability().
	Capability SessionCapability
}

// SetDefaults fills zero fields.
func (c *Config) SetDefaults() {
	if c.MaxFragmentSize == 0 {
		c.MaxFragmentSize = DefaultMaxFragmentSize
	}
	if c.MaxMessageSize == 0 {
		c.MaxMessageSize = fragment.DefaultMaxMessageSize
	}
	if c.MaxPendingSize == 0 {
		c.MaxPendingSize = fragment.DefaultMaxPendingSize
	}
	if c.MaxQueuedBytes == 0 {
		c.MaxQueuedBytes = DefaultMaxQueuedBytes
	}
	if c.Capability.ProtocolVersion == "" {
		c.Capability = DefaultSessionCapability()
	}
}

// ErrConfig is wrapped by Validate errors.
var ErrConfig = errors.New("psrp: invalid config")

// Validate reports settings that cannot work.
func (c *Config) Validate() error {
	if c.MaxFragmentSize < 1 || c.MaxFragmentSize > fragment.MaxBlob {
		return fmt.Errorf("%w: MaxFragmentSize %d", ErrConfig, c.MaxFragmentSize)
	}
	if c.MaxMessageSize < HeaderSize || c.MaxPendingSize < c.MaxMessageSize {
		return fmt.Errorf("%w: MaxMessageSize %d / MaxPendingSize %d", ErrConfig, c.MaxMessageSize, c.MaxPendingSize)
	}
	return CheckProtocolVersion(c.Capability.ProtocolVersion)
}

// DefaultMaxRunningPipelines matches WinRM's MaxConcurrentCommandsPerShell.
const DefaultMaxRunningPipelines = 1000

// ServerConfig configures a ServerPool.
type ServerConfig struct {
	Config
	// MaxRunningPipelines caps pipelines not yet in a terminal state; a
	// CREATE_PIPELINE or GET_COMMAND_METADATA beyond it fails with
	// ErrTooManyPipelines. 0 means DefaultMaxRunningPipelines.
	MaxRunningPipelines int
	// PrivateData is sent as APPLICATION_PRIVATE_DATA; nil means
	// DefaultPSVersionTable() and nothing else.
	PrivateData *ApplicationPrivateData
}

// ClientConfig configures a ClientPool.
type ClientConfig struct {
	Config
	// RPID is the RunspacePool id; zero means random.
	RPID WireGUID
	// Init is sent as INIT_RUNSPACEPOOL; zero Min/Max mean 1/1 and a zero
	// Host means NullHost.
	Init InitRunspacePool
}
