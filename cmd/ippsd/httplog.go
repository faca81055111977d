package main

import (
	"context"
	"log"
	"log/slog"
	"strings"
)

// httpErrorLog is the http.Server's ErrorLog: net/http's own messages go
// to logger at Warn, except handshakes the peer abandoned ("TLS
// handshake error from …: EOF" or "…: connection reset by peer"), which
// go at Debug. Clients produce those by the hundred when they close a
// pool of connections that were still dialling (a load tool's shutdown,
// a browser's speculative connections); they say nothing about the
// server. Handshakes that fail for a reason (bad certificate, protocol
// version, timeout) stay at Warn.
func httpErrorLog(logger *slog.Logger) *log.Logger {
	return log.New(httpLogWriter{logger}, "", 0)
}

type httpLogWriter struct{ logger *slog.Logger }

func (w httpLogWriter) Write(p []byte) (int, error) {
	msg := strings.TrimSuffix(string(p), "\n")
	level := slog.LevelWarn
	if abandonedHandshake(msg) {
		level = slog.LevelDebug
	}
	w.logger.Log(context.Background(), level, msg)
	return len(p), nil
}

// abandonedHandshake reports whether msg is net/http's report of a TLS
// handshake the client gave up on before finishing.
func abandonedHandshake(msg string) bool {
	if !strings.HasPrefix(msg, "http: TLS handshake error from ") {
		return false
	}
	return strings.HasSuffix(msg, ": EOF") || strings.HasSuffix(msg, ": connection reset by peer")
}
