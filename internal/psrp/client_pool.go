package psrp

import (
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"strings"

	"github.com/ipps/ipps/internal/clixml"
)

// ClientPool is the client half of a RunspacePool (MS-PSRP 3.1). Creating
// it queues SESSION_CAPABILITY and INIT_RUNSPACEPOOL on the pool queue: the
// transport reads them with DataToSend(PoolTarget, budget) into the WS-Man
// Create's creationXml (and Sends any remainder), then polls the pool
// Receive and feeds replies to ReceiveData until State is Opened. Methods
// are safe for concurrent use.
type ClientPool struct {
	endpoint
	ccfg ClientConfig

	state      RunspacePoolState          // guarded by mu
	private    *ApplicationPrivateData    // guarded by mu
	callID     int64                      // guarded by mu
	priv       *rsa.PrivateKey            // guarded by mu
	sessionKey []byte                     // guarded by mu
	pipelines  map[string]*ClientPipeline // guarded by mu
}

var _ handler = (*ClientPool)(nil)

// NewRandomWireGUID returns a random (version 4) GUID in wire order.
func NewRandomWireGUID() WireGUID {
	var g clixml.GUID
	_, _ = rand.Read(g[:])
	g[6] = g[6]&0x0f | 0x40
	g[8] = g[8]&0x3f | 0x80
	return WireGUIDFromGUID(g)
}

// NewClientPool returns a pool in state NegotiationSent with the opening
// messages queued.
func NewClientPool(cfg ClientConfig) (*ClientPool, error) {
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.RPID.IsZero() {
		cfg.RPID = NewRandomWireGUID()
	}
	if cfg.Init.MinRunspaces == 0 {
		cfg.Init.MinRunspaces = 1
	}
	if cfg.Init.MaxRunspaces == 0 {
		cfg.Init.MaxRunspaces = 1
	}
	if cfg.Init.Host == (HostInfo{}) {
		cfg.Init.Host = NullHost
	}
	p := &ClientPool{ccfg: cfg, pipelines: make(map[string]*ClientPipeline), state: PoolNegotiationSent}
	p.init(cfg.Config, DestinationServer, p)
	// A one-fragment message (most output) is handled in place: every
	// server message is decoded within ReceiveData (clixml copies what
	// it keeps), so none outlives the payload, which is not retained.
	p.defrag.AliasWhole = true
	p.rpid = cfg.RPID
	if err := p.enqueueLocked(PoolTarget, MsgSessionCapability, WireGUID{}, cfg.Capability); err != nil {
		return nil, err
	}
	if err := p.enqueueLocked(PoolTarget, MsgInitRunspacePool, WireGUID{}, cfg.Init); err != nil {
		return nil, err
	}
	return p, nil
}

// RPID returns the RunspacePool id.
func (p *ClientPool) RPID() WireGUID { return p.ccfg.RPID }

// ShellID returns the RPID as upper-case text, the ShellId Windows
// proposes in Create.
func (p *ClientPool) ShellID() string { return strings.ToUpper(p.ccfg.RPID.String()) }

// State returns the pool state.
func (p *ClientPool) State() RunspacePoolState {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.state
}

// ApplicationPrivateData returns the server's private data, or nil before
// it arrived.
func (p *ClientPool) ApplicationPrivateData() *ApplicationPrivateData {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.private
}

func (p *ClientPool) unexpected(m Message) error {
	return &UnexpectedMessageError{Type: m.Type, State: p.state.String()}
}

// handle implements handler. Called with mu held.
func (p *ClientPool) handle(target string, _ Stream, m Message) error {
	if m.Destination != DestinationClient {
		return p.unexpected(m)
	}
	switch m.Type {
	case MsgSessionCapability:
		// Windows servers send an all-zero RPID here; accept anything.
		c, err := DecodeSessionCapability(m.Data)
		if err != nil {
			return err
		}
		if err := CheckProtocolVersion(c.ProtocolVersion); err != nil {
			return err
		}
		if p.state == PoolNegotiationSent {
			p.state = PoolNegotiationSucceeded
		}
		p.emitLocked(SessionCapabilityEvent{Capability: c})
	case MsgApplicationPrivateData:
		d, err := DecodeApplicationPrivateData(m.Data)
		if err != nil {
			return err
		}
		p.private = &d
		p.emitLocked(ApplicationPrivateDataEvent{Data: d})
	case MsgRunspacePoolState:
		s, err := DecodeRunspacePoolState(m.Data)
		if err != nil {
			return err
		}
		p.state = s.State
		if s.State == PoolBroken || s.State == PoolClosed {
			for _, pl := range p.pipelines {
				pl.q.aborted = true
			}
			p.cond.Broadcast()
		}
		p.emitLocked(RunspacePoolStateEvent{State: s})
	case MsgRunspaceAvailability:
		a, err := DecodeRunspaceAvailability(m.Data)
		if err != nil {
			return err
		}
		p.emitLocked(RunspaceAvailabilityEvent{Availability: a})
	case MsgPublicKeyRequest:
		return p.startKeyExchangeLocked()
	case MsgEncryptedSessionKey:
		if p.priv == nil {
			return p.unexpected(m)
		}
		key, err := DecodeEncryptedSessionKey(p.priv, m.Data)
		if err != nil {
			return err
		}
		p.sessionKey = key
		p.emitLocked(KeyExchangeEvent{PublicKey: &p.priv.PublicKey})
	case MsgRunspacePoolInitData, MsgUserEvent, MsgRunspacePoolHostCall:
		// Not used by ipps: no host, no events.
	case MsgPipelineOutput, MsgErrorRecord, MsgPipelineState, MsgDebugRecord, MsgVerboseRecord,
		MsgWarningRecord, MsgProgressRecord, MsgInformationRecord, MsgPipelineHostCall:
		pl := p.pipelines[targetKey(target)]
		if pl == nil {
			pl = p.pipelines[targetKey(m.PID.String())]
		}
		if pl == nil {
			return fmt.Errorf("%w: %s", ErrUnknownPipeline, m.PID)
		}
		return pl.onMessage(m)
	default:
		return p.unexpected(m)
	}
	return nil
}

