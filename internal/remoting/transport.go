package remoting

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"sync"

	"github.com/ipps/ipps/internal/wsman"
)

// WriteBufferSize is the HTTP/1.1 write buffer our transports use. A
// Command or Send envelope is usually 3–10 KiB with its headers; with
// net/http's 4 KiB default it leaves in two or three TLS records and
// write calls, with 32 KiB in one.
const WriteBufferSize = 32 << 10

// ErrAccessDenied is matched (errors.Is) when the server answers 401 or
// refuses the principal with an access fault.
var ErrAccessDenied = wsman.ErrAccessDenied

// maxRedirects bounds how many front-door redirects one request follows.
const maxRedirects = 5

// maxResponseBody caps how much of a response the client reads; a
// conforming server never exceeds the MaxEnvelopeSize the client asked for.
const maxResponseSlack = 64 << 10

// transport posts envelopes to the endpoint. It keeps the cookie jar
// (affinity cookies) and follows 3xx redirects by re-posting to the
// Location; once redirected, later requests go to the new URL directly.
type transport struct {
	hc *http.Client
	// ownsConns is set when the transport built its own http.Transport;
	// only then does closeIdle close its connections. A caller-supplied
	// HTTPClient's pool may serve other Clients (ippsload's shells, the
	// CLI's several sessions), whose kept-alive connections one Client's
	// Close must not drop.
	ownsConns bool
	username  string
	password  string
	token     func(ctx context.Context) (string, error)
	maxBody   int64
	log       *slog.Logger

	mu sync.Mutex
	// url is where requests go, and urlStr its String(); replaced (never
	// modified) after a redirect. Guarded by mu.
	url    *url.URL
	urlStr string
	// authFor and authHeader remember the last Authorization header
	// value (as a shared, read-only header value) and the password it was
	// built from, so an unchanged token is not re-encoded for every
	// request. Guarded by mu.
	authFor    string
	authHeader []string
}

func newTransport(cfg *ClientConfig) (*transport, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("remoting: bad URL: %w", err)
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return nil, fmt.Errorf("remoting: URL scheme %q is not http or https", u.Scheme)
	}
	hc := &http.Client{}
	owns := cfg.HTTPClient == nil
	if cfg.HTTPClient != nil {
		c := *cfg.HTTPClient
		hc = &c
	} else if cfg.TLSConfig != nil {
		hc.Transport = &http.Transport{TLSClientConfig: cfg.TLSConfig.Clone(), ForceAttemptHTTP2: true, MaxIdleConnsPerHost: 8, WriteBufferSize: WriteBufferSize}
	} else {
		hc.Transport = &http.Transport{TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12}, ForceAttemptHTTP2: true, MaxIdleConnsPerHost: 8, WriteBufferSize: WriteBufferSize}
	}
	if hc.Jar == nil {
		jar, _ := cookiejar.New(nil)
		hc.Jar = jar
	}
	// Redirects are followed by hand so that the POST body is re-sent and
	// the new URL sticks for later requests.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &transport{
		hc: hc, ownsConns: owns, username: cfg.Username, password: cfg.Password, token: cfg.TokenSource,
		maxBody: int64(cfg.MaxEnvelopeSize) + maxResponseSlack, log: cfg.Logger, url: u, urlStr: u.String(),
	}, nil
}

// currentURL returns a copy of the URL requests go to now.
func (t *transport) currentURL() *url.URL {
	t.mu.Lock()
	defer t.mu.Unlock()
	u := *t.url
	return &u
}

// currentURLString returns the URL requests go to now, as a string.
func (t *transport) currentURLString() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.urlStr
}

// Request header values, shared by every request: net/http only reads
// them (it writes headers sorted by name, so the wire bytes do not
// depend on how the map was built).
var (
	hdrContentType    = []string{"application/soap+xml;charset=UTF-8"}
	hdrAcceptEncoding = []string{"identity"}
	hdrUserAgent      = []string{"ipps"}
)

