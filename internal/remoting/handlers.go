package remoting

import (
	"context"
	"errors"
	"strings"

	"github.com/google/uuid"

	"github.com/ipps/ipps/internal/runspace"
	"github.com/ipps/ipps/internal/wsman"
)

// serverBuildVersion is reported in the protocol-version fault.
const serverBuildVersion = "10.0.17763.1"

// maxShellIDLen bounds a client-proposed ShellId (a GUID is 36 bytes).
const maxShellIDLen = 64

// textCreateFailed is the Create fault for a ShellId that cannot be used.
const textCreateFailed = "The shell could not be created. Retry the operation with a new ShellId."

// create opens a shell: it checks the protocol version option, opens a
// Runspace for the principal, feeds creationXml to a new RunspacePool and
// registers the shell under the client-proposed ShellId (or a new one).
func (s *Server) create(ctx context.Context, c *call, b *wsman.Create) {
	h := &c.req.Header
	opt, ok := h.Option(wsman.OptionProtocolVersion)
	if !ok || !strings.HasPrefix(strings.TrimSpace(opt.Value), "2.") {
		c.fault(wsman.ProtocolVersion(wsman.DefaultProtocolVersion, serverBuildVersion))
		return
	}
	compress := strings.EqualFold(strings.TrimSpace(h.CompressionType), "xpress")
	if compress && !xpressSupported {
		c.fault(wsman.InternalError("The server does not support compressed sessions. Create the session with New-PSSessionOption -NoCompression and try again."))
		return
	}
	id := strings.TrimSpace(b.ShellID)
	if id == "" {
		id = strings.ToUpper(uuid.NewString())
	}
	// A taken id is refused before a runspace is opened, and with the
	// same text as any other failed Create: whether the id belongs to
	// someone else must not show.
	if len(id) > maxShellIDLen || s.reg.exists(id) {
		c.fault(wsman.InternalError(textCreateFailed))
		return
	}
	rs, err := s.provider.Open(ctx, *c.principal, id)
	if err != nil {
		var refused *runspace.RefusedError
		if errors.As(err, &refused) {
			s.log.Info("remoting: shell refused", "user", c.principal.UserID, "kind", refused.Kind, "msg", refused.Message)
			c.fault(refusalFault(refused))
			return
		}
		s.log.Error("remoting: opening runspace", "user", c.principal.UserID, "err", err)
		c.fault(wsman.InternalError("The remote runspace could not be created. Try again later."))
		return
	}
	sh := newShell(id, c.principal.UserID, c.addr, c.ep.ResourceURI, rs, s.now())
	sh.compress = compress
	if sh.pool, err = s.newPool(); err == nil {
		// creationXml is never compressed; only stream data is.
		err = sh.feed(s, "", "stdin", b.CreationXML)
	}
	if err == nil {
		err = s.reg.add(sh)
	}
	if err != nil {
		sh.close(context.WithoutCancel(ctx))
		if errors.Is(err, errShellExists) {
			c.fault(wsman.InternalError(textCreateFailed))
			return
		}
		c.fault(coreFault(id, err))
		return
	}
	if s.cfg.Metrics != nil {
		s.cfg.Metrics.ShellOpened(sh.owner)
	}
	s.log.Info("remoting: shell opened", "shell", id, "user", sh.owner, "addr", c.addr, "compress", compress)
	c.respond(wsman.MarshalResponse(c.reply(), &wsman.CreateResponse{
		Address: h.To,
		Shell:   s.shellInfo(sh, c.principal),
	}))
}

// shellInfo describes sh for Create and Get responses.
func (s *Server) shellInfo(sh *shell, p *runspace.Principal) wsman.ShellInfo {
	mode := wsman.CompressionNone
	if sh.compress {
		mode = wsman.CompressionXpress
	}
	return wsman.ShellInfo{
		ShellID: sh.id, ResourceURI: sh.resourceURI, Owner: p.UPN, ClientIP: sh.clientAddr,
		IdleTimeOut: s.cfg.IdleTimeout, CompressionMode: mode, State: wsman.ShellStateConnected,
	}
}

// get answers is-alive: the shell with State Connected.
func (s *Server) get(c *call, sh *shell) {
	c.respond(wsman.MarshalResponse(c.reply(), &wsman.GetResponse{Shell: s.shellInfo(sh, c.principal)}))
}

// command creates the pipeline for CommandId and feeds it the Arguments
// fragments (the start of CREATE_PIPELINE or GET_COMMAND_METADATA).
func (s *Server) command(c *call, sh *shell, b *wsman.Command) {
	id := strings.TrimSpace(b.CommandID)
	if id == "" {
		id = strings.ToUpper(uuid.NewString())
	}
	_, err := sh.addCommand(id)
	if err == nil {
		if err = sh.feed(s, id, "stdin", b.Arguments); err != nil {
			sh.removeCommand(id)
		}
	}
	if err != nil {
		c.fault(coreFault(sh.id, err))
		return
	}
	c.respond(wsman.MarshalResponse(c.reply(), &wsman.CommandResponse{CommandID: id}))
}

// send feeds each stream's fragments to its target (the pool when no
// CommandId is given). "stdin" and "pr" are handled alike: the PSRP
// message type says what the data is.
func (s *Server) send(c *call, sh *shell, b *wsman.Send) {
	var err error
	for _, st := range b.Streams {
		data := st.Data
		if sh.compress {
			if data, err = decompress(data); err != nil {
				break
			}
		}
		if err = sh.feed(s, strings.TrimSpace(st.CommandID), st.Name, data); err != nil {
			break
		}
	}
	if err != nil {
		c.fault(coreFault(sh.id, err))
		return
	}
	c.respond(wsman.MarshalResponse(c.reply(), &wsman.SendResponse{}))
}

// signal stops (crtl_c, ctrl_c) or discards (Terminate, anything else) a
// command.
func (s *Server) signal(c *call, sh *shell, b *wsman.Signal) {
	code := strings.TrimSpace(b.Code)
	stop := code == wsman.SignalPSCtrlC || code == wsman.SignalPSCtrlCAlt
	id := strings.TrimSpace(b.CommandID)
	var ok bool
	if stop {
		ok = sh.stopCommand(id)
	} else {
		ok = sh.removeCommand(id)
	}
	if !ok {
		c.fault(wsman.CommandNotFound())
		return
	}
	c.respond(wsman.MarshalResponse(c.reply(), &wsman.SignalResponse{}))
}

// delete closes the shell: pipelines are stopped, parked Receives are
// answered, the pool is closed and Runspace.Close is called once.
func (s *Server) delete(ctx context.Context, c *call) {
	id := c.req.Header.ShellID()
	if id == "" {
		c.fault(wsman.InvalidSelectors())
		return
	}
	sh, ok := s.reg.lookup(id, c.principal.UserID, c.addr, s.cfg.BindClientAddress)
	if ok {
		_, ok = s.reg.remove(id)
	}
	if !ok {
		if s.cfg.Forwarder != nil && s.cfg.Forwarder.Forward(ctx, c.w, c.principal, c.body, id) {
			return
		}
		c.fault(wsman.ShellNotFound(id))
		return
	}
	s.closeShell(context.WithoutCancel(ctx), sh, "deleted")
	s.log.Info("remoting: shell deleted", "shell", id, "user", sh.owner)
	c.respond(wsman.MarshalResponse(c.reply(), &wsman.DeleteResponse{}))
}
