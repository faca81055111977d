package interop

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/smnsjas/go-psrpcore/fragments"
	"github.com/smnsjas/go-psrpcore/messages"
)

// A minimal WS-Man (MS-WSMV WinRS) transport written from the protocol
// reference §1, independent of ippsd's own wsman/remoting packages. It feeds
// go-psrpcore's runspace.Pool, which speaks PSRP over an io.ReadWriter: every
// Write is one PSRP fragment, every Read returns fragments the server sent.

const (
	nsSoap     = "http://www.w3.org/2003/05/soap-envelope"
	nsAddr     = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
	nsWsman    = "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"
	nsMsWsman  = "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd"
	nsShell    = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
	nsTransfer = "http://schemas.xmlsoap.org/ws/2004/09/transfer"
	nsFault    = "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault"
	resourceEx = "http://schemas.microsoft.com/powershell/Microsoft.Exchange"
	anonymous  = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
	stateDone  = nsShell + "/CommandState/Done"
	timedOut   = 2150858793

	psrpSessionCapability = 0x00010002
	psrpInitRunspacePool  = 0x00010004
	psrpCreatePipeline    = 0x00021006
	psrpGetCommandMeta    = 0x0002100A
	psrpSignal            = 0x00041001
)

type wsFault struct {
	HTTPStatus int
	Code       uint64
	Subcode    string
	Message    string
}

func (f *wsFault) Error() string {
	return fmt.Sprintf("WS-Man fault HTTP %d %s code %d: %s", f.HTTPStatus, f.Subcode, f.Code, f.Message)
}

// wsConn is one WinRS shell = one RunspacePool.
type wsConn struct {
	t        testing.TB
	http     *http.Client
	url      string
	user     string
	pass     string
	session  string
	ShellID  string
	ctx      context.Context
	cancel   context.CancelFunc
	incoming chan []byte // whole PSRP fragments, in arrival order
	rbuf     []byte
	wg       sync.WaitGroup

	mu        sync.Mutex
	objTarget map[uint64]string // ObjectID of an outbound multi-fragment message → CommandId
	errs      []error
	// Observations for the report.
	PoolMessages []uint32         // PSRP message types seen on the pool-level Receive
	CmdMessages  map[string][]int // CommandId → message types seen on its Receive
	CmdDecoded   map[string][]*messages.Message
	assemblers   map[string]*fragments.Assembler
	closing      bool
	RelatesToBad []string
}

func newWSConn(t testing.TB, hc *http.Client, url, user, pass string) *wsConn {
	jar, _ := cookiejar.New(nil)
	c := *hc
	c.Jar = jar
	ctx, cancel := context.WithCancel(context.Background())
	return &wsConn{t: t, http: &c, url: url, user: user, pass: pass, session: "uuid:" + strings.ToUpper(uuid.NewString()),
		ctx: ctx, cancel: cancel, incoming: make(chan []byte, 256), objTarget: map[uint64]string{}, CmdMessages: map[string][]int{},
		CmdDecoded: map[string][]*messages.Message{}, assemblers: map[string]*fragments.Assembler{}}
}

