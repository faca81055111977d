package load

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// Histogram records latencies in the HDR style: buckets are exact below
// 2^subBits microseconds and then log-linear, 2^subBits buckets per power
// of two, so any recorded value is reported within 1/2^subBits (under 1%)
// of its true value. Record is safe for concurrent use and lock-free;
// readers should call the query methods once recording has stopped.
type Histogram struct {
	counts [numBuckets]atomic.Uint64
	n      atomic.Uint64
	sumUS  atomic.Uint64
	maxUS  atomic.Uint64
}

const (
	subBits = 7
	subN    = 1 << subBits
	// maxUS bounds recorded values (2^32 µs, about 71 minutes); longer
	// values are clamped to it.
	maxUS      = 1<<32 - 1
	numBuckets = (32-subBits)*subN + subN
)

func bucketOf(us uint64) int {
	if us < subN {
		return int(us)
	}
	shift := bits.Len64(us) - subBits - 1
	return (shift+1)*subN + int(us>>shift) - subN
}

// bucketHigh is the largest value that falls into bucket i.
func bucketHigh(i int) uint64 {
	if i < subN {
		return uint64(i)
	}
	shift := i/subN - 1
	mant := uint64(i%subN + subN)
	return (mant+1)<<shift - 1
}

// Record adds one latency. Negative durations count as zero.
func (h *Histogram) Record(d time.Duration) {
	us := uint64(max(d.Microseconds(), 0))
	us = min(us, maxUS)
	h.counts[bucketOf(us)].Add(1)
	h.n.Add(1)
	h.sumUS.Add(us)
	for {
		m := h.maxUS.Load()
		if us <= m || h.maxUS.CompareAndSwap(m, us) {
			break
		}
	}
}

// Count is the number of recorded values.
func (h *Histogram) Count() uint64 { return h.n.Load() }

// Max is the largest recorded value (exact).
func (h *Histogram) Max() time.Duration { return time.Duration(h.maxUS.Load()) * time.Microsecond }

// Mean is the exact arithmetic mean; zero when empty.
func (h *Histogram) Mean() time.Duration {
	n := h.n.Load()
	if n == 0 {
		return 0
	}
	return time.Duration(h.sumUS.Load()/n) * time.Microsecond
}

// Quantile returns the smallest bucket value v such that at least q of
// the recorded values are <= v (q in [0,1]), never more than Max. It is
// zero when the histogram is empty.
func (h *Histogram) Quantile(q float64) time.Duration {
	n := h.n.Load()
	if n == 0 {
		return 0
	}
	q = min(max(q, 0), 1)
	rank := uint64(q*float64(n) + 0.5)
	rank = min(max(rank, 1), n)
	var seen uint64
	for i := range h.counts {
		seen += h.counts[i].Load()
		if seen >= rank {
			return time.Duration(min(bucketHigh(i), h.maxUS.Load())) * time.Microsecond
		}
	}
	return h.Max()
}

// Merge adds o's values into h.
func (h *Histogram) Merge(o *Histogram) {
	for i := range o.counts {
		if c := o.counts[i].Load(); c != 0 {
			h.counts[i].Add(c)
		}
	}
	h.n.Add(o.n.Load())
	h.sumUS.Add(o.sumUS.Load())
	for {
		m, om := h.maxUS.Load(), o.maxUS.Load()
		if om <= m || h.maxUS.CompareAndSwap(m, om) {
			break
		}
	}
}
