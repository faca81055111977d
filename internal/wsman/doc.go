// Package wsman is the sans-I/O WS-Management (MS-WSMV) SOAP layer shared by
// the ippsd server and the ipps client.
//
// It turns bytes into typed values and typed values into bytes; it never
// touches the network and must not import net/http. The HTTP transport (in
// another package) drives it:
//
// Server side:
//
//	req, err := wsman.ParseRequest(body, wsman.Limits{MaxEnvelopeSize: 512000})
//	if err != nil { // always a *Fault
//		f := err.(*wsman.Fault)        // or errors.As
//		rp := wsman.Reply{}
//		if req != nil { rp.RelatesTo = req.Header.MessageID }
//		w.WriteHeader(wsman.FaultHTTPStatus)
//		w.Write(wsman.MarshalFault(rp, f))
//	}
//	switch b := req.Body.(type) { case *wsman.Receive: ... }
//	w.Write(wsman.MarshalResponse(wsman.Reply{RelatesTo: req.Header.MessageID}, &wsman.ReceiveResponse{...}))
//
// MaxReceivePayload tells the transport how many raw stream bytes fit in a
// ReceiveResponse under the client's MaxEnvelopeSize.
//
// Client side: MarshalRequest builds an envelope for a request Body (Create,
// Command, Send, Receive, Signal, Delete, Get); ParseResponse parses the
// answer, checks a:RelatesTo and returns a *Fault for s:Fault bodies. Faults
// classify with errors.Is against ErrShellNotFound, ErrCommandNotFound,
// ErrTimedOut, ErrAccessDenied and ErrQuotaExceeded.
//
// Parsing is bounded by Limits and runs in two tiers. A hand-written scanner
// (scan.go) builds the element tree for the subset of XML that clients
// send, without per-token allocations; anything outside that subset —
// comments, CDATA, character references, CR, non-ASCII names, a broken
// limit, malformed input — is parsed again with encoding/xml
// (decodeTreeXML), which alone decides errors. Both tiers yield the same
// tree, so the same Request, Response or error (FuzzFastPath). The builders
// write pre-rendered constant fragments into a buffer sized up front.
//
// Elements are matched by namespace URI, never by prefix. Output uses the
// prefixes Windows writes (s, a, w, p, rsp, x, n, f). See MS-WSMV 2.2 and
// 3.1.4, DSP0226 (WS-Management) and SOAP 1.2 Part 1 §5.4 (faults).
//
// The xpress subpackage implements the MS-WSMV 3.1.4.1.31.6 compression
// framing with the MS-XCA 2.2 LZ77+Huffman codec.
package wsman
