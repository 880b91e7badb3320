package modbus

import (
	"bytes"
	"fmt"
)

// Response parsers for the client side. Each takes the request it answers,
// so a reply that does not fit the question (wrong function, wrong count,
// wrong echo) is an error, never a silently wrong value.

// CheckResponse returns the exception carried by resp as an *ExceptionError,
// an *UnexpectedFunctionError if resp answers another function, or nil.
func CheckResponse(req, resp PDU) error {
	if resp.Function.IsException() {
		if resp.Function.Base() != req.Function {
			return &UnexpectedFunctionError{Want: req.Function, Got: resp.Function}
		}
		return resp.AsException()
	}
	if resp.Function != req.Function {
		return &UnexpectedFunctionError{Want: req.Function, Got: resp.Function}
	}
	return nil
}

// ParseBits decodes the reply to a function 1 or 2 request.
func ParseBits(req, resp PDU) ([]bool, error) {
	if err := CheckResponse(req, resp); err != nil {
		return nil, err
	}
	if req.Function != FuncReadCoils && req.Function != FuncReadDiscreteInputs {
		return nil, fmt.Errorf("%s is not a read of coils or discrete inputs", req.Function)
	}
	if len(req.Data) < 4 {
		return nil, frameErr(req.Bytes(), "request too short")
	}
	count := int(u16(req.Data[2:]))
	want := (count + 7) / 8
	if len(resp.Data) < 1 || int(resp.Data[0]) != want || len(resp.Data) != 1+want {
		return nil, frameErr(resp.Bytes(), "reply to a read of %d bits must carry %d data bytes", count, want)
	}
	return unpackBits(resp.Data[1:], count), nil
}

// ParseRegisters decodes the reply to a function 3, 4 or 23 request.
func ParseRegisters(req, resp PDU) ([]uint16, error) {
	if err := CheckResponse(req, resp); err != nil {
		return nil, err
	}
	switch req.Function {
	case FuncReadHoldingRegisters, FuncReadInputRegisters, FuncReadWriteMultipleRegisters:
	default:
		return nil, fmt.Errorf("%s is not a read of registers", req.Function)
	}
	if len(req.Data) < 4 {
		return nil, frameErr(req.Bytes(), "request too short")
	}
	count := int(u16(req.Data[2:])) // the read count, for 23 too
	if len(resp.Data) < 1 || int(resp.Data[0]) != 2*count || len(resp.Data) != 1+2*count {
		return nil, frameErr(resp.Bytes(), "reply to a read of %d registers must carry %d data bytes", count, 2*count)
	}
	regs := make([]uint16, count)
	for i := range regs {
		regs[i] = u16(resp.Data[1+2*i:])
	}
	return regs, nil
}

// ParseWrite checks the reply to a function 5, 6, 15 or 16 request: 5 and 6
// echo the request; 15 and 16 echo its address and count.
func ParseWrite(req, resp PDU) error {
	if err := CheckResponse(req, resp); err != nil {
		return err
	}
	switch req.Function {
	case FuncWriteSingleCoil, FuncWriteSingleRegister:
		if len(req.Data) != 4 || !bytes.Equal(req.Data, resp.Data) {
			return frameErr(resp.Bytes(), "write reply does not echo the request (% X)", req.Data)
		}
	case FuncWriteMultipleCoils, FuncWriteMultipleRegisters:
		if len(req.Data) < 4 || len(resp.Data) != 4 || !bytes.Equal(req.Data[:4], resp.Data) {
			return frameErr(resp.Bytes(), "write reply does not repeat address and count (% X)", req.Data[:min(4, len(req.Data))])
		}
	default:
		return fmt.Errorf("%s is not a write function", req.Function)
	}
	return nil
}

// ParseEcho checks the reply to a function 8 sub-function 0 request: it must
// repeat the request byte for byte.
func ParseEcho(req, resp PDU) error {
	if err := CheckResponse(req, resp); err != nil {
		return err
	}
	if req.Function != FuncDiagnostics {
		return fmt.Errorf("%s is not diagnostics", req.Function)
	}
	if len(req.Data) < 2 {
		return frameErr(req.Bytes(), "diagnostics request without a sub-function")
	}
	if !bytes.Equal(req.Data, resp.Data) {
		return frameErr(resp.Bytes(), "diagnostic echo differs from the request (% X)", req.Data)
	}
	return nil
}

// ServerID is the reply to function 17 (report server ID). Its layout after
// the byte count is device specific: typically an ID, a run indicator
// (0x00 off, 0xFF on) and additional data; Raw holds it all.
type ServerID struct {
	Raw []byte
}

// RunIndicator returns the run indicator status: the byte after the first ID
// byte when it is 0x00 or 0xFF, else the last byte when that is, as some
// devices put a multi-byte ID first. ok is false when no such byte exists.
func (s ServerID) RunIndicator() (running, ok bool) {
	if len(s.Raw) >= 2 && (s.Raw[1] == 0x00 || s.Raw[1] == 0xFF) {
		return s.Raw[1] == 0xFF, true
	}
	if n := len(s.Raw); n >= 2 && (s.Raw[n-1] == 0x00 || s.Raw[n-1] == 0xFF) {
		return s.Raw[n-1] == 0xFF, true
	}
	return false, false
}

// Text returns the printable ASCII runs of Raw joined by spaces, the part a
// technician can read (vendors often put a model string there).
func (s ServerID) Text() string {
	var out, run []byte
	flush := func() {
		if len(run) >= 3 {
			if len(out) > 0 {
				out = append(out, ' ')
			}
			out = append(out, run...)
		}
		run = run[:0]
	}
	for _, c := range s.Raw {
		if c >= 0x20 && c < 0x7F {
			run = append(run, c)
			continue
		}
		flush()
	}
	flush()
	return string(out)
}

// ParseServerID decodes the reply to a function 17 request.
func ParseServerID(req, resp PDU) (ServerID, error) {
	if err := CheckResponse(req, resp); err != nil {
		return ServerID{}, err
	}
	if req.Function != FuncReportServerID {
		return ServerID{}, fmt.Errorf("%s is not report server ID", req.Function)
	}
	if len(resp.Data) < 1 || int(resp.Data[0]) != len(resp.Data)-1 {
		return ServerID{}, frameErr(resp.Bytes(), "report server ID byte count does not match its data")
	}
	return ServerID{Raw: append([]byte(nil), resp.Data[1:]...)}, nil
}
