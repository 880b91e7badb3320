package modbus

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Client makes Modbus requests over a Transport. Every method takes the unit
// to address, so one client serves a whole bus. It is safe for concurrent
// use: the transport sends one request at a time.
//
// Errors keep their types: a silent unit is a *TimeoutError ("unit 7 did not
// answer within 120ms", errors.Is(err, ErrTimeout)); an exception reply is an
// *ExceptionError ("exception 02 illegal data address (read holding
// registers (03))"); a reply that does not fit the request is a *FrameError
// or *UnexpectedFunctionError wrapped with the unit; line and connection
// failures are *TransportError; a read from unit 0 is ErrBroadcastRead on
// serial transports. A write to unit 0 on a serial transport is a broadcast
// and returns nil once sent.
type Client struct {
	tr      Transport
	timeout time.Duration
}

// NewClient returns a client over tr whose requests time out after timeout
// (DefaultTimeout if 0).
func NewClient(tr Transport, timeout time.Duration) *Client {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &Client{tr: tr, timeout: timeout}
}

// WithTimeout returns a client sharing c's transport whose requests time out
// after d: the way to give one request, or one scan pass, its own timeout.
// Closing either client closes the shared transport.
func (c *Client) WithTimeout(d time.Duration) *Client {
	if d <= 0 {
		d = DefaultTimeout
	}
	return &Client{tr: c.tr, timeout: d}
}

// Timeout returns the client's reply timeout.
func (c *Client) Timeout() time.Duration { return c.timeout }

// Transport returns the client's transport.
func (c *Client) Transport() Transport { return c.tr }

// SetTap sets the transport's frame tap (nil turns it off).
func (c *Client) SetTap(tap Tap) { c.tr.SetTap(tap) }

// Close closes the transport.
func (c *Client) Close() error { return c.tr.Close() }

// Do sends a raw request PDU and returns the reply PDU. An exception reply
// is returned both as the PDU and as an *ExceptionError.
func (c *Client) Do(ctx context.Context, unit byte, req PDU) (PDU, error) {
	resp, err := c.roundTrip(ctx, unit, req)
	if err != nil {
		return resp, err
	}
	if exc := resp.AsException(); exc != nil {
		return resp, replyErr(unit, exc)
	}
	return resp, nil
}

// roundTrip sends req with the client's timeout.
func (c *Client) roundTrip(ctx context.Context, unit byte, req PDU) (PDU, error) {
	return c.tr.RoundTrip(WithRequestTimeout(ctx, c.timeout), unit, req)
}

// replyErr adds the unit to errors about a reply's contents; exceptions and
// transport errors, which already say what the CLI shows, pass unchanged.
func replyErr(unit byte, err error) error {
	var exc *ExceptionError
	var fe *FrameError
	var ufe *UnexpectedFunctionError
	if errors.As(err, &exc) || !(errors.As(err, &fe) || errors.As(err, &ufe)) {
		return err
	}
	return fmt.Errorf("reply from unit %d: %w", unit, err)
}

// readBits runs a function 1 or 2 read.
func (c *Client) readBits(ctx context.Context, unit byte, fc FunctionCode, address, count uint16) ([]bool, error) {
	req, err := ReadRequest(fc, address, count)
	if err != nil {
		return nil, err
	}
	resp, err := c.roundTrip(ctx, unit, req)
	if err != nil {
		return nil, err
	}
	bits, err := ParseBits(req, resp)
	return bits, replyErrOrNil(unit, err)
}

// readRegisters runs a function 3, 4 or 23 request.
func (c *Client) readRegisters(ctx context.Context, unit byte, req PDU) ([]uint16, error) {
	resp, err := c.roundTrip(ctx, unit, req)
	if err != nil {
		return nil, err
	}
	regs, err := ParseRegisters(req, resp)
	return regs, replyErrOrNil(unit, err)
}

// write runs a function 5, 6, 15 or 16 request; a broadcast has no reply to check.
func (c *Client) write(ctx context.Context, unit byte, req PDU) error {
	resp, err := c.roundTrip(ctx, unit, req)
	if err != nil {
		return err
	}
	if unit == 0 && resp.Function == 0 {
		return nil // broadcast: sent, no reply by design
	}
	return replyErrOrNil(unit, ParseWrite(req, resp))
}

