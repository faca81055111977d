package remoting

import (
	"fmt"
	"io"
	"net/http"
	"sync"
)

// Request bodies (server) and response bodies (client) are read into
// pooled buffers: every WS-Man message has one, most are a few KiB, and at
// thousands of requests a second a fresh buffer each is a steady share of
// the garbage the collector must chase.
//
// The contract that makes recycling safe: nothing derived from a body may
// refer to its bytes once the buffer is released. wsman.ParseRequest and
// wsman.ParseResponse copy every value they return (strings are copied,
// base64 content is decoded into new slices). On the server the one path
// that hands a request body to another goroutine — forwarding to the
// owning replica, where net/http may still read a request body after Do
// returns — marks the call so that its buffer is never recycled
// (call.keepBody).

// pooledBodyMax is the largest buffer kept for reuse; bigger bodies
// (large Sends or outputs near MaxEnvelopeSize) are allocated and dropped.
const pooledBodyMax = 64 << 10

var bodyPool = sync.Pool{New: func() any { return new([]byte) }}

// pooledBuffer returns a pooled buffer of length n (n ≤ pooledBodyMax).
func pooledBuffer(n int) *[]byte {
	bp := bodyPool.Get().(*[]byte)
	if cap(*bp) < n {
		*bp = make([]byte, n, max(n, 8<<10))
	}
	*bp = (*bp)[:n]
	return bp
}

// releaseBuffer returns a buffer from pooledBuffer, readBody or
// readResponse for reuse; nothing may use its bytes afterwards. Nil is
// ignored; buffers grown past pooledBodyMax are dropped.
func releaseBuffer(bp *[]byte) {
	if bp == nil || cap(*bp) > pooledBodyMax {
		return
	}
	bodyPool.Put(bp)
}

// readBody reads at most limit bytes of a request body; tooBig reports
// that more followed (the rest is drained up to a bound so the connection
// can be reused). A known size (Content-Length) within the limit is read
// in one buffer, from the pool when it fits: bp is then that buffer, to
// hand back with releaseBuffer once nothing refers to body (nil when body
// is not pooled).
func readBody(rd io.Reader, size, limit int64) (body []byte, bp *[]byte, tooBig bool, err error) {
	if size >= 0 && size <= limit {
		if size <= pooledBodyMax {
			bp = pooledBuffer(int(size))
			body = *bp
		} else {
			body = make([]byte, size)
		}
		if _, err := io.ReadFull(rd, body); err != nil {
			releaseBuffer(bp)
			return nil, nil, false, fmt.Errorf("remoting: reading request body: %w", err)
		}
		return body, bp, false, nil
	}
	body, err = io.ReadAll(io.LimitReader(rd, limit+1))
	if err != nil {
		return nil, nil, false, fmt.Errorf("remoting: reading request body: %w", err)
	}
	if int64(len(body)) > limit {
		io.CopyN(io.Discard, rd, 4<<20)
		return body[:limit], nil, true, nil
	}
	return body, nil, false, nil
}

// readResponse reads at most limit bytes of resp's body into a pooled
// buffer, in one read when the length is known. The buffer goes back
// with releaseBuffer.
func readResponse(resp *http.Response, limit int64) (*[]byte, error) {
	if n := resp.ContentLength; n >= 0 && n <= limit {
		var bp *[]byte
		if n <= pooledBodyMax {
			bp = pooledBuffer(int(n))
		} else {
			b := make([]byte, n) // dropped again by releaseBuffer
			bp = &b
		}
		_, err := io.ReadFull(resp.Body, *bp)
		return bp, err
	}
	bp := pooledBuffer(0)
	b := *bp
	r := io.LimitedReader{R: resp.Body, N: limit}
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil {
			*bp = b
			if err == io.EOF {
				err = nil
			}
			return bp, err
		}
	}
}
