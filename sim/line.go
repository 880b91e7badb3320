package sim

import (
	"fmt"
	"net"
	"sort"
	"sync"
	"time"

	"github.com/busprobe/busprobe/protocols/modbus"
)

// Line is an in-process serial line from a client to an RTU bus: it
// implements modbus.Line for the client side. It knows both ends' settings,
// so it emulates what a pty cannot carry: a request reaches the bus after
// its wire time at the client's settings; the device answers after its
// turnaround; the reply arrives whole once its last byte has crossed the
// wire at the bus's settings. When the settings differ in baud, data bits or
// parity the reply arrives garbled (see Mismatch), re-sampled bit by bit as
// the client's UART would read it. Timing uses real timers.
//
// A Line is a private view of the bus: other lines' traffic is not seen on
// it. It starts no goroutine; the work is done inside Write and ReadTimeout.
// A Line is safe for concurrent use.
type Line struct {
	bus    *RTUBus
	client modbus.LineSettings
	done   chan struct{}

	mu     sync.Mutex
	closed bool
	txFree time.Time // when the client's transmitter is idle again
	rx     []byte    // request bytes the bus has heard that are not yet a frame
	rxEnd  time.Time // when the last of rx arrived
	out    []chunk   // bytes on their way to the client, by arrival time
}

// chunk is bytes that arrive at the client at a given time.
type chunk struct {
	at   time.Time
	data []byte
}

var _ modbus.Line = (*Line)(nil)

// maxLineWaits bounds the sleeps of one ReadTimeout; each sleep ends at an
// event (a reply's arrival, a frame's end of silence) or at the deadline.
const maxLineWaits = 1000

// NewLine connects a client whose port is set to client to bus. Zero fields
// of client mean 8N1.
func NewLine(bus *RTUBus, client modbus.LineSettings) *Line {
	return &Line{bus: bus, client: normalize(client), done: make(chan struct{})}
}

// Settings returns the client's line settings.
func (l *Line) Settings() modbus.LineSettings { return l.client }

// Write sends request bytes. It returns at once, like a serial port with
// room in its buffer; the bytes reach the bus after their wire time.
func (l *Line) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return 0, l.closedErr()
	}
	now := time.Now()
	start := now
	if l.txFree.After(now) {
		start = l.txFree
	}
	end := start.Add(l.client.FrameTime(len(p)))
	l.txFree = end
	if len(l.rx) > 0 && start.Sub(l.rxEnd) >= l.bus.line.T35() {
		l.flush()
	}
	l.rx = append(l.rx, p...)
	l.rxEnd = end
	if l.bus.echo {
		l.bus.core.count(func(s *Stats) { s.Echoes++ })
		l.push(end, append([]byte(nil), p...))
	}
	l.cut()
	return len(p), nil
}

// ReadTimeout reads the bytes that have arrived, waiting up to d for the first.
func (l *Line) ReadTimeout(b []byte, d time.Duration) (int, error) {
	deadline := time.Now().Add(d)
	for range maxLineWaits {
		l.mu.Lock()
		if l.closed {
			l.mu.Unlock()
			return 0, l.closedErr()
		}
		now := time.Now()
		if len(l.rx) > 0 && !now.Before(l.rxEnd.Add(l.bus.line.T35())) {
			l.flush()
		}
		n := l.deliver(b, now)
		next, pending := l.nextEvent()
		l.mu.Unlock()
		if n > 0 || len(b) == 0 || !now.Before(deadline) {
			return n, nil
		}
		wake := deadline
		if pending && next.Before(wake) {
			wake = next
		}
		t := time.NewTimer(wake.Sub(now))
		select {
		case <-t.C:
		case <-l.done:
			t.Stop()
		}
	}
	return 0, nil
}

// Close closes the line; a ReadTimeout waiting on it returns at once.
func (l *Line) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.closed {
		l.closed = true
		close(l.done)
	}
	return nil
}

func (l *Line) closedErr() error {
	return fmt.Errorf("sim: line to bus %q: %w", l.bus.Name(), net.ErrClosed)
}

// cut hands every complete request in rx to the bus. A request whose length
// the bytes do not tell waits for the end-of-frame silence (flush).
func (l *Line) cut() {
	for len(l.rx) > 0 {
		n := modbus.RTURequestLength(l.rx)
		if n <= 0 || len(l.rx) < n {
			return
		}
		frame := append([]byte(nil), l.rx[:n]...)
		l.rx = append(l.rx[:0], l.rx[n:]...)
		l.process(frame, l.rxEnd)
	}
}

// flush ends the pending frame on silence and hands it to the bus as it is.
func (l *Line) flush() {
	frame := l.rx
	l.rx = nil
	l.process(frame, l.rxEnd)
}

// process serves one frame that ended on the wire at end.
func (l *Line) process(frame []byte, end time.Time) {
	reply, delay := l.bus.exchange(frame, l.client, true)
	if reply != nil {
		l.push(end.Add(delay), reply)
	}
}

// push queues bytes to arrive at the client at time at.
func (l *Line) push(at time.Time, data []byte) {
	i := sort.Search(len(l.out), func(i int) bool { return l.out[i].at.After(at) })
	l.out = append(l.out, chunk{})
	copy(l.out[i+1:], l.out[i:])
	l.out[i] = chunk{at: at, data: data}
}

// deliver copies the bytes that have arrived by now into b.
func (l *Line) deliver(b []byte, now time.Time) int {
	n := 0
	for len(l.out) > 0 && n < len(b) && !l.out[0].at.After(now) {
		c := &l.out[0]
		k := copy(b[n:], c.data)
		n += k
		c.data = c.data[k:]
		if len(c.data) == 0 {
			l.out = l.out[1:]
		}
	}
	return n
}

// nextEvent returns the time something next happens on the line.
func (l *Line) nextEvent() (time.Time, bool) {
	var next time.Time
	pending := false
	if len(l.out) > 0 {
		next, pending = l.out[0].at, true
	}
	if len(l.rx) > 0 {
		t := l.rxEnd.Add(l.bus.line.T35())
		if !pending || t.Before(next) {
			next, pending = t, true
		}
	}
	return next, pending
}
