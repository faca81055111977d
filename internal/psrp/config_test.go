package psrp

import (
	"testing"

	"github.com/ipps/ipps/internal/psrp/fragment"
)

func TestConfigValidate(t *testing.T) {
	var c Config
	c.SetDefaults()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := c
	bad.MaxPendingSize = c.MaxMessageSize - 1
	if bad.Validate() == nil {
		t.Fatal("pending < message accepted")
	}
	bad = c
	bad.Capability.ProtocolVersion = "1.0"
	if bad.Validate() == nil {
		t.Fatal("protocol 1.0 accepted")
	}
	for _, n := range []int{-1, fragment.MaxBlob + 1} {
		if _, err := NewServerPool(ServerConfig{Config: Config{MaxFragmentSize: n}}); err == nil {
			t.Fatalf("fragment size %d accepted", n)
		}
	}
}
