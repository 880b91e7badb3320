package modbus

import (
	"io"
	"time"
)

// Line is a byte stream that carries RTU frames: a serial port, a pty, a TCP
// connection to a serial device server, or the simulator's in-process line.
// The RTU transport needs nothing more from it.
type Line interface {
	io.Writer
	io.Closer
	// ReadTimeout reads the bytes that arrive within d into b. It returns as
	// soon as at least one byte is read; (0, nil) means the line stayed silent
	// for d. d == 0 returns at once with what is already buffered.
	ReadTimeout(b []byte, d time.Duration) (int, error)
	// Settings returns the line's character format; Baud is 0 when the line
	// has none of its own (RTU over TCP), in which case timing falls back to
	// the configured settings of the far end, if known.
	Settings() LineSettings
}