func replyErrOrNil(unit byte, err error) error {
	if err == nil {
		return nil
	}
	return replyErr(unit, err)
}

// ReadCoils reads count coils from address (function 1).
func (c *Client) ReadCoils(ctx context.Context, unit byte, address, count uint16) ([]bool, error) {
	return c.readBits(ctx, unit, FuncReadCoils, address, count)
}

// ReadDiscreteInputs reads count discrete inputs from address (function 2).
func (c *Client) ReadDiscreteInputs(ctx context.Context, unit byte, address, count uint16) ([]bool, error) {
	return c.readBits(ctx, unit, FuncReadDiscreteInputs, address, count)
}

// ReadHoldingRegisters reads count holding registers from address (function 3).
func (c *Client) ReadHoldingRegisters(ctx context.Context, unit byte, address, count uint16) ([]uint16, error) {
	req, err := ReadRequest(FuncReadHoldingRegisters, address, count)
	if err != nil {
		return nil, err
	}
	return c.readRegisters(ctx, unit, req)
}

// ReadInputRegisters reads count input registers from address (function 4).
func (c *Client) ReadInputRegisters(ctx context.Context, unit byte, address, count uint16) ([]uint16, error) {
	req, err := ReadRequest(FuncReadInputRegisters, address, count)
	if err != nil {
		return nil, err
	}
	return c.readRegisters(ctx, unit, req)
}

// ReadWriteMultipleRegisters writes values at writeAddress, then reads
// readCount registers from readAddress, in one transaction (function 23).
func (c *Client) ReadWriteMultipleRegisters(ctx context.Context, unit byte, readAddress, readCount, writeAddress uint16, values []uint16) ([]uint16, error) {
	req, err := ReadWriteMultipleRequest(readAddress, readCount, writeAddress, values)
	if err != nil {
		return nil, err
	}
	return c.readRegisters(ctx, unit, req)
}

// WriteSingleCoil sets or clears one coil (function 5).
func (c *Client) WriteSingleCoil(ctx context.Context, unit byte, address uint16, on bool) error {
	return c.write(ctx, unit, WriteSingleCoilRequest(address, on))
}

// WriteSingleRegister writes one holding register (function 6).
func (c *Client) WriteSingleRegister(ctx context.Context, unit byte, address, value uint16) error {
	return c.write(ctx, unit, WriteSingleRegisterRequest(address, value))
}

// WriteMultipleCoils writes consecutive coils from address (function 15).
func (c *Client) WriteMultipleCoils(ctx context.Context, unit byte, address uint16, bits []bool) error {
	req, err := WriteMultipleCoilsRequest(address, bits)
	if err != nil {
		return err
	}
	return c.write(ctx, unit, req)
}

// WriteMultipleRegisters writes consecutive holding registers from address (function 16).
func (c *Client) WriteMultipleRegisters(ctx context.Context, unit byte, address uint16, values []uint16) error {
	req, err := WriteMultipleRegistersRequest(address, values)
	if err != nil {
		return err
	}
	return c.write(ctx, unit, req)
}

// Echo sends data with diagnostics sub-function 0 (function 8) and checks
// that the unit returns it unchanged: a liveness test that touches no data.
func (c *Client) Echo(ctx context.Context, unit byte, data []byte) error {
	req, err := EchoRequest(data)
	if err != nil {
		return err
	}
	resp, err := c.roundTrip(ctx, unit, req)
	if err != nil {
		return err
	}
	return replyErrOrNil(unit, ParseEcho(req, resp))
}

// ReportServerID asks the unit for its server ID and run indicator (function 17).
func (c *Client) ReportServerID(ctx context.Context, unit byte) (ServerID, error) {
	req := ReportServerIDRequest()
	resp, err := c.roundTrip(ctx, unit, req)
	if err != nil {
		return ServerID{}, err
	}
	id, err := ParseServerID(req, resp)
	return id, replyErrOrNil(unit, err)
}
