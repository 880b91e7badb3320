//go:build linux

package sim

import (
	"fmt"
	"os"
	"time"

	"github.com/creack/pty"
)

// sniffWriteTimeout bounds a write to the sniff pty: when nobody reads it and
// its buffer is full, bytes are dropped rather than stalling the bus.
const sniffWriteTimeout = 20 * time.Millisecond

// sniffPty is the listen-only tap of an RTU bus (Bus.Sniff): a second pty
// onto which the responder copies every request as the master sent it and
// every reply, each written when its last byte would have crossed the line
// (the request at its end on the wire, the reply after the turnaround and
// its own wire time), as a receiver on an RS-485 multidrop line hears them.
// Echoes are not copied: on the line they are the request itself. Writes
// to it never block the bus for long and their errors are ignored.
type sniffPty struct {
	master *os.File // non-blocking, so write deadlines work
	slave  *os.File // held open so writes succeed before anyone listens
	path   string
}

// openSniffPty creates the sniff pty pair of bus, raw at the bus's baud.
func openSniffPty(bus *RTUBus) (*sniffPty, error) {
	m, s, err := pty.Open()
	if err != nil {
		return nil, fmt.Errorf("sim: bus %q: open sniff pty: %w", bus.Name(), err)
	}
	if err := setRaw(int(s.Fd()), bus.line.Baud); err != nil {
		m.Close()
		s.Close()
		return nil, fmt.Errorf("sim: bus %q: configure sniff pty %s: %w", bus.Name(), s.Name(), err)
	}
	master, err := pollable(m)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("sim: bus %q: sniff pty master: %w", bus.Name(), err)
	}
	return &sniffPty{master: master, slave: s, path: s.Name()}, nil
}

// Write copies bytes onto the sniff line, giving up after sniffWriteTimeout.
func (s *sniffPty) Write(b []byte) (int, error) {
	if err := s.master.SetWriteDeadline(time.Now().Add(sniffWriteTimeout)); err != nil {
		return 0, err
	}
	return s.master.Write(b)
}

// copyExchange adds to a request's timed writes (echo, reply) their copies
// on the sniff line: the request at reqEnd, the reply (nil: none) at
// replyAt. A nil sniffPty returns out unchanged.
func (s *sniffPty) copyExchange(out []timedWrite, req []byte, reqEnd time.Time, reply []byte, replyAt time.Time) []timedWrite {
	if s == nil {
		return out
	}
	res := make([]timedWrite, 0, len(out)+2)
	res = append(res, timedWrite{at: reqEnd, data: req, to: s})
	res = append(res, out...) // the echo at reqEnd, the reply at replyAt: in time order
	if reply != nil {
		res = append(res, timedWrite{at: replyAt, data: reply, to: s})
	}
	return res
}

// close releases the pty pair; a nil sniffPty does nothing.
func (s *sniffPty) close() error {
	if s == nil {
		return nil
	}
	err := s.master.Close()
	if e := s.slave.Close(); err == nil {
		err = e
	}
	return err
}
