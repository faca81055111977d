package remoting

import (
	"bytes"
	"testing"

	"github.com/ipps/ipps/internal/wsman/xpress"
)

func TestRawChunkBudget(t *testing.T) {
	for _, budget := range []int{5, 100, 65539, 65540, 65541, 131080, 400000} {
		n := rawChunkBudget(budget)
		if xpress.RawSize(n) > budget || xpress.RawSize(n+1) <= budget {
			t.Errorf("rawChunkBudget(%d) = %d: framed %d, next %d", budget, n, xpress.RawSize(n), xpress.RawSize(n+1))
		}
	}
}

func TestRawChunksRoundTrip(t *testing.T) {
	data := bytes.Repeat([]byte("psrp"), 50000)
	framed := rawChunks(data)
	got, err := decompress(framed)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("round trip: %v", err)
	}
	if _, err := decompress([]byte{1, 2, 3}); err == nil {
		t.Fatal("corrupt framing accepted")
	}
}
