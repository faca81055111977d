package remoting

import (
	"fmt"
	"io"
	"sync"
)

// Request bodies are read into pooled buffers: every WS-Man request has
// one, most are a few KiB, and at thousands of requests a second a fresh
// buffer each is a steady share of the garbage the collector must chase.
//
// The contract that makes recycling safe: nothing derived from a request
// body may refer to its bytes once the call is served. wsman.ParseRequest
// copies every value it returns (strings are copied, base64 content is
// decoded into new slices), and the one path that hands the bytes to
// another goroutine — forwarding to the owning replica, where net/http
// may still read a request body after Do returns — marks the call so
// that its buffer is never recycled (call.keepBody).

// pooledBodyMax is the largest buffer kept for reuse; bigger bodies
// (large Sends near MaxEnvelopeSize) are allocated and dropped.
const pooledBodyMax = 64 << 10

var bodyPool = sync.Pool{New: func() any { b := make([]byte, 0, 8<<10); return &b }}

// readBody reads at most limit bytes; tooBig reports that more followed
// (the rest is drained up to a bound so the connection can be reused).
// A known size (Content-Length) within the limit is read in one buffer,
// from the pool when it fits; pooled reports that, and the caller must
// then hand the buffer back with releaseBody once nothing refers to it.
func readBody(rd io.Reader, size, limit int64) (body []byte, tooBig, pooled bool, err error) {
	if size >= 0 && size <= limit {
		if size <= pooledBodyMax {
			bp := bodyPool.Get().(*[]byte)
			if int64(cap(*bp)) < size {
				*bp = make([]byte, 0, max(size, 8<<10))
			}
			body, pooled = (*bp)[:size], true
		} else {
			body = make([]byte, size)
		}
		if _, err := io.ReadFull(rd, body); err != nil {
			releaseBody(body, pooled)
			return nil, false, false, fmt.Errorf("remoting: reading request body: %w", err)
		}
		return body, false, pooled, nil
	}
	body, err = io.ReadAll(io.LimitReader(rd, limit+1))
	if err != nil {
		return nil, false, false, fmt.Errorf("remoting: reading request body: %w", err)
	}
	if int64(len(body)) > limit {
		io.CopyN(io.Discard, rd, 4<<20)
		return body[:limit], true, false, nil
	}
	return body, false, false, nil
}

// releaseBody returns a body that readBody took from the pool.
func releaseBody(body []byte, pooled bool) {
	if !pooled || cap(body) > pooledBodyMax {
		return
	}
	b := body[:0]
	bodyPool.Put(&b)
}