func xmlText(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// call performs one WS-Man operation and returns the parsed response body.
func (c *wsConn) call(ctx context.Context, action, resource string, withShell bool, options map[string]string, body string) (*node, error) {
	msgID := "uuid:" + strings.ToUpper(uuid.NewString())
	var h strings.Builder
	h.WriteString(`<s:Envelope xmlns:s="` + nsSoap + `" xmlns:a="` + nsAddr + `" xmlns:w="` + nsWsman + `" xmlns:p="` + nsMsWsman + `" xmlns:rsp="` + nsShell + `">`)
	h.WriteString(`<s:Header><a:To>` + xmlText(c.url) + `</a:To>`)
	h.WriteString(`<a:ReplyTo><a:Address s:mustUnderstand="true">` + anonymous + `</a:Address></a:ReplyTo>`)
	h.WriteString(`<a:Action s:mustUnderstand="true">` + action + `</a:Action>`)
	h.WriteString(`<a:MessageID>` + msgID + `</a:MessageID>`)
	h.WriteString(`<w:ResourceURI s:mustUnderstand="true">` + resource + `</w:ResourceURI>`)
	h.WriteString(`<w:MaxEnvelopeSize s:mustUnderstand="true">153600</w:MaxEnvelopeSize><w:OperationTimeout>PT20S</w:OperationTimeout>`)
	h.WriteString(`<w:Locale xml:lang="en-US" s:mustUnderstand="false"/><p:DataLocale xml:lang="en-US" s:mustUnderstand="false"/>`)
	h.WriteString(`<p:SessionId s:mustUnderstand="false">` + c.session + `</p:SessionId>`)
	if withShell {
		h.WriteString(`<w:SelectorSet><w:Selector Name="ShellId">` + c.ShellID + `</w:Selector></w:SelectorSet>`)
	}
	if len(options) > 0 {
		h.WriteString(`<w:OptionSet s:mustUnderstand="true">`)
		for k, v := range options {
			mc := ""
			if k == "protocolversion" {
				mc = ` MustComply="true"`
			}
			h.WriteString(`<w:Option Name="` + k + `"` + mc + `>` + v + `</w:Option>`)
		}
		h.WriteString(`</w:OptionSet>`)
	}
	h.WriteString(`</s:Header><s:Body>` + body + `</s:Body></s:Envelope>`)

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, strings.NewReader(h.String()))
	if err != nil {
		return nil, err
	}
	req.SetBasicAuth(c.user, c.pass)
	req.Header.Set("Content-Type", "application/soap+xml;charset=UTF-8")
	req.Header.Set("Accept-Encoding", "identity")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusUnauthorized {
		return nil, &wsFault{HTTPStatus: 401, Message: "access denied"}
	}
	env, perr := parseXML(raw)
	if resp.StatusCode != http.StatusOK {
		f := &wsFault{HTTPStatus: resp.StatusCode, Message: string(raw)}
		if perr == nil {
			if wf := env.find(nsFault, "WSManFault"); wf != nil {
				fmt.Sscan(wf.attr("Code"), &f.Code)
				f.Message = strings.TrimSpace(wf.text())
			}
			if sc := env.find(nsSoap, "Subcode"); sc != nil {
				f.Subcode = strings.TrimSpace(sc.text())
			}
		}
		return nil, f
	}
	if perr != nil {
		return nil, fmt.Errorf("response XML: %w", perr)
	}
	if rt := env.find(nsAddr, "RelatesTo"); rt == nil || strings.TrimSpace(rt.text()) != msgID {
		got := "<missing>"
		if rt != nil {
			got = rt.text()
		}
		c.mu.Lock()
		c.RelatesToBad = append(c.RelatesToBad, action+": "+got)
		c.mu.Unlock()
	}
	b := env.find(nsSoap, "Body")
	if b == nil {
		return nil, errors.New("response without s:Body")
	}
	return b, nil
}

// create opens the shell with creationXml carrying the given PSRP fragments.
func (c *wsConn) create(ctx context.Context, shellID string, creation []byte) error {
	body := `<rsp:Shell ShellId="` + shellID + `"><rsp:InputStreams>stdin pr</rsp:InputStreams><rsp:OutputStreams>stdout</rsp:OutputStreams>` +
		`<creationXml xmlns="http://schemas.microsoft.com/powershell">` + base64.StdEncoding.EncodeToString(creation) + `</creationXml></rsp:Shell>`
	resp, err := c.call(ctx, nsTransfer+"/Create", resourceEx, false, map[string]string{"protocolversion": "2.3"}, body)
	if err != nil {
		return err
	}
	// Like pypsrp, take the ShellId only from the ResourceCreated selector.
	var sel *node
	if rc := resp.find(nsTransfer, "ResourceCreated"); rc != nil {
		sel = rc.find(nsWsman, "Selector")
	}
	if sel == nil || sel.attr("Name") != "ShellId" {
		return errors.New("CreateResponse lacks x:ResourceCreated/…/w:Selector[@Name=ShellId]")
	}
	c.ShellID = strings.TrimSpace(sel.text())
	c.receiveLoop("")
	return nil
}

