package modbus

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// ErrTimeout is matched (errors.Is) by every *TimeoutError.
var ErrTimeout = errors.New("modbus: timeout")

// ErrBroadcastRead is returned when a read (or any request expecting a reply)
// is addressed to unit 0, which is broadcast: no device may answer it.
var ErrBroadcastRead = errors.New("modbus: unit 0 is broadcast; a request that needs a reply cannot go to it")

// ExceptionError is a Modbus exception response from a device or gateway.
type ExceptionError struct {
	Function FunctionCode  // the request's function code (exception bit cleared)
	Code     ExceptionCode // the exception code
}

// Error formats as "exception 02 illegal data address (read holding registers (03))".
func (e *ExceptionError) Error() string {
	return fmt.Sprintf("exception %s (%s)", e.Code, e.Function)
}

// Name returns the exception code's name.
func (e *ExceptionError) Name() string { return e.Code.Name() }

// TimeoutError means no complete reply arrived within the request's timeout.
type TimeoutError struct {
	Unit    byte
	Timeout time.Duration
	Partial []byte // bytes that did arrive (garbage or a truncated frame), if any
}

// Error formats as "unit 7 did not answer within 120 ms".
func (e *TimeoutError) Error() string {
	if len(e.Partial) > 0 {
		return fmt.Sprintf("unit %d did not answer within %s (%d stray bytes: % X)", e.Unit, Millis(e.Timeout), len(e.Partial), e.Partial)
	}
	return fmt.Sprintf("unit %d did not answer within %s", e.Unit, Millis(e.Timeout))
}

// Millis formats a duration in milliseconds the way technicians read it:
// "120 ms", "1.5 ms", "0.25 ms", rounded to the microsecond.
func Millis(d time.Duration) string {
	us := d.Round(time.Microsecond).Microseconds()
	return strconv.FormatFloat(float64(us)/1000, 'f', -1, 64) + " ms"
}

// Is makes errors.Is(err, ErrTimeout) true.
func (e *TimeoutError) Is(target error) bool { return target == ErrTimeout }

// CRCError is an RTU frame whose CRC-16 does not match its contents.
type CRCError struct {
	Frame []byte // the whole frame as received
	Got   uint16 // CRC carried by the frame
	Want  uint16 // CRC computed over the frame
}

// Error formats as "CRC error: frame carries 1234, computed 5678 (bytes ...)".
func (e *CRCError) Error() string {
	return fmt.Sprintf("CRC error: frame carries %04X, computed %04X (% X)", e.Got, e.Want, e.Frame)
}

// FrameError is a malformed or truncated frame or PDU.
type FrameError struct {
	Reason string // what is wrong, e.g. "byte count 6 does not match 4 registers"
	Bytes  []byte // the offending bytes
}

// Error formats as "malformed frame: REASON (bytes ...)".
func (e *FrameError) Error() string {
	if len(e.Bytes) == 0 {
		return "malformed frame: " + e.Reason
	}
	return fmt.Sprintf("malformed frame: %s (% X)", e.Reason, e.Bytes)
}

// UnexpectedUnitError is a reply from another unit than the one asked.
type UnexpectedUnitError struct {
	Want, Got byte
}

// Error formats as "reply from unit 3, expected unit 5".
func (e *UnexpectedUnitError) Error() string {
	return fmt.Sprintf("reply from unit %d, expected unit %d", e.Got, e.Want)
}

// UnexpectedFunctionError is a reply that carries another function code than the request.
type UnexpectedFunctionError struct {
	Want, Got FunctionCode
}

// Error formats as "reply has function 04, request had 03".
func (e *UnexpectedFunctionError) Error() string {
	return fmt.Sprintf("reply has function %02X, request had %02X", byte(e.Got), byte(e.Want))
}

// EchoError reports an RS-485 local echo: the request's own bytes came back
// on the receive line. Transports discard the echo and go on reading; this
// error surfaces when only the echo arrived.
type EchoError struct {
	Frame []byte
}

// Error formats as "only the local echo of the request came back (...)".
func (e *EchoError) Error() string {
	return fmt.Sprintf("only the RS-485 local echo of the request came back (% X)", e.Frame)
}

func frameErr(b []byte, format string, args ...any) *FrameError {
	return &FrameError{Reason: fmt.Sprintf(format, args...), Bytes: append([]byte(nil), b...)}
}
