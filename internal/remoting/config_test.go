package remoting

import (
	"testing"
	"time"
)

func TestPlainHTTPAllowed(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:8080": true,
		"localhost:80":   true,
		"[::1]:443":      true,
		"127.9.9.9:1":    true,
		":8080":          false,
		"0.0.0.0:80":     false,
		"[::]:80":        false,
		"10.0.0.1:80":    false,
		"example.com:80": false,
		"127.0.0.1":      true,
	} {
		if got := PlainHTTPAllowed(addr); got != want {
			t.Errorf("PlainHTTPAllowed(%q) = %v, want %v", addr, got, want)
		}
	}
}

func TestConfigDefaultsAndValidate(t *testing.T) {
	var c Config
	c.SetDefaults()
	if err := c.Validate(); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
	if len(c.Endpoints) != 1 || c.Endpoints[0].ResourceURI != ExchangeResourceURI || c.MaxEnvelopeSize != DefaultMaxEnvelopeSize {
		t.Fatalf("unexpected defaults: %+v", c)
	}
	if c.ReapInterval != time.Minute {
		t.Errorf("ReapInterval = %v, want 1m for a 2h idle timeout", c.ReapInterval)
	}
	bad := Config{Endpoints: []Endpoint{{Path: "powershell"}}, MaxEnvelopeSize: 100}
	bad.SetDefaults()
	if err := bad.Validate(); err == nil {
		t.Fatal("Validate accepted a relative path and a tiny envelope size")
	}
}

func TestEndpointMatching(t *testing.T) {
	s := &Server{cfg: Config{Endpoints: []Endpoint{{Path: "/powershell-liveid", ResourceURI: "a"}, {Path: "/PowerShell/", ResourceURI: "b"}}}}
	for p, want := range map[string]string{
		"/PowerShell-LiveID":                 "a",
		"/powershell-liveid/":                "a",
		"/powershell-liveid;PSVersion=5.1.1": "a",
		"/powershell":                        "b",
		"/wsman":                             "",
	} {
		e, ok := s.endpointFor(p)
		if (want == "") == ok || e.ResourceURI != want {
			t.Errorf("endpointFor(%q) = %+v, %v; want %q", p, e, ok, want)
		}
	}
}
