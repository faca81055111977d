package psrp

import (
	"errors"
	"strings"
	"testing"

	"github.com/ipps/ipps/internal/clixml"
)

func TestVersionValue(t *testing.T) {
	for in, isVersion := range map[string]bool{
		"2.3": true, "1.1.0.1": true, "5.1.17763.1": true,
		"": false, "2": false, "1.2.3.4.5": false, "2.x": false, "-1.0": false, "2.99999999999": false,
	} {
		_, got := version(in).(clixml.Version)
		if got != isVersion {
			t.Errorf("version(%q) is Version = %v", in, got)
		}
		if _, err := marshal(version(in)); err != nil {
			t.Errorf("version(%q) does not encode: %v", in, err)
		}
	}
}

func TestPayloadError(t *testing.T) {
	_, err := DecodeSetRunspaces(MsgSetMinRunspaces, []byte(`<Obj RefId="0"><MS><S N="MinRunspaces">x</S><I64 N="ci">1</I64></MS></Obj>`))
	var pe *PayloadError
	if !errors.As(err, &pe) || pe.Field != "MinRunspaces" || pe.Type != MsgSetMinRunspaces || !errors.Is(err, ErrPayload) {
		t.Fatalf("%v", err)
	}
	if !strings.HasPrefix(err.Error(), "psrp: malformed SET_MIN_RUNSPACES data: MinRunspaces:") {
		t.Fatalf("message %q", err)
	}
	if _, err := DecodeRunspacePoolState([]byte(`<S>x</S>`)); !errors.As(err, &pe) || pe.Field != "" {
		t.Fatalf("primitive: %v", err)
	}
}
