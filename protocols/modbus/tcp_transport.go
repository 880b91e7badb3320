package modbus

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// DialFunc opens a network connection; net.Dialer.DialContext fits.
type DialFunc func(ctx context.Context, network, address string) (net.Conn, error)

// TCPConfig configures a TCPTransport. Zero values pick the defaults.
type TCPConfig struct {
	Address        string        // host:port
	TLS            *tls.Config   // non-nil: Modbus/TCP security (TLS over TCP)
	Timeout        time.Duration // default reply timeout (DefaultTimeout if 0)
	ConnectTimeout time.Duration // connect and TLS handshake (DefaultConnectTimeout if 0)
	Dial           DialFunc      // nil: a net.Dialer
	Tap            Tap
}

// TCPTransport speaks Modbus/TCP (MBAP framing) over one connection, with
// TLS when configured.
//
// Transaction IDs increase with every request. A reply carrying another
// transaction ID (a late reply to a request that timed out, or a duplicate)
// is tapped as "stale transaction N" and dropped, and reading goes on until
// the right one or the timeout; so after a timeout the connection stays
// usable. A reply from another unit is an *UnexpectedUnitError. When the
// connection drops the request fails with a *TransportError and the next
// request connects again (connect timeout ConnectTimeout). Unit 0 is an
// ordinary unit here: the Modbus/TCP guide accepts it for addressing the
// TCP device itself, and it waits for a reply like any other.
type TCPTransport struct {
	mu     sync.Mutex
	cfg    TCPConfig
	tap    tapper
	conn   net.Conn
	tid    uint16
	rbuf   []byte    // received bytes not yet forming a whole frame
	rfirst time.Time // arrival of rbuf[0]
	closed bool
}

// NewTCPTransport returns a transport for cfg.Address. It connects on the
// first request, or on Connect.
func NewTCPTransport(cfg TCPConfig) *TCPTransport {
	return &TCPTransport{cfg: cfg, tap: tapper{cfg.Tap}}
}

// target names the peer in errors: "tcp 10.0.0.5:502" or "tcp+tls ...".
func (t *TCPTransport) target() string {
	if t.cfg.TLS != nil {
		return "tcp+tls " + t.cfg.Address
	}
	return "tcp " + t.cfg.Address
}

// SetTap sets the frame tap (nil turns it off).
func (t *TCPTransport) SetTap(tap Tap) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.tap = tapper{tap}
}

// Connect opens the connection now if it is not open.
func (t *TCPTransport) Connect(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return ErrClosed
	}
	return t.connect(ctx)
}

// Close closes the connection; later requests fail with ErrClosed.
func (t *TCPTransport) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.closed = true
	return t.drop()
}

// drop closes the connection and forgets its buffered bytes.
func (t *TCPTransport) drop() error {
	t.rbuf = nil
	if t.conn == nil {
		return nil
	}
	err := t.conn.Close()
	t.conn = nil
	return err
}

// connect dials (and handshakes) if there is no connection.
func (t *TCPTransport) connect(ctx context.Context) error {
	if t.conn != nil {
		return nil
	}
	conn, err := dialConn(ctx, t.cfg.Address, t.cfg.TLS, t.cfg.ConnectTimeout, t.cfg.Dial)
	if err != nil {
		return &TransportError{Target: t.target(), Op: "connect", Err: err}
	}
	t.conn, t.rbuf = conn, nil
	return nil
}