// receiveLoop keeps one Receive outstanding for the pool ("") or a command.
func (c *wsConn) receiveLoop(cmdID string) {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		attr := ""
		if cmdID != "" {
			attr = ` CommandId="` + cmdID + `"`
		}
		body := `<rsp:Receive><rsp:DesiredStream` + attr + `>stdout</rsp:DesiredStream></rsp:Receive>`
		for c.ctx.Err() == nil {
			resp, err := c.call(c.ctx, nsShell+"/Receive", resourceEx, true, map[string]string{"WSMAN_CMDSHELL_OPTION_KEEPALIVE": "TRUE"}, body)
			var f *wsFault
			if errors.As(err, &f) && f.Code == timedOut {
				continue
			}
			if err != nil {
				if c.ctx.Err() == nil {
					c.fail(fmt.Errorf("receive %q: %w", cmdID, err))
				}
				return
			}
			done := false
			for _, n := range resp.all(nsShell, "Stream") {
				data, err := base64.StdEncoding.DecodeString(strings.TrimSpace(n.text()))
				if err != nil {
					c.fail(fmt.Errorf("stream base64: %w", err))
					return
				}
				if got := n.attr("CommandId"); !strings.EqualFold(got, cmdID) {
					c.fail(fmt.Errorf("Receive for CommandId %q returned stream of CommandId %q", cmdID, got))
				}
				c.observe(cmdID, data)
				select {
				case c.incoming <- data:
				case <-c.ctx.Done():
					return
				}
			}
			for _, n := range resp.all(nsShell, "CommandState") {
				if n.attr("State") == stateDone {
					done = true
				}
			}
			if done && cmdID != "" {
				// Windows: WSManCloseCommand after Done.
				sig := `<rsp:Signal CommandId="` + cmdID + `"><rsp:Code>` + nsShell + `/signal/Terminate</rsp:Code></rsp:Signal>`
				if _, err := c.call(c.ctx, nsShell+"/Signal", resourceEx, true, nil, sig); err != nil && c.ctx.Err() == nil {
					c.fail(fmt.Errorf("signal terminate: %w", err))
				}
				return
			}
		}
	}()
}

// observe records the PSRP message types (start fragments only) and, for
// commands, the whole messages as go-psrpcore decodes them.
func (c *wsConn) observe(cmdID string, data []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cmdID != "" {
		as := c.assemblers[cmdID]
		if as == nil {
			as = fragments.NewAssembler()
			c.assemblers[cmdID] = as
		}
		for rest := data; len(rest) >= 21; {
			n := 21 + int(binary.BigEndian.Uint32(rest[17:21]))
			if len(rest) < n {
				break
			}
			if f, err := fragments.Decode(rest[:n]); err == nil {
				if ok, whole, err := as.Add(f); err == nil && ok {
					if m, err := messages.Decode(whole); err == nil {
						c.CmdDecoded[cmdID] = append(c.CmdDecoded[cmdID], m)
					}
				}
			}
			rest = rest[n:]
		}
	}
	for len(data) >= 21 {
		n := int(binary.BigEndian.Uint32(data[17:21]))
		if len(data) < 21+n {
			return
		}
		if data[16]&1 != 0 && n >= 8 {
			mt := binary.LittleEndian.Uint32(data[25:29])
			if cmdID == "" {
				c.PoolMessages = append(c.PoolMessages, mt)
			} else {
				c.CmdMessages[cmdID] = append(c.CmdMessages[cmdID], int(mt))
			}
		}
		data = data[21+n:]
	}
}

func (c *wsConn) fail(err error) {
	c.mu.Lock()
	if c.closing {
		// Delete completes outstanding Receives with a fault (allowed by §1.4).
		c.mu.Unlock()
		return
	}
	c.errs = append(c.errs, err)
	c.mu.Unlock()
	c.t.Logf("transport: %v", err)
}

func (c *wsConn) Errors() []error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]error(nil), c.errs...)
}

// dotnetGUID decodes a GUID in .NET byte order.
func dotnetGUID(b []byte) string {
	var u uuid.UUID
	u[0], u[1], u[2], u[3] = b[3], b[2], b[1], b[0]
	u[4], u[5] = b[5], b[4]
	u[6], u[7] = b[7], b[6]
	copy(u[8:], b[8:16])
	return strings.ToUpper(u.String())
}

