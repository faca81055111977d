package main

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestHTTPErrorLogLevels(t *testing.T) {
	var buf bytes.Buffer
	l := httpErrorLog(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo})))
	l.Print("http: TLS handshake error from 127.0.0.1:50628: EOF")
	l.Print("http: TLS handshake error from 127.0.0.1:42440: read tcp 127.0.0.1:9443->127.0.0.1:42440: read: connection reset by peer")
	if buf.Len() != 0 {
		t.Errorf("abandoned handshakes logged above Debug:\n%s", buf.String())
	}
	l.Print("http: TLS handshake error from 127.0.0.1:1: remote error: tls: bad certificate")
	l.Print("http: panic serving 127.0.0.1:2: boom")
	out := buf.String()
	if strings.Count(out, "level=WARN") != 2 || !strings.Contains(out, "bad certificate") || !strings.Contains(out, "panic serving") {
		t.Errorf("real failures must stay at Warn:\n%s", out)
	}
	if strings.Contains(out, "\\n") {
		t.Errorf("trailing newline kept in the message:\n%s", out)
	}
}
