package psrp

import (
	"fmt"
	"strings"

	"github.com/ipps/ipps/internal/clixml"
)

// ServerPool is the server half of a RunspacePool (MS-PSRP 3.2): it
// decodes what the client sends, answers the negotiation and pool control
// messages itself, and tracks pipelines. It does no I/O; see the package
// documentation for how a transport drives it. Methods are safe for
// concurrent use.
type ServerPool struct {
	endpoint
	// maxRunning and privateData are ServerConfig's MaxRunningPipelines
	// and PrivateData (the rest of it is endpoint.cfg). Immutable.
	maxRunning  int
	privateData *ApplicationPrivateData

	state      RunspacePoolState          // guarded by mu
	minRS      int32                      // guarded by mu
	maxRS      int32                      // guarded by mu
	sessionKey []byte                     // guarded by mu
	pipelines  map[string]*ServerPipeline // by targetKey, nil when empty; guarded by mu
}

var _ handler = (*ServerPool)(nil)

// defaultPrivateData is what a ServerPool sends when ServerConfig has no
// PrivateData. Every such pool shares it; nothing may modify it.
var defaultPrivateData = &ApplicationPrivateData{PSVersionTable: DefaultPSVersionTable()}

// NewServerPool returns a pool in state BeforeOpen. cfg is defaulted and
// validated.
func NewServerPool(cfg ServerConfig) (*ServerPool, error) {
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.MaxRunningPipelines <= 0 {
		cfg.MaxRunningPipelines = DefaultMaxRunningPipelines
	}
	if cfg.PrivateData == nil {
		cfg.PrivateData = defaultPrivateData
	}
	p := &ServerPool{maxRunning: cfg.MaxRunningPipelines, privateData: cfg.PrivateData, minRS: 1, maxRS: 1}
	p.init(cfg.Config, DestinationClient, p)
	return p, nil
}

// State returns the pool state.
func (p *ServerPool) State() RunspacePoolState {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.state
}

// RPID returns the RunspacePool id as the client sent it (zero before
// SESSION_CAPABILITY). Replies carry exactly these bytes.
func (p *ServerPool) RPID() WireGUID {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rpid
}

// Pipeline returns the pipeline registered under a CommandId, or nil.
func (p *ServerPool) Pipeline(commandID string) *ServerPipeline {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pipelines[targetKey(commandID)]
}

func (p *ServerPool) unexpected(m Message) error {
	return &UnexpectedMessageError{Type: m.Type, State: p.state.String()}
}

// handle implements handler. Called with mu held.
func (p *ServerPool) handle(target string, stream Stream, m Message) error {
	if m.Destination != DestinationServer {
		return p.unexpected(m)
	}
	if stream == StreamPR || m.Type == MsgRunspacePoolHostResponse || m.Type == MsgPipelineHostResponse {
		// A NoLanguage endpoint has no host and never issues host calls;
		// stray responses are ignored.
		return nil
	}
	switch m.Type {
	case MsgSessionCapability:
		return p.onSessionCapability(m)
	case MsgInitRunspacePool, MsgConnectRunspacePool:
		return p.onInit(m)
	}
	if p.state != PoolOpened {
		return p.unexpected(m)
	}
	switch m.Type {
	case MsgSetMaxRunspaces, MsgSetMinRunspaces:
		return p.onSetRunspaces(m)
	case MsgGetAvailableRunspaces, MsgResetRunspaceState:
		ci, err := DecodeCallID(m.Type, m.Data)
		if err != nil {
			return err
		}
		a := RunspaceAvailability{CallID: ci, OK: true}
		if m.Type == MsgGetAvailableRunspaces {
			a.IsCount, a.Available = true, max(0, int64(p.maxRS)-int64(p.runningLocked()))
		}
		if err := p.enqueueLocked(PoolTarget, MsgRunspaceAvailability, WireGUID{}, a); err != nil {
			return err
		}
		p.emitLocked(AvailabilityRequestEvent{CallID: ci, Reset: m.Type == MsgResetRunspaceState})
	case MsgPublicKey:
		return p.onPublicKey(m)
	case MsgCreatePipeline, MsgGetCommandMetadata:
		return p.onCreate(target, m)
	case MsgPipelineInput, MsgEndOfPipelineInput:
		pl := p.pipelines[targetKey(target)]
		if pl == nil {
			pl = p.pipelines[targetKey(m.PID.String())]
		}
		if pl == nil {
			return fmt.Errorf("%w: %s", ErrUnknownPipeline, target)
		}
		return pl.onInput(m)
	default:
		return p.unexpected(m)
	}
	return nil
}

