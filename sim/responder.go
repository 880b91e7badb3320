package sim

import (
	"errors"
	"io"
	"net"
	"os"
	"time"

	"github.com/busprobe/busprobe/protocols/modbus"
)

// idlePoll is how long a responder waits for bytes before it looks at its
// done channel again.
const idlePoll = 50 * time.Millisecond

// maxPending caps the bytes a responder holds while no frame can be cut.
const maxPending = 512

// port is the byte stream an RTU responder serves: a pty master, a serial
// port or a TCP connection.
type port interface {
	io.Writer
	// readTimeout reads what arrives within d; (0, nil) means silence.
	readTimeout(b []byte, d time.Duration) (int, error)
}

// timedWrite is bytes to write at a given time.
type timedWrite struct {
	at   time.Time
	data []byte
	to   io.Writer // nil: the port; else another stream (the sniff pty), whose errors are ignored
}

// rtuHandler serves one request frame whose first bytes were read at first
// and last bytes at last, and returns what to write back and when.
type rtuHandler func(frame []byte, first, last time.Time) []timedWrite

// serveRTU reads RTU requests from p until done is closed or p fails. A
// frame is cut as soon as RTURequestLength says it is complete, or at a
// silence of gap. Replies are written at the times the handler gives; the
// responder does not read while it holds a reply back, as a half-duplex
// device would not.
func serveRTU(p port, done <-chan struct{}, gap time.Duration, bad func(), handle rtuHandler) error {
	buf := make([]byte, 256)
	var rx []byte
	var first, last time.Time
	respond := func(frame []byte) bool {
		for _, w := range handle(frame, first, last) {
			if !sleepUntil(w.at, done) {
				return false
			}
			if w.to != nil {
				_, _ = w.to.Write(w.data)
				continue
			}
			if _, err := p.Write(w.data); err != nil {
				return false
			}
		}
		return true
	}
	for {
		select {
		case <-done:
			return nil
		default:
		}
		wait := idlePoll
		if len(rx) > 0 {
			wait = gap
		}
		n, err := p.readTimeout(buf, wait)
		if err != nil {
			if isClosed(err) {
				return nil
			}
			return err
		}
		now := time.Now()
		if n == 0 {
			if len(rx) > 0 { // silence ends whatever was heard
				frame := rx
				rx = nil
				if !respond(frame) {
					return nil
				}
			}
			continue
		}
		if len(rx) == 0 {
			first = now
		}
		last = now
		rx = append(rx, buf[:n]...)
		for len(rx) > 0 {
			m := modbus.RTURequestLength(rx)
			if m <= 0 || len(rx) < m {
				break
			}
			frame := append([]byte(nil), rx[:m]...)
			rx = append(rx[:0], rx[m:]...)
			if !respond(frame) {
				return nil
			}
			first = now
		}
		if len(rx) > maxPending {
			bad()
			rx = nil
		}
	}
}

// sleepUntil waits until t; it returns false if done closed first.
func sleepUntil(t time.Time, done <-chan struct{}) bool {
	d := time.Until(t)
	if d <= 0 {
		select {
		case <-done:
			return false
		default:
			return true
		}
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-done:
		return false
	}
}

// isClosed reports whether err says the stream was closed under us.
func isClosed(err error) bool {
	return errors.Is(err, os.ErrClosed) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrClosedPipe) ||
		errors.Is(err, net.ErrClosed)
}

// deadlinePort adapts a stream with read deadlines (pty master, TCP conn) to port.
type deadlinePort struct {
	rw interface {
		io.ReadWriter
		SetReadDeadline(time.Time) error
	}
}

func (p deadlinePort) Write(b []byte) (int, error) { return p.rw.Write(b) }

func (p deadlinePort) readTimeout(b []byte, d time.Duration) (int, error) {
	if err := p.rw.SetReadDeadline(time.Now().Add(d)); err != nil {
		return 0, err
	}
	n, err := p.rw.Read(b)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return n, nil
	}
	return n, err
}