// dialConn opens a TCP (or TLS) connection within the connect timeout.
func dialConn(ctx context.Context, addr string, tlsCfg *tls.Config, timeout time.Duration, dial DialFunc) (net.Conn, error) {
	if timeout <= 0 {
		timeout = DefaultConnectTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	conn, err := dial(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	if tlsCfg == nil {
		return conn, nil
	}
	cfg := tlsCfg.Clone()
	if cfg.ServerName == "" && !cfg.InsecureSkipVerify {
		if host, _, err := net.SplitHostPort(addr); err == nil {
			cfg.ServerName = host
		}
	}
	tc := tls.Client(conn, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("TLS handshake: %w", err)
	}
	return tc, nil
}

// RoundTrip sends req to unit and returns its reply; see Transport.
func (t *TCPTransport) RoundTrip(ctx context.Context, unit byte, req PDU) (PDU, error) {
	rt, err := startRequest(ctx, req, t.cfg.Timeout)
	if err != nil {
		return PDU{}, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return PDU{}, ErrClosed
	}
	if err := t.connect(ctx); err != nil {
		return PDU{}, err
	}
	t.tid++
	tid := t.tid
	frame := EncodeMBAP(tid, unit, req)
	start := time.Now()
	t.conn.SetWriteDeadline(rt.deadline(start))
	if _, err := t.conn.Write(frame); err != nil {
		t.drop()
		if cerr := ctxErr(ctx, unit, rt, nil); cerr != nil {
			return PDU{}, cerr
		}
		return PDU{}, &TransportError{Target: t.target(), Op: "write", Err: err}
	}
	sent := time.Now()
	t.tap.frame(TX, frame, start, sent, "")
	return t.readReply(ctx, unit, tid, rt, rt.deadline(sent))
}

// readReply reads frames until the one with transaction tid, the deadline,
// cancellation or a broken connection.
func (t *TCPTransport) readReply(ctx context.Context, unit byte, tid uint16, rt reqTiming, deadline time.Time) (PDU, error) {
	conn := t.conn
	cancelled := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		conn.SetReadDeadline(time.Unix(1, 0))
		close(cancelled)
	})
	defer func() {
		if !stop() {
			<-cancelled // the deadline must not be set to the past after we return
		}
	}()
	conn.SetReadDeadline(deadline)
	tmp := make([]byte, 512)
	for range maxReplyReads {
		for range maxReplyReads {
			pdu, state, err := t.nextFrame(unit, tid)
			if state == frameDone {
				return pdu, err
			}
			if state == frameNeedMore {
				break
			}
		}
		n, err := conn.Read(tmp)
		if n > 0 {
			if len(t.rbuf) == 0 {
				t.rfirst = time.Now()
			}
			t.rbuf = append(t.rbuf, tmp[:n]...)
			continue
		}
		if err == nil {
			continue
		}
		if cerr := ctxErr(ctx, unit, rt, t.rbuf); cerr != nil {
			return PDU{}, cerr
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			// The connection stays: a late reply will be dropped by its transaction ID.
			return PDU{}, &TimeoutError{Unit: unit, Timeout: rt.timeout, Partial: clone(t.rbuf)}
		}
		if len(t.rbuf) > 0 {
			t.tap.frame(RX, t.rbuf, t.rfirst, time.Now(), "partial")
		}
		t.drop()
		return PDU{}, &TransportError{Target: t.target(), Op: "read", Err: connReadErr(err)}
	}
	return PDU{}, &TimeoutError{Unit: unit, Timeout: rt.timeout, Partial: clone(t.rbuf)}
}

// connReadErr makes a peer's close read as what it is.
func connReadErr(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("connection closed by peer: %w", err)
	}
	return err
}

// frameState says what nextFrame did.
type frameState int

const (
	frameNeedMore frameState = iota // rbuf holds no whole frame
	frameDropped                    // a stale frame was dropped; look again
	frameDone                       // the answer (or a fatal error) is in
)

// nextFrame takes one whole frame off rbuf, if there is one, and decides
// whether it answers transaction tid.
func (t *TCPTransport) nextFrame(unit byte, tid uint16) (PDU, frameState, error) {
	if len(t.rbuf) < MBAPHeaderLen {
		return PDU{}, frameNeedMore, nil
	}
	h, err := DecodeMBAPHeader(t.rbuf)
	if err != nil {
		// Out of step with the stream: nothing after this can be trusted.
		t.tap.frame(RX, t.rbuf, t.rfirst, time.Now(), "garbage")
		t.drop()
		return PDU{}, frameDone, fmt.Errorf("reply from unit %d: %w (connection dropped)", unit, err)
	}
	size := 6 + int(h.Length)
	if len(t.rbuf) < size {
		return PDU{}, frameNeedMore, nil
	}
	frame := clone(t.rbuf[:size])
	t.rbuf = t.rbuf[size:]
	first, end := t.rfirst, time.Now()
	t.rfirst = end
	if h.Transaction != tid {
		t.tap.frame(RX, frame, first, end, fmt.Sprintf("stale transaction %d", h.Transaction))
		return PDU{}, frameDropped, nil
	}
	p, err := ParsePDU(frame[MBAPHeaderLen:])
	if err != nil {
		t.tap.frame(RX, frame, first, end, "malformed")
		return PDU{}, frameDone, fmt.Errorf("reply from unit %d: %w", unit, err)
	}
	if h.Unit != unit {
		t.tap.frame(RX, frame, first, end, fmt.Sprintf("unit %d", h.Unit))
		return PDU{}, frameDone, &UnexpectedUnitError{Want: unit, Got: h.Unit}
	}
	t.tap.frame(RX, frame, first, end, "")
	return p, frameDone, nil
}