// onSetRunspaces accepts a new maximum >= the minimum or a new minimum <=
// the maximum (both >= 1), as PowerShell's RunspacePool does, and answers
// with RUNSPACE_AVAILABILITY true or false.
func (p *ServerPool) onSetRunspaces(m Message) error {
	req, err := DecodeSetRunspaces(m.Type, m.Data)
	if err != nil {
		return err
	}
	ok := req.Count >= 1 && ((req.Max && req.Count >= p.minRS) || (!req.Max && req.Count <= p.maxRS))
	switch {
	case ok && req.Max:
		p.maxRS = req.Count
	case ok:
		p.minRS = req.Count
	}
	if err := p.enqueueLocked(PoolTarget, MsgRunspaceAvailability, WireGUID{}, RunspaceAvailability{CallID: req.CallID, OK: ok}); err != nil {
		return err
	}
	p.emitLocked(SetRunspacesEvent{Request: req, Accepted: ok})
	return nil
}

func (p *ServerPool) onSessionCapability(m Message) error {
	if p.state != PoolBeforeOpen {
		return p.unexpected(m)
	}
	c, err := DecodeSessionCapability(m.Data)
	if err != nil {
		return err
	}
	if err := CheckProtocolVersion(c.ProtocolVersion); err != nil {
		return err
	}
	p.rpid = m.RPID
	if err := p.enqueueLocked(PoolTarget, MsgSessionCapability, WireGUID{}, p.cfg.Capability); err != nil {
		return err
	}
	p.state = PoolNegotiationSucceeded
	p.emitLocked(SessionCapabilityEvent{Capability: c})
	return nil
}

func (p *ServerPool) onInit(m Message) error {
	if p.state != PoolNegotiationSucceeded {
		return p.unexpected(m)
	}
	if m.Type == MsgConnectRunspacePool {
		d, ok, err := DecodeRunspacePoolInitData(m.Type, m.Data)
		if err != nil {
			return err
		}
		if ok {
			p.minRS, p.maxRS = d.MinRunspaces, d.MaxRunspaces
		}
		if err := p.enqueueLocked(PoolTarget, MsgRunspacePoolInitData, WireGUID{}, RunspacePoolInitData{MinRunspaces: p.minRS, MaxRunspaces: p.maxRS}); err != nil {
			return err
		}
		p.emitLocked(ConnectRunspacePoolEvent{})
	} else {
		init, err := DecodeInitRunspacePool(m.Data)
		if err != nil {
			return err
		}
		p.minRS, p.maxRS = max(1, init.MinRunspaces), max(1, init.MaxRunspaces)
		p.emitLocked(InitRunspacePoolEvent{Init: init})
	}
	if err := p.enqueueLocked(PoolTarget, MsgApplicationPrivateData, WireGUID{}, p.privateData); err != nil {
		return err
	}
	p.state = PoolOpened
	return p.enqueueLocked(PoolTarget, MsgRunspacePoolState, WireGUID{}, RunspacePoolStateInfo{State: PoolOpened})
}

func (p *ServerPool) onPublicKey(m Message) error {
	pub, err := DecodePublicKey(m.Data)
	if err != nil {
		return err
	}
	key, err := NewSessionKey()
	if err != nil {
		return err
	}
	data, err := EncodeEncryptedSessionKey(pub, key)
	if err != nil {
		return err
	}
	if err := p.enqueueLocked(PoolTarget, MsgEncryptedSessionKey, WireGUID{}, rawData(data)); err != nil {
		return err
	}
	p.sessionKey = key
	p.emitLocked(KeyExchangeEvent{PublicKey: pub})
	return nil
}

