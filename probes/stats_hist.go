package probes

import (
	"math"
	"time"
)

// Histogram bounds: latencies from histMin to histMax in buckets whose
// upper bounds grow by histGrowth, so a quantile is off by at most half a
// bucket (about 2.5 %) whatever the run's length. Values outside the range
// land in the first or last bucket; Min and Max stay exact.
const (
	histMin     = 10 * time.Microsecond
	histMax     = 120 * time.Second
	histGrowth  = 1.05
	histBuckets = 336 // ⌈ln(histMax/histMin)/ln(histGrowth)⌉ + 1
)

// Histogram counts durations in fixed logarithmic buckets: constant memory
// however many values it sees. The zero value is ready to use; it is not
// safe for concurrent use (its owners hold a lock).
type Histogram struct {
	counts   [histBuckets]uint64
	n        uint64
	sum      time.Duration
	min, max time.Duration
}

// bucketOf returns the bucket index of d.
func bucketOf(d time.Duration) int {
	if d <= histMin {
		return 0
	}
	i := int(math.Ceil(math.Log(float64(d)/float64(histMin)) / math.Log(histGrowth)))
	return min(max(i, 0), histBuckets-1)
}

// bucketMid returns a representative value of bucket i: the geometric
// middle of its bounds.
func bucketMid(i int) time.Duration {
	if i == 0 {
		return histMin
	}
	lo := float64(histMin) * math.Pow(histGrowth, float64(i-1))
	return time.Duration(lo * math.Sqrt(histGrowth))
}

// Add counts one duration.
func (h *Histogram) Add(d time.Duration) {
	d = max(d, 0)
	h.counts[bucketOf(d)]++
	if h.n == 0 || d < h.min {
		h.min = d
	}
	if d > h.max {
		h.max = d
	}
	h.n++
	h.sum += d
}

// Count returns how many durations were added.
func (h *Histogram) Count() uint64 { return h.n }

// Sum returns the total of the durations added.
func (h *Histogram) Sum() time.Duration { return h.sum }

// Min returns the smallest duration added (0 when none).
func (h *Histogram) Min() time.Duration { return h.min }

// Max returns the largest duration added (0 when none).
func (h *Histogram) Max() time.Duration { return h.max }

// Mean returns the mean duration (0 when none).
func (h *Histogram) Mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return h.sum / time.Duration(h.n)
}

// quantiles returns the qs-quantiles, as Quantile does, in one pass over
// the buckets; qs must be in increasing order.
func (h *Histogram) quantiles(qs [3]float64) [3]time.Duration {
	var out [3]time.Duration
	if h.n == 0 {
		return out
	}
	var seen uint64
	i := 0 // buckets counted in seen
	for k, q := range qs {
		rank := max(uint64(math.Ceil(min(max(q, 0), 1)*float64(h.n))), 1)
		if rank >= h.n {
			out[k] = h.max
			continue
		}
		for seen < rank && i < histBuckets {
			seen += h.counts[i]
			i++
		}
		b := i - 1                             // the bucket in which the rank-th value lies
		if seen < rank || b == histBuckets-1 { // the overflow bucket has no middle
			out[k] = h.max
		} else {
			out[k] = min(max(bucketMid(b), h.min), h.max)
		}
	}
	return out
}

// Quantile returns the q-quantile (0 ≤ q ≤ 1) by the nearest-rank rule:
// the value below which ⌈q·n⌉ of the n durations lie, to within one
// bucket, clamped to the exact minimum and maximum. It is 0 when the
// histogram is empty.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(min(max(q, 0), 1) * float64(h.n)))
	rank = max(rank, 1)
	if rank >= h.n {
		return h.max
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			if i == histBuckets-1 { // the overflow bucket has no middle
				return h.max
			}
			return min(max(bucketMid(i), h.min), h.max)
		}
	}
	return h.max
}
