package modbus

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// RTUConfig configures an RTUTransport. Zero values pick the defaults.
type RTUConfig struct {
	// Timeout is the default reply timeout, counted from the moment the
	// request's last byte has left the line (DefaultTimeout if 0).
	Timeout time.Duration
	// FrameGap is the silence that ends a reply whose length cannot be known
	// from its bytes. 0 means t3.5 of the line (at least 1 ms, the serial
	// line's read granularity), or, on a line without a baud rate (RTU over
	// TCP), the larger of the far end's t3.5 and DefaultNetFrameGap.
	FrameGap time.Duration
	// Turnaround is how long a broadcast (unit 0) waits after its frame and
	// t3.5 so the devices can act on it before the next request
	// (DefaultTurnaround if 0).
	Turnaround time.Duration
	// Echo says how RS-485 local echo is treated (EchoAuto by default).
	Echo EchoMode
	// FarEnd is the serial side's character format when the line has none of
	// its own (Settings().Baud == 0, as for RTU over TCP); used for timing.
	FarEnd LineSettings
	// Tap sees every frame sent and received.
	Tap Tap
	// LateListen is how long the transport keeps listening after a complete
	// reply when the previous request on the line failed (timed out, say). A
	// late reply to that request may have arrived just after the next request
	// was sent, followed by the real answer: the later frame wins and the
	// earlier one is tapped "stale". 0 means the larger of 4 frame gaps and
	// 20 ms; negative turns the check off (a scanner that knows no unit can
	// still answer late may do that).
	LateListen time.Duration
}

// RTUTransport speaks Modbus RTU over a Line: a serial port, a pty, a TCP
// connection to a serial device server, or the simulator's in-process line.
//
// Every request starts by draining the line's input (tapped as RX "stale"
// when it is a whole frame, such as a reply that came after its timeout,
// else "garbage") so a late reply can never be taken for the next answer.
// After a request that ended without a clean reply the drain also waits for
// one frame gap of silence, and the reply to the next request is followed
// by a short listen (RTUConfig.LateListen): a late reply that arrived only
// after the request was sent is recognised by the real reply behind it.
// (Timing alone cannot tell: ptys and socat pairs deliver replies faster
// than the wire time, so a reply "too early" is not proof of staleness.) The reply is cut at the length its header
// announces, or at FrameGap of silence when the length cannot be known. A
// reply with a bad CRC is a *CRCError, one from another unit an
// *UnexpectedUnitError, one that stops short of its announced length a
// *FrameError (after a silence of 8 frame gaps, at least 20 ms, which
// tolerates USB adapters that deliver bytes in bursts).
//
// If only the local echo of the request comes back, the error matches
// ErrTimeout, *TimeoutError and *EchoError: the unit is silent and the
// adapter echoes.
type RTUTransport struct {
	mu   sync.Mutex
	line Line
	cfg  RTUConfig
	tap  tapper

	echoSeen   bool      // EchoAuto: an echo was seen on this line
	lastMirror []byte    // last request whose reply mirrors it, taken as answered by its first copy
	dirty      bool      // the last exchange ended without a clean reply
	quietAt    time.Time // serial lines: when the t3.5 silence after the last frame is over
	closed     bool
}

// Bounds on the RTU read loops (every loop is also bounded in time).
const (
	maxRTUFrame    = 256  // unit + 253-byte PDU + CRC
	maxRTUBuffer   = 1024 // bytes gathered for one reply before giving up
	maxFlushReads  = 64
	maxReplyReads  = 1 << 16
	rtuPollSlice   = 20 * time.Millisecond // ctx is checked at least this often
	minSerialGap   = time.Millisecond
	minStallSilent = 20 * time.Millisecond
	minLateListen  = 20 * time.Millisecond
)

// NewRTUTransport returns an RTU transport over line. The transport owns
// the line: Close closes it.
func NewRTUTransport(line Line, cfg RTUConfig) *RTUTransport {
	return &RTUTransport{line: line, cfg: cfg, tap: tapper{cfg.Tap}}
}

// SetTap sets the frame tap (nil turns it off).
func (t *RTUTransport) SetTap(tap Tap) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.tap = tapper{tap}
}

// Line returns the transport's line.
func (t *RTUTransport) Line() Line { return t.line }

// Close closes the line. It waits for a request in progress to end.
func (t *RTUTransport) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil
	}
	t.closed = true
	return t.line.Close()
}

// settings returns the character format that times the line.
func (t *RTUTransport) settings() LineSettings {
	if s := t.line.Settings(); s.Baud > 0 {
		return s
	}
	return t.cfg.FarEnd
}

// frameGap returns the silence that ends a frame of unknown length.
func (t *RTUTransport) frameGap() time.Duration {
	if t.cfg.FrameGap > 0 {
		return t.cfg.FrameGap
	}
	if s := t.line.Settings(); s.Baud > 0 {
		return max(s.T35(), minSerialGap)
	}
	return max(t.cfg.FarEnd.T35(), DefaultNetFrameGap)
}

