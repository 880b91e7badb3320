package modbus

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Transport carries one request PDU to a unit and brings back its reply.
//
// Implementations (RTUTransport, TCPTransport) are safe for concurrent use:
// they send one request at a time. The reply's timeout is the request
// timeout carried by ctx (WithRequestTimeout), or the transport's default,
// or ctx's deadline if that is sooner; when it passes RoundTrip returns a
// *TimeoutError (errors.Is(err, ErrTimeout)). When ctx is cancelled it
// returns ctx.Err(). An exception reply is a reply: it comes back as a PDU
// with the exception bit set and a nil error (Client turns it into an
// *ExceptionError).
//
// A broadcast (unit 0 on a serial line) gets no reply: RoundTrip returns the
// zero PDU (Function 0) and a nil error once the line is free again.
type Transport interface {
	RoundTrip(ctx context.Context, unit byte, req PDU) (PDU, error)
	// SetTap sets the function that sees every frame sent and received;
	// nil turns tapping off.
	SetTap(tap Tap)
	// Close releases the line or connection. RoundTrip fails after Close.
	Close() error
}

// Default timings used when a configuration leaves them zero.
const (
	DefaultTimeout        = time.Second            // reply timeout per request
	DefaultConnectTimeout = 3 * time.Second        // TCP connect (and TLS handshake)
	DefaultTurnaround     = 100 * time.Millisecond // pause after a serial broadcast
	// DefaultNetFrameGap ends an RTU frame of unknown length on a line with no
	// baud rate of its own (RTU over TCP): network jitter dwarfs t3.5.
	DefaultNetFrameGap = 5 * time.Millisecond
)

// ErrClosed is returned by a transport or line used after Close.
var ErrClosed = errors.New("modbus: transport closed")

// requestTimeoutKey is the context key of WithRequestTimeout.
type requestTimeoutKey struct{}

// WithRequestTimeout returns a context that asks transports to wait d for
// the reply to each request made with it, instead of their default. The
// context's own deadline, if sooner, still wins. d <= 0 is ignored.
func WithRequestTimeout(ctx context.Context, d time.Duration) context.Context {
	if d <= 0 {
		return ctx
	}
	return context.WithValue(ctx, requestTimeoutKey{}, d)
}

// RequestTimeout returns the timeout set by WithRequestTimeout, if any.
func RequestTimeout(ctx context.Context) (time.Duration, bool) {
	d, ok := ctx.Value(requestTimeoutKey{}).(time.Duration)
	return d, ok
}

// TransportError is a failure of the line or connection itself (open,
// connect, read, write), as opposed to a bad or missing reply. It formats as
// "serial port /dev/ttyUSB0: open: no such file or directory" or
// "tcp 10.0.0.5:502: connect: connection refused".
type TransportError struct {
	Target string // "serial port /dev/ttyUSB0", "tcp 10.0.0.5:502", ...
	Op     string // "open", "connect", "read", "write", ...
	Err    error
}

// Error formats as "TARGET: OP: ERR".
func (e *TransportError) Error() string { return fmt.Sprintf("%s: %s: %v", e.Target, e.Op, e.Err) }

// Unwrap returns the underlying error.
func (e *TransportError) Unwrap() error { return e.Err }

// EchoMode says how an RTU transport treats RS-485 local echo (its own
// request coming back on the receive line before the reply).
type EchoMode int

// Echo modes.
const (
	// EchoAuto discards a leading exact copy of the request. For requests
	// whose normal reply is byte-for-byte the request (functions 5, 6 and
	// 8/00) a single copy is taken as the echo only once an echo has been
	// seen on this line; until then it is taken as the reply.
	EchoAuto EchoMode = iota
	// EchoOn: the line always echoes; the first copy is always discarded.
	EchoOn
	// EchoOff: the line never echoes; nothing is discarded.
	EchoOff
)

// String returns "auto", "on" or "off".
func (m EchoMode) String() string {
	switch m {
	case EchoOn:
		return "on"
	case EchoOff:
		return "off"
	}
	return "auto"
}

// reqTiming is the timeout of one request: the duration reported in a
// *TimeoutError and the absolute deadline computed from it once the request
// has been sent.
type reqTiming struct {
	timeout     time.Duration
	ctxDeadline time.Time // zero when ctx has none
}

// timingFor resolves the request timeout from ctx and a transport default.
func timingFor(ctx context.Context, def time.Duration) reqTiming {
	d := def
	if v, ok := RequestTimeout(ctx); ok {
		d = v
	}
	if d <= 0 {
		d = DefaultTimeout
	}
	rt := reqTiming{timeout: d}
	if dl, ok := ctx.Deadline(); ok {
		rt.ctxDeadline = dl
		if left := time.Until(dl); left < d {
			rt.timeout = max(left.Round(time.Millisecond), 0)
		}
	}
	return rt
}

// deadline returns the reply deadline for a request whose last byte left at sent.
func (rt reqTiming) deadline(sent time.Time) time.Time {
	dl := sent.Add(rt.timeout)
	if !rt.ctxDeadline.IsZero() && rt.ctxDeadline.Before(dl) {
		dl = rt.ctxDeadline
	}
	return dl
}

// ctxErr returns nil while ctx is live, ctx.Err() when it was cancelled, and
// a *TimeoutError when its deadline passed (the request's timeout expired).
func ctxErr(ctx context.Context, unit byte, rt reqTiming, partial []byte) error {
	err := ctx.Err()
	if err == nil {
		return nil
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &TimeoutError{Unit: unit, Timeout: rt.timeout, Partial: clone(partial)}
	}
	return err
}

// echoTimeoutError is a timeout where the only thing that came back was the
// RS-485 echo of the request. It matches ErrTimeout, *TimeoutError and
// *EchoError, so a scanner counts the unit as silent and a diagnosis can
// still tell that the adapter echoes.
type echoTimeoutError struct {
	timeout *TimeoutError
	echo    *EchoError
}

// Error formats as "unit 7 did not answer within 120ms (only the RS-485 local echo came back)".
func (e *echoTimeoutError) Error() string {
	return e.timeout.Error() + " (only the RS-485 local echo of the request came back)"
}

// Unwrap returns the *TimeoutError and the *EchoError.
func (e *echoTimeoutError) Unwrap() []error { return []error{e.timeout, e.echo} }

// needsReply reports whether a request may not be broadcast: everything but
// the four write functions needs a reply.
func needsReply(fc FunctionCode) bool {
	switch fc {
	case FuncWriteSingleCoil, FuncWriteSingleRegister, FuncWriteMultipleCoils, FuncWriteMultipleRegisters:
		return false
	}
	return true
}

// tapper sends frames to a Tap when one is set.
type tapper struct{ tap Tap }

func (t tapper) frame(dir Direction, b []byte, start, end time.Time, note string) {
	if t.tap == nil || len(b) == 0 {
		return
	}
	t.tap(TapFrame{Dir: dir, Bytes: clone(b), Start: start, End: end, Note: note})
}

func clone(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return append([]byte(nil), b...)
}

// startRequest checks a request before a transport takes its line: the PDU
// fits the protocol's limit and ctx is still live. It returns the request's
// timing (def is the transport's default timeout).
func startRequest(ctx context.Context, req PDU, def time.Duration) (reqTiming, error) {
	if 1+len(req.Data) > MaxPDUSize {
		return reqTiming{}, frameErr(req.Bytes()[:8], "request PDU of %d bytes exceeds the %d-byte limit", 1+len(req.Data), MaxPDUSize)
	}
	if err := ctx.Err(); err != nil {
		return reqTiming{}, err
	}
	return timingFor(ctx, def), nil
}
