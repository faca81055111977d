package remoting

import (
	"bytes"
	"strings"
	"testing"
)

func TestReadBody(t *testing.T) {
	b, _, big, err := readBody(strings.NewReader("hello"), 5, 10)
	if err != nil || big || string(b) != "hello" {
		t.Fatalf("known length: %q %v %v", b, big, err)
	}
	b, _, big, err = readBody(strings.NewReader("hello world!"), -1, 10)
	if err != nil || !big || len(b) != 10 {
		t.Fatalf("unknown length over the limit: %q %v %v", b, big, err)
	}
	if _, _, _, err = readBody(strings.NewReader("abc"), 5, 10); err == nil {
		t.Fatal("short body of declared length accepted")
	}
}

func TestReadBodyPool(t *testing.T) {
	b, bp, _, err := readBody(strings.NewReader("first body"), 10, 1<<20)
	if pooled := bp != nil; err != nil || !pooled || string(b) != "first body" {
		t.Fatalf("small known length: %q pooled=%v %v", b, pooled, err)
	}
	releaseBuffer(bp)
	c, bp, _, err := readBody(strings.NewReader("second"), 6, 1<<20)
	if pooled := bp != nil; err != nil || !pooled || string(c) != "second" {
		t.Fatalf("after release: %q pooled=%v %v", c, pooled, err)
	}
	big := strings.Repeat("x", pooledBodyMax+1)
	d, bp, _, err := readBody(strings.NewReader(big), int64(len(big)), 1<<20)
	if pooled := bp != nil; err != nil || pooled || len(d) != len(big) {
		t.Fatalf("over pooledBodyMax: len %d pooled=%v %v", len(d), pooled, err)
	}
	if _, bp, _, err := readBody(strings.NewReader("abc"), 5, 10); err == nil || bp != nil {
		t.Fatalf("short pooled read: pooled=%v err=%v", bp != nil, err)
	}
}

func TestSniffMessageID(t *testing.T) {
	id := "uuid:0AB58087-C2C3-0005-0000-000000010000"
	for _, body := range []string{
		`<s:Envelope><s:Header><a:MessageID>` + id + `</a:MessageID>` + strings.Repeat("<x>", 100),
		`<env:Envelope><env:Header><wsa:MessageID env:mustUnderstand="false"> ` + id + ` </wsa:MessageID>`,
	} {
		if got := sniffMessageID([]byte(body)); got != id {
			t.Errorf("sniffMessageID = %q", got)
		}
	}
	if got := sniffMessageID(bytes.Repeat([]byte("x"), 100)); got != "" {
		t.Errorf("sniffMessageID on junk = %q", got)
	}
}
