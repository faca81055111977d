package audit

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/cmdlet"
)

// redactSlow is Redact through encoding/json only (redactJSON), the
// reference the direct encoding must match byte for byte.
func (b *Broker) redactSlow(params []cmdlet.BoundParam) string {
	out, err := b.redactJSON(params)
	if err != nil {
		panic(err)
	}
	return string(out)
}

// TestRedactDirectMatchesEncodingJSON checks the direct encoder against
// encoding/json on awkward strings, every direct kind, secrets and
// repeated names.
func TestRedactDirectMatchesEncodingJSON(t *testing.T) {
	b, err := NewBroker(&memAudit{}, Config{HMACKey: []byte("k0123456789abcdef")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	strs := []string{"", "plain", `q"uote\back`, "<b>&amp;</b>", "tab\tnl\ncr\rbs\bff\f\x00\x1f\x7f", "é ü 日本",
		"\u2028\u2029", "bad\xffutf8\xc3", "\xe2\x80", "policy-00042", "Ünïcødé-Name"}
	names := []string{"Identity", "Name", "Comment", "Password", "ClientSecret", "Enabled", "Count", "Z", "a", "ä", "Comment"}
	rng := rand.New(rand.NewPCG(1, 2))
	randString := func() string {
		if rng.IntN(3) == 0 {
			buf := make([]byte, rng.IntN(12))
			for i := range buf {
				buf[i] = byte(rng.IntN(256))
			}
			return string(buf)
		}
		return strs[rng.IntN(len(strs))]
	}
	value := func() any {
		switch rng.IntN(9) {
		case 0:
			return nil
		case 1:
			return rng.IntN(2) == 0
		case 2:
			return rng.IntN(1<<20) - 1<<19
		case 3:
			return []string(nil)
		case 4:
			return []string{randString(), randString()}
		case 5:
			return time.Unix(rng.Int64N(1<<32), rng.Int64N(1e9)).In(time.FixedZone("x", 3600))
		case 6:
			return cmdlet.UnlimitedValue{Unlimited: rng.IntN(2) == 0, Value: rng.Int64N(1000)}
		case 7:
			return clixml.SecureString(randString())
		}
		return randString()
	}
	for range 5000 {
		var params []cmdlet.BoundParam
		for range rng.IntN(20) {
			n := names[rng.IntN(len(names))]
			if rng.IntN(4) == 0 {
				n = randString()
			}
			v := value()
			if _, ok := v.(clixml.SecureString); ok {
				n = "Password"
			}
			params = append(params, cmdlet.BoundParam{Param: &cmdlet.Param{Name: n, Kind: cmdlet.String}, Value: v})
		}
		got, ok := b.redactDirect(params)
		if !ok {
			t.Fatalf("direct refused %v", params)
		}
		if want := b.redactSlow(params); string(got) != want {
			t.Fatalf("params %v:\n got %s\nwant %s", params, got, want)
		}
		if red, _ := b.Redact(params); string(red) != string(got) {
			t.Fatalf("Redact %s, direct %s", red, got)
		}
	}
}

// TestRedactFallsBack checks that kinds without a direct encoding still
// go through encoding/json.
func TestRedactFallsBack(t *testing.T) {
	b, _ := NewBroker(&memAudit{}, Config{HMACKey: []byte("k0123456789abcdef")}, nil)
	params := []cmdlet.BoundParam{
		{Param: &cmdlet.Param{Name: "Name", Kind: cmdlet.String}, Value: "P1"},
		{Param: &cmdlet.Param{Name: "Locations", Kind: cmdlet.String, Multi: true, AddRemove: true}, Value: &cmdlet.MultiValue{Add: []string{"a"}}},
		{Param: &cmdlet.Param{Name: "Table", Kind: cmdlet.Hashtable}, Value: clixml.NewHashtable(clixml.Entry{Key: "k", Value: int32(1)})},
	}
	if _, ok := b.redactDirect(params); ok {
		t.Fatal("direct accepted a MultiValue")
	}
	got, err := b.Redact(params)
	if err != nil || string(got) != b.redactSlow(params) {
		t.Fatalf("got %s, %v; want %s", got, err, b.redactSlow(params))
	}
}

func BenchmarkRedact(b *testing.B) {
	br, _ := NewBroker(&memAudit{}, Config{HMACKey: []byte("k0123456789abcdef")}, nil)
	params := []cmdlet.BoundParam{
		{Param: &cmdlet.Param{Name: "Identity", Kind: cmdlet.Identity}, Value: "policy-00042"},
		{Param: &cmdlet.Param{Name: "Comment", Kind: cmdlet.String}, Value: "load comment 17"},
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := br.Redact(params); err != nil {
			b.Fatal(err)
		}
	}
}