func (p *ClientPool) newPipelineLocked(noInput bool, t MessageType, req encoder) (*ClientPipeline, error) {
	if p.closed {
		return nil, ErrClosed
	}
	if p.state != PoolOpened {
		return nil, ErrNotOpened
	}
	pid := NewRandomWireGUID()
	id := pid.key() // targetKey(pid.String())
	if err := p.enqueueLocked(id, t, pid, req); err != nil {
		p.dropQueueLocked(id)
		return nil, err
	}
	pl := &ClientPipeline{pool: p, id: id, pid: pid, q: p.queueLocked(id), noInput: noInput, state: PipelineRunning}
	p.pipelines[id] = pl
	return pl, nil
}

// CreatePipeline registers a pipeline and queues its CREATE_PIPELINE on
// the pipeline's queue: the transport sends the first DataToSend(pl.ID())
// bytes as the WS-Man Command's Arguments (CommandId = pl.ID()) and any
// rest with Send. With req.NoInput false, the caller must eventually call
// EndInput.
func (p *ClientPool) CreatePipeline(req CreatePipeline) (*ClientPipeline, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.newPipelineLocked(req.NoInput, MsgCreatePipeline, req)
}

// GetCommandMetadata is CreatePipeline for GET_COMMAND_METADATA. The
// replies arrive as OutputEvents: first the count object (see
// DecodeCommandCount), then one object per command (DecodeCommandMetadata).
func (p *ClientPool) GetCommandMetadata(req GetCommandMetadata) (*ClientPipeline, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.newPipelineLocked(true, MsgGetCommandMetadata, req)
}

// RemovePipeline forgets a pipeline and its queue, after the transport
// sent Signal Terminate.
func (p *ClientPool) RemovePipeline(id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	k := targetKey(id)
	if pl := p.pipelines[k]; pl != nil {
		pl.q.aborted = true
		delete(p.pipelines, k)
	}
	p.dropQueueLocked(k)
	p.cond.Broadcast()
}

// poolRequest queues a pool control message carrying a fresh call id.
func (p *ClientPool) poolRequest(t MessageType, body func(ci int64) encoder) (int64, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.state != PoolOpened {
		return 0, ErrNotOpened
	}
	p.callID++
	if err := p.enqueueLocked(PoolTarget, t, WireGUID{}, body(p.callID)); err != nil {
		return 0, err
	}
	return p.callID, nil
}

// callIDData is the body of GET_AVAILABLE_RUNSPACES and RESET_RUNSPACE_STATE.
type callIDData int64

func (ci callIDData) Marshal() ([]byte, error) { return EncodeCallID(int64(ci)) }

// SetMaxRunspaces queues SET_MAX_RUNSPACES and returns its call id; the
// answer is a RunspaceAvailabilityEvent with that CallID.
func (p *ClientPool) SetMaxRunspaces(n int32) (int64, error) {
	return p.poolRequest(MsgSetMaxRunspaces, func(ci int64) encoder { return SetRunspaces{Max: true, Count: n, CallID: ci} })
}

// SetMinRunspaces queues SET_MIN_RUNSPACES; see SetMaxRunspaces.
func (p *ClientPool) SetMinRunspaces(n int32) (int64, error) {
	return p.poolRequest(MsgSetMinRunspaces, func(ci int64) encoder { return SetRunspaces{Count: n, CallID: ci} })
}

// GetAvailableRunspaces queues GET_AVAILABLE_RUNSPACES; see SetMaxRunspaces.
func (p *ClientPool) GetAvailableRunspaces() (int64, error) {
	return p.poolRequest(MsgGetAvailableRunspaces, func(ci int64) encoder { return callIDData(ci) })
}

// ResetRunspaceState queues RESET_RUNSPACE_STATE; see SetMaxRunspaces.
func (p *ClientPool) ResetRunspaceState() (int64, error) {
	return p.poolRequest(MsgResetRunspaceState, func(ci int64) encoder { return callIDData(ci) })
}

// StartKeyExchange generates an RSA-2048 key and queues PUBLIC_KEY; a
// KeyExchangeEvent follows once ENCRYPTED_SESSION_KEY is processed.
func (p *ClientPool) StartKeyExchange() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.startKeyExchangeLocked()
}

func (p *ClientPool) startKeyExchangeLocked() error {
	if p.state != PoolOpened {
		return ErrNotOpened
	}
	if p.priv == nil {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return fmt.Errorf("psrp: generate key: %w", err)
		}
		p.priv = k
	}
	data, err := EncodePublicKey(&p.priv.PublicKey)
	if err != nil {
		return err
	}
	return p.enqueueLocked(PoolTarget, MsgPublicKey, WireGUID{}, rawData(data))
}

// EncryptSecureString encrypts plain under the session key for use as a
// clixml.SecureString argument.
func (p *ClientPool) EncryptSecureString(plain string) (clixml.SecureString, error) {
	p.mu.Lock()
	key := p.sessionKey
	p.mu.Unlock()
	if key == nil {
		return nil, ErrNoSessionKey
	}
	return EncryptSecureString(key, plain)
}

// Close marks the pool Closed locally (after WS-Man Delete); blocked
// senders return ErrClosed.
func (p *ClientPool) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.state = PoolClosed
	p.closeLocked()
}
