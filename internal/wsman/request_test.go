package wsman

import "testing"

func TestHeaderAccessors(t *testing.T) {
	h := Header{Selectors: map[string]string{SelectorShellID: "S"},
		Options: []Option{{Name: "a", Value: "1"}, {Name: OptionProtocolVersion, Value: "2.3", MustComply: true}}}
	if h.ShellID() != "S" {
		t.Fatal("ShellID")
	}
	if o, ok := h.Option(OptionProtocolVersion); !ok || o.Value != "2.3" || !o.MustComply {
		t.Fatalf("Option = %+v %v", o, ok)
	}
	if _, ok := h.Option("missing"); ok {
		t.Fatal("missing option found")
	}
	var empty Header
	if empty.ShellID() != "" {
		t.Fatal("nil selectors")
	}
}

func TestBodyActions(t *testing.T) {
	for b, want := range map[Body]string{
		&Create{}: ActionCreate, &Command{}: ActionCommand, &Send{}: ActionSend, &Receive{}: ActionReceive,
		&Signal{}: ActionSignal, &Delete{}: ActionDelete, &Get{}: ActionGet, &Enumerate{}: ActionEnumerate,
	} {
		if b.Action() != want {
			t.Errorf("%T.Action() = %s", b, b.Action())
		}
	}
}
