package probes

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/busprobe/busprobe/protocols/modbus"
)

// Stats are the health figures of a device or of a whole bus, as the
// Poller measures them. CLI and TUI render the same type; the JSON form
// is what `busprobe watch --ndjson` prints.
type Stats struct {
	Requests  int64 `json:"requests"` // requests sent, retries included
	OK        int64 `json:"ok"`       // requests answered with data
	Timeouts  int64 `json:"timeouts"` // no reply within the timeout
	CRCErrors int64 `json:"crc_errors"`
	// Exceptions counts exception replies by code, as two hex digits ("02", "06").
	Exceptions map[string]int64 `json:"exceptions,omitempty"`
	// LineErrors counts failures of the line or connection itself
	// (dropped TCP connection, unplugged USB adapter).
	LineErrors int64 `json:"line_errors"`
	// OtherErrors counts malformed or unexpected replies.
	OtherErrors int64 `json:"other_errors"`

	// Latency of answered requests (exceptions included), in milliseconds.
	P50MS float64 `json:"p50_ms"`
	P95MS float64 `json:"p95_ms"`
	P99MS float64 `json:"p99_ms"`
	MaxMS float64 `json:"max_ms"`

	// Utilisation is the share of elapsed time the line was in use: on a
	// serial line (or RTU over TCP with known far-end settings) the wire
	// time of the frames, elsewhere the time spent inside requests.
	Utilisation float64 `json:"utilisation"`
	// Polls counts poll cycles; FailedPolls those in which no point was read.
	Polls       int64 `json:"polls"`
	FailedPolls int64 `json:"failed_polls"`
	// PollsPerSecond is the achievable poll rate: poll cycles per second of
	// line time, i.e. how fast the points could be polled back to back.
	PollsPerSecond float64 `json:"polls_per_second"`
	ElapsedS       float64 `json:"elapsed_s"`
}

// ExceptionTotal returns the number of exception replies of every code.
func (s Stats) ExceptionTotal() int64 {
	var n int64
	for _, c := range s.Exceptions {
		n += c
	}
	return n
}

// Errors returns the number of requests that got no data.
func (s Stats) Errors() int64 { return s.Requests - s.OK }

// statsRecorder accumulates Stats in constant memory. It is safe for
// concurrent use: the bus owner writes, renderers read snapshots.
type statsRecorder struct {
	mu         sync.Mutex
	start      time.Time
	requests   int64
	ok         int64
	timeouts   int64
	crc        int64
	line       int64
	other      int64
	exceptions [256]int64
	latency    Histogram
	busy       time.Duration // line time in use (wire time or request time)
	polls      int64
	failed     int64
	pollBusy   time.Duration // line time of the polls counted
}

// newStatsRecorder returns a statsRecorder whose elapsed time starts now.
func newStatsRecorder() *statsRecorder { return &statsRecorder{start: time.Now()} }

// request records one request: its outcome, latency and line time.
func (r *statsRecorder) request(err error, latency, lineTime time.Duration) {
	// Classified before taking the lock (it walks the error's chain);
	// an answered request (the common case) has nothing to classify.
	var exc *modbus.ExceptionError
	isExc, timeout, crc, line := false, false, false, false
	if err != nil {
		exc, isExc = errors.AsType[*modbus.ExceptionError](err)
		timeout = !isExc && errors.Is(err, modbus.ErrTimeout)
		crc = !isExc && !timeout && isType[*modbus.CRCError](err)
		line = !isExc && !timeout && !crc && isLineFailure(err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.requests == 0 {
		r.start = time.Now().Add(-latency)
	}
	r.requests++
	r.busy += lineTime
	switch {
	case err == nil:
		r.ok++
		r.latency.Add(latency)
	case isExc:
		r.exceptions[byte(exc.Code)]++
		r.latency.Add(latency)
	case timeout:
		r.timeouts++
	case crc:
		r.crc++
	case line:
		r.line++
	default:
		r.other++
	}
}

// isType reports whether err's chain holds an E.
func isType[E error](err error) bool {
	_, ok := errors.AsType[E](err)
	return ok
}

// poll records one poll cycle that kept the line busy for lineTime.
func (r *statsRecorder) poll(ok bool, lineTime time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.polls++
	if !ok {
		r.failed++
	}
	r.pollBusy += lineTime
}

// snapshot returns the figures so far.
func (r *statsRecorder) snapshot() Stats { return r.snapshotAt(time.Now()) }

// snapshotAt returns the figures so far, now being the current time (so
// that several snapshots can share one clock read).
func (r *statsRecorder) snapshotAt(now time.Time) Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	var elapsed time.Duration
	if !r.start.IsZero() {
		elapsed = now.Sub(r.start)
	}
	q := r.latency.quantiles([3]float64{0.50, 0.95, 0.99})
	s := Stats{
		Requests: r.requests, OK: r.ok, Timeouts: r.timeouts, CRCErrors: r.crc,
		LineErrors: r.line, OtherErrors: r.other,
		P50MS: millisOf(q[0]), P95MS: millisOf(q[1]), P99MS: millisOf(q[2]), MaxMS: millisOf(r.latency.Max()),
		Polls: r.polls, FailedPolls: r.failed, ElapsedS: elapsed.Seconds(),
	}
	for code, n := range r.exceptions {
		if n > 0 {
			if s.Exceptions == nil {
				s.Exceptions = map[string]int64{}
			}
			s.Exceptions[fmt.Sprintf("%02X", code)] = n
		}
	}
	if elapsed > 0 {
		s.Utilisation = min(float64(r.busy)/float64(elapsed), 1)
	}
	if r.pollBusy > 0 {
		s.PollsPerSecond = float64(r.polls) / r.pollBusy.Seconds()
	}
	return s
}

// ms converts a duration to milliseconds with microsecond resolution.
func millisOf(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// pollWireTime returns the time a read request and its reply take on a serial
// line with settings line: the RTU request frame (8 bytes), and the reply
// (5 bytes plus the data, or 5 for an exception; nothing when none came).
// It is 0 when the line has no baud rate.
func pollWireTime(line modbus.LineSettings, bitTable bool, count int, err error) time.Duration {
	if line.Baud <= 0 {
		return 0
	}
	const reqBytes, replyOverhead = 8, 5 // unit, function, (address, count | byte count), CRC
	n := reqBytes
	switch {
	case err == nil && bitTable:
		n += replyOverhead + (count+7)/8
	case err == nil:
		n += replyOverhead + 2*count
	case isType[*modbus.ExceptionError](err):
		n += replyOverhead
	}
	return line.FrameTime(n) + 2*line.T35() // each frame is followed by t3.5 of silence
}
