package probes

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/busprobe/busprobe/protocols/modbus"
)

// exactQuantile is the nearest-rank quantile of ds.
func exactQuantile(ds []time.Duration, q float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := max(int(math.Ceil(q*float64(len(s)))), 1)
	return s[rank-1]
}

func TestHistogramQuantiles(t *testing.T) {
	ms := func(f float64) time.Duration { return time.Duration(f * float64(time.Millisecond)) }
	series := func(n int, f func(i int) time.Duration) []time.Duration {
		out := make([]time.Duration, n)
		for i := range out {
			out[i] = f(i)
		}
		return out
	}
	tests := []struct {
		name string
		in   []time.Duration
	}{
		{"one value", []time.Duration{ms(3.2)}},
		{"two values", []time.Duration{ms(1), ms(9)}},
		{"1..100 ms", series(100, func(i int) time.Duration { return ms(float64(i + 1)) })},
		{"constant", series(1000, func(int) time.Duration { return ms(4.5) })},
		{"long tail", series(1000, func(i int) time.Duration {
			if i%100 == 0 {
				return ms(900)
			}
			return ms(2 + float64(i%7)/10)
		})},
		{"sub-resolution", series(50, func(i int) time.Duration { return time.Duration(i+1) * time.Microsecond })},
		{"beyond range", []time.Duration{ms(1), 10 * time.Minute}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var h Histogram
			for _, d := range tc.in {
				h.Add(d)
			}
			if h.Count() != uint64(len(tc.in)) {
				t.Fatalf("count %d, want %d", h.Count(), len(tc.in))
			}
			for _, q := range []float64{0, 0.5, 0.95, 0.99, 1} {
				got, want := h.Quantile(q), exactQuantile(tc.in, q)
				// One bucket is 5 % wide; below histMin everything is one bucket.
				tol := max(time.Duration(float64(want)*0.05), histMin)
				if d := got - want; d > tol || d < -tol {
					t.Errorf("q%.2f = %v, want %v ± %v", q, got, want, tol)
				}
			}
			if h.Max() != slices.Max(tc.in) || h.Min() != slices.Min(tc.in) {
				t.Errorf("min/max %v/%v, want %v/%v", h.Min(), h.Max(), slices.Min(tc.in), slices.Max(tc.in))
			}
		})
	}
	var empty Histogram
	if empty.Quantile(0.5) != 0 || empty.Mean() != 0 {
		t.Error("empty histogram should report 0")
	}
}

func TestStatsRecorderCounts(t *testing.T) {
	r := newStatsRecorder()
	tests := []struct {
		err     error
		latency time.Duration
	}{
		{nil, time.Millisecond},
		{nil, 3 * time.Millisecond},
		{&modbus.ExceptionError{Function: modbus.FuncReadHoldingRegisters, Code: modbus.ExIllegalDataAddress}, time.Millisecond},
		{&modbus.ExceptionError{Function: modbus.FuncReadHoldingRegisters, Code: modbus.ExServerDeviceBusy}, time.Millisecond},
		{&modbus.ExceptionError{Function: modbus.FuncReadHoldingRegisters, Code: modbus.ExServerDeviceBusy}, time.Millisecond},
		{&modbus.TimeoutError{Unit: 1, Timeout: time.Second}, time.Second},
		{&modbus.CRCError{}, time.Millisecond},
		{&modbus.TransportError{Target: "tcp x", Op: "read", Err: errors.New("reset")}, time.Millisecond},
		{errors.New("odd"), time.Millisecond},
	}
	for _, tc := range tests {
		r.request(tc.err, tc.latency, tc.latency)
	}
	r.poll(true, 10*time.Millisecond)
	r.poll(false, 10*time.Millisecond)
	s := r.snapshot()
	want := Stats{Requests: 9, OK: 2, Timeouts: 1, CRCErrors: 1, LineErrors: 1, OtherErrors: 1, Polls: 2, FailedPolls: 1}
	if s.Requests != want.Requests || s.OK != want.OK || s.Timeouts != want.Timeouts || s.CRCErrors != want.CRCErrors ||
		s.LineErrors != want.LineErrors || s.OtherErrors != want.OtherErrors || s.Polls != want.Polls || s.FailedPolls != want.FailedPolls {
		t.Errorf("stats %+v, want counts of %+v", s, want)
	}
	if s.Exceptions["02"] != 1 || s.Exceptions["06"] != 2 || s.ExceptionTotal() != 3 {
		t.Errorf("exceptions %v", s.Exceptions)
	}
	if s.PollsPerSecond < 99 || s.PollsPerSecond > 101 {
		t.Errorf("polls/s %v, want 100 (2 polls in 20 ms of line time)", s.PollsPerSecond)
	}
	if s.MaxMS != 3 {
		t.Errorf("max latency %v ms, want 3 (timeouts are not latencies)", s.MaxMS)
	}
}

func TestWireTime(t *testing.T) {
	line := modbus.LineSettings{Baud: 9600, DataBits: 8, Parity: "N", StopBits: 1}
	exc := &modbus.ExceptionError{Code: modbus.ExIllegalDataAddress}
	tests := []struct {
		name  string
		line  modbus.LineSettings
		bit   bool
		count int
		err   error
		bytes int
	}{
		{"one register", line, false, 1, nil, 8 + 7},
		{"ten registers", line, false, 10, nil, 8 + 25},
		{"nine coils", line, true, 9, nil, 8 + 7},
		{"exception", line, false, 10, exc, 8 + 5},
		{"timeout", line, false, 10, &modbus.TimeoutError{}, 8},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := pollWireTime(tc.line, tc.bit, tc.count, tc.err)
			want := tc.line.FrameTime(tc.bytes) + 2*tc.line.T35()
			if got != want {
				t.Errorf("wire time %v, want %v", got, want)
			}
		})
	}
	if pollWireTime(modbus.LineSettings{}, false, 10, nil) != 0 {
		t.Error("TCP has no wire time")
	}
}

func TestHistogramQuantilesOnePass(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 3, 7, 20, 100, 1000} {
		var h Histogram
		for range n {
			h.Add(time.Duration(rng.ExpFloat64() * float64(200*time.Microsecond)))
		}
		if n == 1000 {
			h.Add(10 * time.Minute) // the overflow bucket
		}
		for _, qs := range [][3]float64{{0.5, 0.95, 0.99}, {0, 0.5, 1}, {0.99, 0.999, 1}, {0.001, 0.002, 0.9}} {
			got := h.quantiles(qs)
			for k, q := range qs {
				if want := h.Quantile(q); got[k] != want {
					t.Errorf("n=%d q=%v: quantiles %v, Quantile %v", n, q, got[k], want)
				}
			}
		}
	}
}
