package load

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ipps/ipps/internal/devpki"
)

// FloorConfig describes an HTTPS ceiling measurement: what net/http and
// TLS alone cost on this machine for requests shaped like WS-Man's.
type FloorConfig struct {
	// Dir holds the throwaway PKI (devpki).
	Dir string
	// Conns is the number of concurrent keep-alive connections, each
	// with one closed-loop client.
	Conns int
	// Duration is the measured time; Warmup runs before it.
	Duration, Warmup time.Duration
	// RequestBytes, ResponseBytes and AuthBytes size the body of each
	// request and response and the Authorization header (a Basic header
	// carrying a bearer token is about 2 KiB).
	RequestBytes, ResponseBytes, AuthBytes int
}

// FloorReport is the result of Floor.
type FloorReport struct {
	Conns       int     `json:"conns"`
	Requests    int64   `json:"requests"`
	Seconds     float64 `json:"seconds"`
	PerSecond   float64 `json:"per_second"`
	RequestSize int     `json:"request_bytes"`
	Response    int     `json:"response_bytes"`
}

// Floor runs an HTTPS server whose handler does nothing but read the
// body and write a fixed response, and Conns closed-loop clients against
// it over loopback, in this process, with the transport settings ippsload
// uses. Its requests/s, divided by the three requests a cmdlet takes
// (Command, Receive, Signal), bounds the cmdlets/s any server could reach
// on this machine over HTTP/1.1 with TLS when sharing it with its client.
func Floor(ctx context.Context, cfg FloorConfig) (*FloorReport, error) {
	if cfg.Conns < 1 || cfg.Duration <= 0 {
		return nil, errors.New("load: floor needs at least one connection and a positive duration")
	}
	pki, err := devpki.Ensure(cfg.Dir, []string{"127.0.0.1"}, time.Now())
	if err != nil {
		return nil, err
	}
	resp := bytes.Repeat([]byte("x"), cfg.ResponseBytes)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/soap+xml;charset=UTF-8")
			w.Header().Set("Content-Length", strconv.Itoa(len(resp)))
			w.Write(resp)
		}),
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{pki.Server}, NextProtos: []string{"http/1.1"}},
		ReadHeaderTimeout: 30 * time.Second,
	}
	go srv.ServeTLS(ln, "", "")
	defer srv.Close()
	hc, err := NewHTTPClient(pki.CAPath(), cfg.Conns+16)
	if err != nil {
		return nil, err
	}
	defer hc.CloseIdleConnections()
	url := "https://" + ln.Addr().String() + "/powershell-liveid"
	body := bytes.Repeat([]byte("y"), cfg.RequestBytes)
	auth := "Basic " + string(bytes.Repeat([]byte("A"), cfg.AuthBytes))
	var n atomic.Int64
	var first atomic.Value
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for range cfg.Conns {
		wg.Go(func() {
			for ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
				req.Header.Set("Authorization", auth)
				req.Header.Set("Content-Type", "application/soap+xml;charset=UTF-8")
				r, err := hc.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						first.CompareAndSwap(nil, err)
					}
					return
				}
				io.Copy(io.Discard, r.Body)
				r.Body.Close()
				n.Add(1)
			}
		})
	}
	wait := func(d time.Duration) {
		select {
		case <-time.After(d):
		case <-ctx.Done():
		}
	}
	wait(cfg.Warmup)
	start, before := time.Now(), n.Load()
	wait(cfg.Duration)
	done, end := n.Load(), time.Now()
	cancel()
	wg.Wait()
	if err, ok := first.Load().(error); ok {
		return nil, fmt.Errorf("load: floor request: %w", err)
	}
	secs := end.Sub(start).Seconds()
	return &FloorReport{Conns: cfg.Conns, Requests: done - before, Seconds: secs, PerSecond: float64(done-before) / secs,
		RequestSize: cfg.RequestBytes, Response: cfg.ResponseBytes}, nil
}

// WriteText prints r with the cmdlets/s bound it implies.
func (r *FloorReport) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "HTTPS floor: %d connections, %d B requests, %d B responses\n"+
		"requests/s         %.0f (%d in %.1fs)\n"+
		"cmdlets/s bound    %.0f (3 requests per cmdlet: Command, Receive, Signal)\n",
		r.Conns, r.RequestSize, r.Response, r.PerSecond, r.Requests, r.Seconds, r.PerSecond/3)
	return err
}
