package authority

import (
	"testing"
	"time"
)

func TestConfigDefaultsAndValidate(t *testing.T) {
	c := Config{BaseURL: "https://login.example/"}
	c.SetDefaults()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.BaseURL != "https://login.example" || len(c.Resources) != 2 || c.Lockout.Threshold != 10 || c.Lockout.Duration != time.Minute {
		t.Fatalf("%+v", c)
	}
	for _, bad := range []string{"http://login.example", "https://", "https://login.example/path", "login.example"} {
		c := Config{BaseURL: bad}
		c.SetDefaults()
		if c.Validate() == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	c = Config{BaseURL: "https://x", AccessTokenLifetime: time.Hour, RefreshTokenLifetime: time.Minute}
	c.SetDefaults()
	if c.Validate() == nil {
		t.Error("refresh lifetime shorter than access lifetime accepted")
	}
}
