package load

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestBucketsCoverAndBound(t *testing.T) {
	for _, us := range []uint64{0, 1, 127, 128, 129, 255, 256, 1000, 12345, 1 << 20, maxUS} {
		i := bucketOf(us)
		if i >= numBuckets {
			t.Fatalf("bucketOf(%d) = %d out of range", us, i)
		}
		hi := bucketHigh(i)
		if hi < us || float64(hi-us) > float64(us)/subN+1 {
			t.Errorf("value %d: bucket %d high %d, error over 1/%d", us, i, hi, subN)
		}
		if i > 0 && bucketHigh(i-1) >= us {
			t.Errorf("value %d also fits bucket %d (high %d)", us, i-1, bucketHigh(i-1))
		}
	}
}

func TestQuantilesMatchSortedSamples(t *testing.T) {
	var h Histogram
	r := rand.New(rand.NewPCG(3, 4))
	var samples []time.Duration
	for range 50000 {
		// Log-normal-ish: mostly a few ms with a long tail.
		d := time.Duration(500+r.ExpFloat64()*3000) * time.Microsecond
		if r.IntN(100) == 0 {
			d *= 20
		}
		samples = append(samples, d)
		h.Record(d)
	}
	slices.Sort(samples)
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
		want := samples[int(q*float64(len(samples)))-1]
		got := h.Quantile(q)
		if diff := float64(got-want) / float64(want); diff < -0.01 || diff > 0.01 {
			t.Errorf("p%v = %v, exact %v (%.2f%% off)", q*100, got, want, diff*100)
		}
	}
	if h.Max() != samples[len(samples)-1].Truncate(time.Microsecond) {
		t.Errorf("max %v, want %v", h.Max(), samples[len(samples)-1])
	}
	if h.Quantile(1) != h.Max() || h.Count() != 50000 {
		t.Errorf("p100 %v max %v count %d", h.Quantile(1), h.Max(), h.Count())
	}
}

func TestHistogramSmallAndMerge(t *testing.T) {
	var a, b Histogram
	if a.Quantile(0.5) != 0 || a.Mean() != 0 {
		t.Fatal("empty histogram not zero")
	}
	for _, ms := range []int{1, 2, 3, 4} {
		a.Record(time.Duration(ms) * time.Millisecond)
	}
	b.Record(100 * time.Millisecond)
	b.Record(-time.Second)
	a.Merge(&b)
	if a.Count() != 6 || a.Max() != 100*time.Millisecond {
		t.Fatalf("count %d max %v", a.Count(), a.Max())
	}
	if p50 := a.Quantile(0.5); p50 < 2*time.Millisecond || p50 > 2020*time.Microsecond {
		t.Fatalf("p50 %v, want about 2ms", p50)
	}
	if p99 := a.Quantile(0.99); p99 != 100*time.Millisecond {
		t.Fatalf("p99 %v, want 100ms", p99)
	}
}
