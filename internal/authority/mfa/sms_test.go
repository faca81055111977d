package mfa

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestSMSCodeShapeAndHash(t *testing.T) {
	seen := map[string]bool{}
	for range 50 {
		c := NewSMSCode()
		if len(c) != 6 || strings.Trim(c, "0123456789") != "" {
			t.Fatalf("code %q", c)
		}
		seen[c] = true
	}
	if len(seen) < 45 {
		t.Fatal("codes are not random")
	}
	k := []byte("k")
	if HashSMSCode(k, "u", "123456") == HashSMSCode(k, "v", "123456") || HashSMSCode(k, "u", "123456") == HashSMSCode([]byte("j"), "u", "123456") {
		t.Fatal("hash not bound to user and key")
	}
}

func TestWebhookSender(t *testing.T) {
	var got Message
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Api-Key") != "s3cret" || r.Header.Get("Content-Type") != "application/json" {
			w.WriteHeader(401)
			return
		}
		_ = json.NewDecoder(r.Body).Decode(&got)
	}))
	defer srv.Close()
	s := &WebhookSender{URL: srv.URL, Client: srv.Client(), Header: http.Header{"X-Api-Key": {"s3cret"}}}
	if err := s.Send(context.Background(), Message{To: "+15550100", Body: "code 123456"}); err != nil {
		t.Fatal(err)
	}
	if got.To != "+15550100" || got.Body != "code 123456" {
		t.Fatalf("%+v", got)
	}
	s.Header = nil
	if err := s.Send(context.Background(), Message{To: "x"}); err == nil {
		t.Fatal("non-2xx answer not reported")
	}
}

// smtpSink is a minimal SMTP server speaking just enough for net/smtp.
func smtpSink(t *testing.T) (addr string, mail chan string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	mail = make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		r := bufio.NewReader(c)
		io.WriteString(c, "220 sink\r\n")
		var data strings.Builder
		inData := false
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			if inData {
				if line == ".\r\n" {
					inData = false
					mail <- data.String()
					io.WriteString(c, "250 ok\r\n")
					continue
				}
				data.WriteString(line)
				continue
			}
			switch cmd := strings.ToUpper(strings.Fields(line + " x")[0]); cmd {
			case "EHLO", "HELO":
				io.WriteString(c, "250 sink\r\n")
			case "DATA":
				inData = true
				io.WriteString(c, "354 go\r\n")
			case "QUIT":
				io.WriteString(c, "221 bye\r\n")
				return
			default:
				data.WriteString(line)
				io.WriteString(c, "250 ok\r\n")
			}
		}
	}()
	return ln.Addr().String(), mail
}

func TestSMTPSender(t *testing.T) {
	addr, mail := smtpSink(t)
	s := &SMTPSender{Addr: addr, From: "noreply@ipps.test", Domain: "sms.example"}
	if err := s.Send(context.Background(), Message{To: "+1 (555) 0100", Body: "Your code is 424242"}); err != nil {
		t.Fatal(err)
	}
	got := <-mail
	if !strings.Contains(got, "RCPT TO:<15550100@sms.example>") || !strings.Contains(got, "Your code is 424242") {
		t.Fatalf("mail:\n%s", got)
	}
}

func TestDevOutbox(t *testing.T) {
	o := &DevOutbox{Logger: slog.New(slog.NewTextHandler(t.Output(), nil))}
	_ = o.Send(context.Background(), Message{To: "a", Body: "1"})
	_ = o.Send(context.Background(), Message{To: "b", Body: "2"})
	_ = o.Send(context.Background(), Message{To: "a", Body: "3"})
	if m, ok := o.Last("a"); !ok || m.Body != "3" || len(o.Messages()) != 3 {
		t.Fatalf("%+v", o.Messages())
	}
}