func (p *ServerPool) onCreate(target string, m Message) error {
	id := target
	if id == PoolTarget {
		id = m.PID.String()
	}
	k := targetKey(id)
	if p.pipelines[k] != nil {
		return &UnexpectedMessageError{Type: m.Type, State: "pipeline " + strings.ToUpper(id) + " exists"}
	}
	if p.runningLocked() >= p.maxRunning {
		return fmt.Errorf("%w (%d running)", ErrTooManyPipelines, p.maxRunning)
	}
	pl := &ServerPipeline{pool: p, id: k, pid: m.PID, q: p.queueLocked(k), state: PipelineRunning}
	if m.Type == MsgGetCommandMetadata {
		req, err := DecodeGetCommandMetadata(m.Data)
		if err != nil {
			return err
		}
		pl.noInput, pl.metadata = true, true
		p.addPipelineLocked(k, pl)
		p.emitLocked(GetCommandMetadataEvent{Pipeline: pl, Request: req})
		return nil
	}
	req, err := DecodeCreatePipeline(m.Data)
	if err != nil {
		return err
	}
	pl.noInput = req.NoInput
	p.addPipelineLocked(k, pl)
	p.emitLocked(CreatePipelineEvent{Pipeline: pl, Request: req})
	return nil
}

// addPipelineLocked registers pl under k, creating the map on first use.
func (p *ServerPool) addPipelineLocked(k string, pl *ServerPipeline) {
	if p.pipelines == nil {
		p.pipelines = make(map[string]*ServerPipeline)
	}
	p.pipelines[k] = pl
}

func (p *ServerPool) runningLocked() int {
	n := 0
	for _, pl := range p.pipelines {
		if !pl.state.Terminal() {
			n++
		}
	}
	return n
}

// RequestPublicKey queues PUBLIC_KEY_REQUEST (MS-PSRP 2.2.2.5), asking the
// client to start the key exchange, e.g. before sending a SecureString.
func (p *ServerPool) RequestPublicKey() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.state != PoolOpened {
		return ErrNotOpened
	}
	return p.enqueueLocked(PoolTarget, MsgPublicKeyRequest, WireGUID{}, valueData{""})
}

// SessionKey returns the AES session key, or nil before the key exchange.
func (p *ServerPool) SessionKey() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.sessionKey
}

// DecryptSecureString decrypts a SecureString received from the client.
func (p *ServerPool) DecryptSecureString(ss clixml.SecureString) (string, error) {
	key := p.SessionKey()
	if key == nil {
		return "", ErrNoSessionKey
	}
	return DecryptSecureString(key, ss)
}

// SetBroken reports the pool Broken with rec (MS-PSRP 3.2.5.3: the server
// reports Broken when the RunspacePool fails, e.g. the backing runspace
// died); running pipelines are aborted. The transport calls it; the pool
// never breaks itself on a bad message but returns the error instead. If
// rec cannot be encoded (its TargetObject is outside the clixml model) it
// is sent without TargetObject.
func (p *ServerPool) SetBroken(rec *ErrorRecord) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.state == PoolBroken || p.state == PoolClosed {
		return
	}
	if rec != nil && rec.FullyQualifiedErrorID == "" {
		rec.FullyQualifiedErrorID = "RemoteRunspaceStateInfoReason"
	}
	p.state = PoolBroken
	if err := p.enqueueLocked(PoolTarget, MsgRunspacePoolState, WireGUID{}, RunspacePoolStateInfo{State: PoolBroken, Error: rec}); err != nil {
		plain := *rec
		plain.TargetObject = nil
		_ = p.enqueueLocked(PoolTarget, MsgRunspacePoolState, WireGUID{}, RunspacePoolStateInfo{State: PoolBroken, Error: &plain})
	}
	for _, pl := range p.pipelines {
		pl.q.aborted = true
	}
	p.cond.Broadcast()
}

// Close marks the pool Closed (WS-Man Delete): blocked writers return
// ErrClosed, pipelines are dropped and ReceiveData fails. No message is
// queued; the shell is gone.
func (p *ServerPool) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.state = PoolClosed
	p.closeLocked()
}

// RemovePipeline forgets a pipeline and its queue (WS-Man Signal
// Terminate). A pipeline not yet terminal is stopped first.
func (p *ServerPool) RemovePipeline(commandID string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	k := targetKey(commandID)
	if pl := p.pipelines[k]; pl != nil {
		pl.q.aborted = true
		if !pl.state.Terminal() {
			pl.state = PipelineStopped
		}
		delete(p.pipelines, k)
		if len(p.pipelines) == 0 {
			p.pipelines = nil // an idle pool keeps no map
		}
	}
	p.dropQueueLocked(k)
	p.cond.Broadcast()
}
