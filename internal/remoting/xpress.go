package remoting

import "github.com/ipps/ipps/internal/wsman/xpress"

// xpressSupported says whether Create accepts CompressionType xpress
// (Windows clients ask for it unless -NoCompression is given).
const xpressSupported = true

// maxDecompressed caps what one compressed Send stream may expand to.
const maxDecompressed = 16 << 20

// decompress decodes xpress-framed Send data (MS-WSMV 3.1.4.1.31.6).
func decompress(data []byte) ([]byte, error) {
	out, err := xpress.Decompress(data, maxDecompressed)
	if err != nil {
		return nil, protocolError("compressed stream: %w", err)
	}
	return out, nil
}

// rawChunks frames data as stored (uncompressed) chunks; the server always
// answers this way, which the framing allows.
func rawChunks(data []byte) []byte { return xpress.AppendRaw(nil, data) }

// rawChunkBudget returns the largest n with xpress.RawSize(n) <= budget.
func rawChunkBudget(budget int) int {
	n := max(budget-4*(budget/xpress.ChunkSize+1), 0)
	for xpress.RawSize(n+1) <= budget {
		n++
	}
	for n > 0 && xpress.RawSize(n) > budget {
		n--
	}
	return n
}
