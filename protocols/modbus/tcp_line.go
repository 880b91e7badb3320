package modbus

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// minNetRead is the shortest read deadline a TCPLine sets: a deadline
// already in the past makes Go refuse the read without looking at the bytes
// the kernel holds, so "what is already buffered" (d == 0) needs a little time.
const minNetRead = 200 * time.Microsecond

// TCPLineConfig configures a TCPLine.
type TCPLineConfig struct {
	Address        string        // host:port of the serial device server
	TLS            *tls.Config   // optional
	ConnectTimeout time.Duration // DefaultConnectTimeout if 0
	Dial           DialFunc      // nil: a net.Dialer
}

// TCPLine is a Line over a TCP connection to a serial device server (RTU
// over TCP). It connects lazily: on Connect or the first read or write, and
// again after the connection dropped (the failing call returns a
// *TransportError, the next one reconnects).
type TCPLine struct {
	mu     sync.Mutex
	cfg    TCPLineConfig
	conn   net.Conn
	closed bool
}

// NewTCPLine returns a line to cfg.Address; it does not connect yet.
func NewTCPLine(cfg TCPLineConfig) *TCPLine { return &TCPLine{cfg: cfg} }

// Settings returns the zero LineSettings: a TCP connection has no baud rate.
func (l *TCPLine) Settings() LineSettings { return LineSettings{} }

// Connect opens the connection now if it is not open.
func (l *TCPLine) Connect(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.connect(ctx)
}

func (l *TCPLine) connect(ctx context.Context) error {
	if l.closed {
		return l.err("connect", ErrClosed)
	}
	if l.conn != nil {
		return nil
	}
	conn, err := dialConn(ctx, l.cfg.Address, l.cfg.TLS, l.cfg.ConnectTimeout, l.cfg.Dial)
	if err != nil {
		return l.err("connect", err)
	}
	l.conn = conn
	return nil
}

// Write sends b, connecting first if needed.
func (l *TCPLine) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.connect(context.Background()); err != nil {
		return 0, err
	}
	l.conn.SetWriteDeadline(time.Now().Add(DefaultConnectTimeout))
	n, err := l.conn.Write(b)
	if err != nil {
		l.drop()
		return n, l.err("write", err)
	}
	return n, nil
}

// ReadTimeout reads what arrives within d; see Line.
func (l *TCPLine) ReadTimeout(b []byte, d time.Duration) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.connect(context.Background()); err != nil {
		return 0, err
	}
	l.conn.SetReadDeadline(time.Now().Add(max(d, minNetRead)))
	n, err := l.conn.Read(b)
	switch {
	case n > 0:
		return n, nil
	case err == nil, errors.Is(err, os.ErrDeadlineExceeded):
		return 0, nil
	case errors.Is(err, io.EOF):
		l.drop()
		return 0, l.err("read", errors.New("connection closed by peer"))
	}
	l.drop()
	return 0, l.err("read", err)
}

// Close closes the connection; later calls fail.
func (l *TCPLine) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	return l.drop()
}

func (l *TCPLine) drop() error {
	if l.conn == nil {
		return nil
	}
	err := l.conn.Close()
	l.conn = nil
	return err
}

func (l *TCPLine) err(op string, err error) error {
	return &TransportError{Target: "rtuovertcp " + l.cfg.Address, Op: op, Err: err}
}
