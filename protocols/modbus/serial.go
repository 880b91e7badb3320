package modbus

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"syscall"
	"time"

	"github.com/goburrow/serial"
)

// SerialPollInterval is the fixed read timeout the serial port is opened
// with. github.com/goburrow/serial blocks each Read for up to its per-open
// timeout (and forever when it is 0), so SerialLine.ReadTimeout loops over
// reads of this length until its own duration has passed. 1 ms is shorter
// than t3.5 at every baud rate (at least 1.75 ms), so the end of a frame is
// seen at most 1 ms late, and a drain (d == 0) costs at most 1 ms; the price
// is one select(2) per millisecond while waiting, which is negligible.
const SerialPollInterval = time.Millisecond

// maxWriteStall bounds how long Write retries a serial port whose output
// buffer is full, beyond the frame's own transmission time.
const maxWriteStall = time.Second

// SerialLine is a Line over a serial port opened with github.com/goburrow/serial.
type SerialLine struct {
	mu       sync.Mutex // serializes reads, writes and Close
	port     serial.Port
	device   string
	settings LineSettings
	closed   bool
}

// OpenSerial opens the serial port at device with the given settings
// (DataBits 0 means 8, StopBits 0 means 1, Parity "" means "N": busprobe
// never relies on goburrow/serial's default of even parity). Errors name the
// port: "serial port /dev/ttyUSB0: open: no such file or directory".
func OpenSerial(device string, s LineSettings) (*SerialLine, error) {
	s = normalizeSettings(s)
	target := "serial port " + device
	if err := validateSettings(s); err != nil {
		return nil, &TransportError{Target: target, Op: "open", Err: err}
	}
	port, err := serial.Open(&serial.Config{
		Address:  device,
		BaudRate: s.Baud,
		DataBits: s.DataBits,
		StopBits: s.StopBits,
		Parity:   s.Parity, // always explicit: "" would mean even parity
		Timeout:  SerialPollInterval,
	})
	if err != nil {
		return nil, &TransportError{Target: target, Op: "open", Err: err}
	}
	return &SerialLine{port: port, device: device, settings: s}, nil
}

// normalizeSettings fills in 8N1 for zero fields.
func normalizeSettings(s LineSettings) LineSettings {
	if s.DataBits == 0 {
		s.DataBits = 8
	}
	if s.StopBits == 0 {
		s.StopBits = 1
	}
	if s.Parity == "" {
		s.Parity = "N"
	}
	return s
}

// validateSettings checks a serial character format before it reaches the driver.
func validateSettings(s LineSettings) error {
	if s.Baud <= 0 {
		return fmt.Errorf("baud rate %d must be positive", s.Baud)
	}
	if s.DataBits != 7 && s.DataBits != 8 {
		return fmt.Errorf("data bits %d must be 7 or 8", s.DataBits)
	}
	if s.StopBits != 1 && s.StopBits != 2 {
		return fmt.Errorf("stop bits %d must be 1 or 2", s.StopBits)
	}
	if s.Parity != "N" && s.Parity != "E" && s.Parity != "O" {
		return fmt.Errorf("parity %q must be N, E or O", s.Parity)
	}
	return nil
}

// Device returns the port's device path.
func (l *SerialLine) Device() string { return l.device }

// Settings returns the character format the port was opened with.
func (l *SerialLine) Settings() LineSettings { return l.settings }

// Write sends b, retrying while the driver's output buffer is full.
func (l *SerialLine) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return 0, l.err("write", ErrClosed)
	}
	limit := time.Now().Add(l.settings.FrameTime(len(b)) + maxWriteStall)
	done := 0
	for done < len(b) {
		n, err := l.port.Write(b[done:])
		if n > 0 {
			done += n
		}
		switch {
		case errors.Is(err, syscall.EAGAIN) || (err == nil && n == 0):
			if time.Now().After(limit) {
				return done, l.err("write", fmt.Errorf("output stalled after %d of %d bytes", done, len(b)))
			}
			time.Sleep(SerialPollInterval)
		case err != nil:
			return done, l.err("write", err)
		}
	}
	return done, nil
}

// ReadTimeout reads what arrives within d; see Line. It returns as soon as
// at least one byte is read. A port that reports data ready but yields no
// bytes has hung up (an unplugged USB adapter): that is an error naming the
// port, never a silent line.
func (l *SerialLine) ReadTimeout(b []byte, d time.Duration) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	end := time.Now().Add(d)
	polls := 8*int(d/SerialPollInterval) + 8 // bound in count as well as time
	for range polls {
		if l.closed {
			return 0, l.err("read", ErrClosed)
		}
		n, err := l.port.Read(b)
		switch {
		case n > 0:
			return n, nil
		case errors.Is(err, serial.ErrTimeout), errors.Is(err, syscall.EAGAIN), errors.Is(err, syscall.EINTR):
		case err == nil || errors.Is(err, io.EOF):
			return 0, l.err("read", errors.New("device disconnected (end of file)"))
		default:
			return 0, l.err("read", err)
		}
		if !time.Now().Before(end) {
			break
		}
	}
	return 0, nil
}

// Close closes the port; it is safe to call more than once.
func (l *SerialLine) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	if err := l.port.Close(); err != nil {
		return l.err("close", err)
	}
	return nil
}

func (l *SerialLine) err(op string, err error) error {
	return &TransportError{Target: "serial port " + l.device, Op: op, Err: err}
}
