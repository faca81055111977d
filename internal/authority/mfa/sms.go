package mfa

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/big"
	"net/http"
	"net/smtp"
	"strings"
	"sync"
	"time"
)

// Message is one text message to deliver.
type Message struct {
	To   string `json:"to"`
	Body string `json:"body"`
}

// Sender delivers text messages. Send must not log the message body at
// levels above Debug except in DevOutbox.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// NewSMSCode returns six random digits.
func NewSMSCode() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(1_000_000))
	return fmt.Sprintf("%06d", n.Int64())
}

// HashSMSCode is the keyed hash stored for an outstanding code.
func HashSMSCode(key []byte, userID, code string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(userID + "\x00" + strings.TrimSpace(code)))
	return hex.EncodeToString(m.Sum(nil))
}

// WebhookSender POSTs each message as JSON {"to","body"} to URL and expects
// a 2xx answer.
type WebhookSender struct {
	URL    string
	Client *http.Client
	// Header is added to every request (for example an API key).
	Header http.Header
}

var _ Sender = (*WebhookSender)(nil)

// Send implements Sender.
func (w *WebhookSender) Send(ctx context.Context, m Message) error {
	body, _ := json.Marshal(m)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("mfa: webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range w.Header {
		req.Header[k] = v
	}
	c := w.Client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("mfa: webhook: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("mfa: webhook: status %d", resp.StatusCode)
	}
	return nil
}

// SMTPSender mails each message to an SMS gateway address made from
// Domain ("<digits>@Domain"), the usual email-to-SMS bridge.
type SMTPSender struct {
	Addr   string // host:port
	From   string
	Domain string
	Auth   smtp.Auth // may be nil
}

var _ Sender = (*SMTPSender)(nil)

// Send implements Sender.
func (s *SMTPSender) Send(_ context.Context, m Message) error {
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, m.To)
	if digits == "" {
		return fmt.Errorf("mfa: smtp: no digits in phone number")
	}
	to := digits + "@" + s.Domain
	msg := "From: " + s.From + "\r\nTo: " + to + "\r\nSubject: Verification code\r\n\r\n" + m.Body + "\r\n"
	if err := smtp.SendMail(s.Addr, s.Auth, s.From, []string{to}, []byte(msg)); err != nil {
		return fmt.Errorf("mfa: smtp: %w", err)
	}
	return nil
}

// DevOutbox keeps messages in memory and logs them, for the dev server and
// tests. It is safe for concurrent use.
type DevOutbox struct {
	Logger *slog.Logger
	mu     sync.Mutex
	msgs   []Message // guarded by mu
}

var _ Sender = (*DevOutbox)(nil)

// Send implements Sender.
func (o *DevOutbox) Send(_ context.Context, m Message) error {
	o.mu.Lock()
	o.msgs = append(o.msgs, m)
	o.mu.Unlock()
	if o.Logger != nil {
		o.Logger.Info("dev outbox: text message", "to", m.To, "body", m.Body)
	}
	return nil
}

// Messages returns a copy of everything sent so far.
func (o *DevOutbox) Messages() []Message {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]Message(nil), o.msgs...)
}

// Last returns the last message sent to phone, if any.
func (o *DevOutbox) Last(phone string) (Message, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for i := len(o.msgs) - 1; i >= 0; i-- {
		if o.msgs[i].To == phone {
			return o.msgs[i], true
		}
	}
	return Message{}, false
}
