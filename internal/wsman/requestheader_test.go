package wsman

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestRequestHeaderMatchesMarshalRequest checks that a prepared header
// writes, for every golden header and body, the bytes MarshalRequest
// writes for the same header and MessageID (testdata/marshal.golden pins
// those), including the refusals.
func TestRequestHeaderMatchesMarshalRequest(t *testing.T) {
	headers, bodies := requestCases()
	headers = append(headers, Header{Selectors: map[string]string{SelectorShellID: "S"},
		Options: []Option{{Name: OptionKeepAlive, Value: "FALSE"}, {Name: OptionProtocolVersion, Value: "9"}}})
	for hi, h := range headers {
		p := NewRequestHeader(h)
		for bi, b := range append(bodies, nil) {
			name := fmt.Sprintf("header %d body %d %T", hi, bi, b)
			got, id, err := p.Marshal(b)
			want, _, wantErr := MarshalRequest(withMessageID(h, id), b)
			if fmt.Sprint(err) != fmt.Sprint(wantErr) {
				t.Fatalf("%s: err %v, MarshalRequest %v", name, err, wantErr)
			}
			if err != nil {
				continue
			}
			if !strings.HasPrefix(id, "uuid:") || len(id) != len(messageIDPlaceholder) {
				t.Fatalf("%s: MessageID %q", name, id)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%s:\n got %s\nwant %s", name, got, want)
			}
		}
	}
}

func withMessageID(h Header, id string) Header {
	h.MessageID = id
	return h
}

// TestRequestHeaderOwnsItsCopy checks that changing the Header after
// NewRequestHeader changes nothing, and that MessageIDs are fresh.
func TestRequestHeaderOwnsItsCopy(t *testing.T) {
	h := clientHeader()
	h.Options = []Option{{Name: "a", Value: "1"}}
	p := NewRequestHeader(h)
	first, id1, err := p.Marshal(&Signal{CommandID: testCmdID, Code: SignalTerminate})
	if err != nil {
		t.Fatal(err)
	}
	h.Options[0].Value = "2"
	h.Selectors[SelectorShellID] = "OTHER"
	again, id2, err := p.Marshal(&Signal{CommandID: testCmdID, Code: SignalTerminate})
	if err != nil {
		t.Fatal(err)
	}
	if id1 == id2 {
		t.Fatalf("MessageID %q used twice", id1)
	}
	if !bytes.Equal(first, bytes.Replace(again, []byte(id2), []byte(id1), 1)) {
		t.Fatalf("envelope changed with the Header:\n%s\n%s", first, again)
	}
}

func TestRequestHeaderRefusesShellOpWithoutShellID(t *testing.T) {
	p := NewRequestHeader(Header{To: "https://h/"})
	if _, _, err := p.Marshal(&Receive{}); !errors.Is(err, ErrNoShellID) {
		t.Fatalf("got %v, want ErrNoShellID", err)
	}
	if _, _, err := p.Marshal(&Create{}); err != nil {
		t.Fatal(err)
	}
}