// authorization builds the Basic header; with a TokenSource the password
// is "Bearer <token>".
// It returns the header's value list, shared between requests and never
// modified.
func (t *transport) authorization(ctx context.Context) ([]string, error) {
	pass := t.password
	if t.token != nil {
		tok, err := t.token(ctx)
		if err != nil {
			return nil, fmt.Errorf("remoting: getting token: %w", err)
		}
		pass = "Bearer " + tok
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if pass != t.authFor || t.authHeader == nil {
		t.authFor, t.authHeader = pass, []string{"Basic " + base64.StdEncoding.EncodeToString([]byte(t.username+":"+pass))}
	}
	return t.authHeader, nil
}

// post sends one envelope and returns the HTTP status and body. 401 is
// returned as an error wrapping ErrAccessDenied; other statuses are the
// caller's to interpret (200 response, 500 fault). The body is a pooled
// buffer: the caller must hand it to releaseResponse once it no longer uses
// the bytes (and nothing made from them aliases them).
//
// replayable marks the request safe to resend when a reused keep-alive
// connection turns out to be dead (the server closed it while the
// request was being written): net/http then retries it on a fresh
// connection instead of failing with "broken pipe" or "connection
// reset". Every WS-Man operation but Create is: Receive and Signal are
// idempotent, and a Command replayed with its CommandId is refused by
// the server as a duplicate, never run twice. A Create replay could open
// a second shell and take a second of the user's five connections.
func (t *transport) post(ctx context.Context, envelope []byte, replayable bool) (int, *[]byte, error) {
	authz, err := t.authorization(ctx)
	if err != nil {
		return 0, nil, err
	}
	u := t.currentURLString()
	for range maxRedirects + 1 {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(envelope))
		if err != nil {
			return 0, nil, fmt.Errorf("remoting: building request: %w", err)
		}
		req.Header["Content-Type"] = hdrContentType
		req.Header["Accept-Encoding"] = hdrAcceptEncoding
		req.Header["User-Agent"] = hdrUserAgent
		req.Header["Authorization"] = authz
		if replayable {
			// A zero-length value marks the request idempotent for
			// net/http's retry without sending the header.
			req.Header["X-Idempotency-Key"] = nil
		}
		resp, err := t.hc.Do(req)
		if err != nil {
			return 0, nil, fmt.Errorf("remoting: %w", err)
		}
		body, rerr := readResponse(resp, t.maxBody)
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
			http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
			loc, err := resp.Location()
			if err != nil {
				releaseBuffer(body)
				return 0, nil, fmt.Errorf("remoting: redirect without Location: %w", err)
			}
			t.log.Debug("remoting: following redirect", "to", loc.Redacted())
			u = loc.String()
			t.mu.Lock()
			t.url, t.urlStr = loc, u
			t.mu.Unlock()
			releaseBuffer(body)
			continue
		case http.StatusUnauthorized:
			releaseBuffer(body)
			return resp.StatusCode, nil, &AuthError{Status: resp.StatusCode, Challenge: resp.Header.Get("WWW-Authenticate")}
		}
		if rerr != nil {
			releaseBuffer(body)
			return 0, nil, fmt.Errorf("remoting: reading response: %w", rerr)
		}
		return resp.StatusCode, body, nil
	}
	return 0, nil, fmt.Errorf("remoting: more than %d redirects", maxRedirects)
}

// AuthError is an HTTP 401 from the server. It matches ErrAccessDenied.
type AuthError struct {
	Status    int
	Challenge string
}

func (e *AuthError) Error() string {
	return fmt.Sprintf("remoting: access is denied (HTTP %d)", e.Status)
}

// Unwrap returns ErrAccessDenied.
func (e *AuthError) Unwrap() error { return ErrAccessDenied }

// closeIdle releases idle connections of a pool the transport owns
// (see ownsConns); a shared pool is its owner's to close.
func (t *transport) closeIdle() {
	if t.ownsConns {
		t.hc.CloseIdleConnections()
	}
}