// lateListen returns how long to listen for a second reply after a failure.
func (t *RTUTransport) lateListen() time.Duration {
	if t.cfg.LateListen != 0 {
		return max(t.cfg.LateListen, 0)
	}
	return max(4*t.frameGap(), minLateListen)
}

// RoundTrip sends req to unit and returns its reply; see Transport.
// Requests that need a reply are refused for unit 0 with ErrBroadcastRead
// before anything is sent; writes to unit 0 are broadcast.
func (t *RTUTransport) RoundTrip(ctx context.Context, unit byte, req PDU) (PDU, error) {
	if unit == 0 && needsReply(req.Function) {
		return PDU{}, fmt.Errorf("%s: %w", req.Function, ErrBroadcastRead)
	}
	rt, err := startRequest(ctx, req, t.cfg.Timeout)
	if err != nil {
		return PDU{}, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return PDU{}, ErrClosed
	}
	resp, err := t.exchange(ctx, unit, req, rt)
	t.dirty = err != nil
	if t.line.Settings().Baud > 0 {
		t.quietAt = time.Now().Add(t.frameGap())
	}
	return resp, err
}

// exchange drains the input, sends the request and reads the reply.
func (t *RTUTransport) exchange(ctx context.Context, unit byte, req PDU, rt reqTiming) (PDU, error) {
	if err := t.flush(); err != nil {
		return PDU{}, err
	}
	if wait := time.Until(t.quietAt); wait > 0 {
		// Frames on a serial line are delimited by t3.5 of silence: a
		// request sent hard on the heels of a reply would run into it.
		time.Sleep(wait)
	}
	frame := EncodeRTU(unit, req)
	start := time.Now()
	if _, err := t.line.Write(frame); err != nil {
		return PDU{}, lineErr("write", err)
	}
	sent := start.Add(t.settings().FrameTime(len(frame)))
	if now := time.Now(); now.After(sent) {
		sent = now
	}
	t.tap.frame(TX, frame, start, sent, "")
	if unit == 0 {
		return PDU{}, t.broadcastPause(ctx, sent)
	}
	return t.readReply(ctx, unit, req, frame, rt, sent)
}

// broadcastPause waits until t3.5 and the turnaround delay have passed after
// a broadcast. Cancellation returns ctx.Err(); a deadline just ends the wait
// (the broadcast has been sent).
func (t *RTUTransport) broadcastPause(ctx context.Context, sent time.Time) error {
	turn := t.cfg.Turnaround
	if turn <= 0 {
		turn = DefaultTurnaround
	}
	timer := time.NewTimer(time.Until(sent.Add(t.frameGap() + turn)))
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.Canceled) {
			return ctx.Err()
		}
		return nil
	}
}

// flush drains whatever the line holds before a request and taps it.
func (t *RTUTransport) flush() error {
	wait := time.Duration(0)
	if t.dirty {
		wait = t.frameGap() // let a reply in progress finish first
	}
	buf := make([]byte, maxRTUFrame)
	var stale []byte
	for range maxFlushReads {
		n, err := t.line.ReadTimeout(buf, wait)
		if err != nil {
			return lineErr("read (flushing input)", err)
		}
		if n == 0 {
			break
		}
		stale = append(stale, buf[:n]...)
	}
	if len(stale) == 0 {
		return nil
	}
	now := time.Now()
	note := "garbage"
	switch {
	case t.lastMirror != nil && bytes.Equal(stale, t.lastMirror):
		// The "reply" to the last write was the echo; this is the real reply.
		t.echoSeen = true
		note = "stale (late copy of the last request: the line echoes)"
	case isRTUFrame(stale):
		note = "stale"
	}
	t.lastMirror = nil
	t.tap.frame(RX, stale, now, now, note)
	return nil
}

// isRTUFrame reports whether b is one whole frame with a good CRC.
func isRTUFrame(b []byte) bool {
	_, _, err := DecodeRTU(b)
	return err == nil
}

// mirrorsRequest reports whether the normal reply to req is byte for byte
// the request, so an echo cannot be told from a reply by its bytes.
func mirrorsRequest(req PDU) bool {
	switch req.Function {
	case FuncWriteSingleCoil, FuncWriteSingleRegister:
		return true
	case FuncDiagnostics:
		return len(req.Data) >= 2 && u16(req.Data) == DiagReturnQueryData
	}
	return false
}

// lineErr wraps a line failure as a *TransportError unless it is one.
func lineErr(op string, err error) error {
	var te *TransportError
	if errors.As(err, &te) || errors.Is(err, ErrClosed) {
		return err
	}
	return &TransportError{Target: "RTU line", Op: op, Err: err}
}