// Write takes exactly one PSRP fragment (go-psrpcore writes one per call).
func (c *wsConn) Write(p []byte) (int, error) {
	if len(p) < 21 {
		return 0, fmt.Errorf("short fragment (%d bytes)", len(p))
	}
	frag := append([]byte(nil), p...)
	objID := binary.BigEndian.Uint64(frag[0:8])
	start, end := frag[16]&1 != 0, frag[16]&2 != 0
	ctx := c.ctx
	if start {
		blob := frag[21:]
		if len(blob) < 40 {
			return 0, fmt.Errorf("start fragment without message header")
		}
		mt := binary.LittleEndian.Uint32(blob[4:8])
		pid := dotnetGUID(blob[24:40])
		nilPID := pid == strings.ToUpper(uuid.Nil.String())
		switch mt {
		case psrpSessionCapability, psrpInitRunspacePool:
			// Already delivered in creationXml (see GetHandshakeFragments).
			return len(p), nil
		case psrpCreatePipeline, psrpGetCommandMeta:
			cmdID := pid
			if nilPID {
				// go-psrpcore sends GET_COMMAND_METADATA with PID = Nil; WinRS
				// needs a CommandId, so give it a fresh one.
				cmdID = strings.ToUpper(uuid.NewString())
				c.t.Logf("go-psrpcore sent message type %#x with a nil PipelineId; using CommandId %s", mt, cmdID)
			}
			body := `<rsp:CommandLine CommandId="` + cmdID + `"><rsp:Command></rsp:Command><rsp:Arguments>` +
				base64.StdEncoding.EncodeToString(frag) + `</rsp:Arguments></rsp:CommandLine>`
			resp, err := c.call(ctx, nsShell+"/Command", resourceEx, true, map[string]string{"WINRS_SKIP_CMD_SHELL": "FALSE"}, body)
			if err != nil {
				return 0, err
			}
			if got := resp.find(nsShell, "CommandId"); got == nil || !strings.EqualFold(strings.TrimSpace(got.text()), cmdID) {
				return 0, fmt.Errorf("CommandResponse CommandId mismatch")
			}
			if !end {
				c.mu.Lock()
				c.objTarget[objID] = cmdID
				c.mu.Unlock()
			}
			c.receiveLoop(cmdID)
			return len(p), nil
		case psrpSignal:
			sig := `<rsp:Signal CommandId="` + pid + `"><rsp:Code>powershell/signal/crtl_c</rsp:Code></rsp:Signal>`
			if _, err := c.call(ctx, nsShell+"/Signal", resourceEx, true, nil, sig); err != nil {
				return 0, err
			}
			return len(p), nil
		}
		target := ""
		if !nilPID {
			target = pid
		}
		if !end {
			c.mu.Lock()
			c.objTarget[objID] = target
			c.mu.Unlock()
		}
		return len(p), c.send(ctx, target, frag)
	}
	c.mu.Lock()
	target := c.objTarget[objID]
	if end {
		delete(c.objTarget, objID)
	}
	c.mu.Unlock()
	return len(p), c.send(ctx, target, frag)
}

func (c *wsConn) send(ctx context.Context, cmdID string, frag []byte) error {
	attr := ""
	if cmdID != "" {
		attr = ` CommandId="` + cmdID + `"`
	}
	body := `<rsp:Send><rsp:Stream Name="stdin"` + attr + `>` + base64.StdEncoding.EncodeToString(frag) + `</rsp:Stream></rsp:Send>`
	_, err := c.call(ctx, nsShell+"/Send", resourceEx, true, nil, body)
	return err
}

// Read hands go-psrpcore the fragments received so far.
func (c *wsConn) Read(p []byte) (int, error) {
	if len(c.rbuf) == 0 {
		select {
		case b := <-c.incoming:
			c.rbuf = b
		case <-c.ctx.Done():
			return 0, io.EOF
		}
	}
	n := copy(p, c.rbuf)
	c.rbuf = c.rbuf[n:]
	return n, nil
}

// Delete closes the shell (= RunspacePool) and stops all receive loops.
func (c *wsConn) Delete(ctx context.Context) error {
	c.mu.Lock()
	c.closing = true
	c.mu.Unlock()
	_, err := c.call(ctx, nsTransfer+"/Delete", resourceEx, true, nil, "")
	c.cancel()
	c.wg.Wait()
	return err
}

// --- a tiny namespace-aware DOM ---------------------------------------------

type node struct {
	Name     xml.Name
	Attrs    []xml.Attr
	Children []*node
	Text     string
}

func parseXML(b []byte) (*node, error) {
	d := xml.NewDecoder(bytes.NewReader(b))
	var stack []*node
	var root *node
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &node{Name: t.Name, Attrs: t.Attr}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.Children = append(p.Children, n)
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].Text += string(t)
			}
		}
	}
	if root == nil {
		return nil, errors.New("empty document")
	}
	return root, nil
}

func (n *node) text() string { return n.Text }

func (n *node) attr(local string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

func (n *node) find(space, local string) *node {
	for _, c := range n.Children {
		if c.Name.Space == space && c.Name.Local == local {
			return c
		}
		if f := c.find(space, local); f != nil {
			return f
		}
	}
	return nil
}

func (n *node) all(space, local string) []*node {
	var out []*node
	for _, c := range n.Children {
		if c.Name.Space == space && c.Name.Local == local {
			out = append(out, c)
		}
		out = append(out, c.all(space, local)...)
	}
	return out
}
