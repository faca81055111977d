package psrp

import (
	"testing"
)

func TestMessageTypeString(t *testing.T) {
	for typ, name := range messageTypeNames {
		if typ.String() != name || !typ.Known() {
			t.Errorf("%08x: %s", uint32(typ), typ.String())
		}
	}
	if len(messageTypeNames) != 31 {
		t.Errorf("%d message types, want 31", len(messageTypeNames))
	}
	if MsgPipelineOutput.String() != "PIPELINE_OUTPUT" || MessageType(1).String() != "MessageType(0x00000001)" {
		t.Error("String")
	}
}
