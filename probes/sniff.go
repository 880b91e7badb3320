package probes

import (
	"context"
	"fmt"
	"time"

	"github.com/busprobe/busprobe/protocols/modbus"
)

// ListenOnly is what the sniffer reads: a serial line it only listens to.
// It has no Write, so the sniffer cannot disturb the bus it watches.
type ListenOnly interface {
	ReadTimeout(b []byte, d time.Duration) (int, error)
}

// SniffConfig tunes Sniff.
type SniffConfig struct {
	// Line is the line's character format; it sets t3.5 and frame times.
	Line modbus.LineSettings
	// Duration ends the capture after this long; 0 runs until ctx is done.
	Duration time.Duration
	// ReplyTimeout is how long after a request with no answer it is counted
	// unanswered even if the line stays silent (the next request tells
	// sooner). 0 means 1 s.
	ReplyTimeout time.Duration
	// OnEvent, when set, sees every event as it happens (on Sniff's goroutine).
	OnEvent func(modbus.TrafficEvent)
}

// SniffError is a capture that failed: the port could not be read.
type SniffError struct {
	Err error
}

// Error formats as "sniff: read: ...".
func (e *SniffError) Error() string { return fmt.Sprintf("sniff: read: %v", e.Err) }

// Unwrap returns the read error.
func (e *SniffError) Unwrap() error { return e.Err }

// sniffIdleWait is how long one read waits while nothing is pending, so the
// capture notices its end.
const sniffIdleWait = 50 * time.Millisecond

// sniffDrainReads bounds the reads that drop what the port buffered before the capture.
const sniffDrainReads = 64

// Sniff listens to an RTU line where another master polls: it cuts the
// bytes into frames (modbus.Splitter), pairs requests with replies
// (modbus.Traffic), and returns the per-unit summary when cfg.Duration has
// passed or ctx is done (a cancelled capture is not an error: its summary
// is what was heard). Bytes buffered before the capture are dropped, as
// they may begin mid-frame.
func Sniff(ctx context.Context, src ListenOnly, cfg SniffConfig) (TrafficSummary, error) {
	stats := NewTrafficStats()
	traffic := modbus.NewTraffic(modbus.FramingRTU)
	split := modbus.NewSplitter(cfg.Line)
	replyTimeout := cfg.ReplyTimeout
	if replyTimeout <= 0 {
		replyTimeout = time.Second
	}
	gap := max(cfg.Line.T35(), 2*time.Millisecond)
	var lastRequest time.Time
	emit := func(evs []modbus.TrafficEvent) {
		for _, ev := range evs {
			if ev.Kind == modbus.EventRequest {
				lastRequest = ev.Frame.End
			}
			stats.Add(ev)
			if cfg.OnEvent != nil {
				cfg.OnEvent(ev)
			}
		}
	}
	frames := func(fs []modbus.TapFrame) {
		for _, f := range fs {
			emit(traffic.Add(f))
		}
	}
	buf := make([]byte, 512)
	for range sniffDrainReads {
		if n, err := src.ReadTimeout(buf, 0); err != nil || n == 0 {
			break
		}
	}
	var end time.Time
	if cfg.Duration > 0 {
		end = time.Now().Add(cfg.Duration)
	}
	for ctx.Err() == nil {
		wait := sniffIdleWait
		if split.Pending() {
			wait = gap
		}
		if !end.IsZero() {
			left := time.Until(end)
			if left <= 0 {
				break
			}
			wait = min(wait, left)
		}
		n, err := src.ReadTimeout(buf, wait)
		now := time.Now()
		if err != nil {
			frames(split.Silence())
			emit(traffic.Flush())
			return stats.Summary(), &SniffError{Err: err}
		}
		if n > 0 {
			frames(split.Feed(buf[:n], now))
			continue
		}
		if split.Pending() {
			frames(split.Silence())
		}
		if !lastRequest.IsZero() && now.Sub(lastRequest) > replyTimeout {
			emit(traffic.Flush())
			lastRequest = time.Time{}
		}
	}
	frames(split.Silence())
	emit(traffic.Flush())
	return stats.Summary(), nil
}
