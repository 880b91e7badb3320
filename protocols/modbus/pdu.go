package modbus

import (
	"encoding/binary"
	"fmt"
)

// PDU is a Modbus protocol data unit: a function code and its data, the part
// of a frame that is the same on every transport.
type PDU struct {
	Function FunctionCode
	Data     []byte
}

// Bytes returns the PDU as it goes on the wire: function code then data.
func (p PDU) Bytes() []byte {
	b := make([]byte, 1+len(p.Data))
	b[0] = byte(p.Function)
	copy(b[1:], p.Data)
	return b
}

// ParsePDU splits wire bytes into a PDU. The data is copied.
func ParsePDU(b []byte) (PDU, error) {
	if len(b) == 0 {
		return PDU{}, frameErr(b, "empty PDU")
	}
	if len(b) > MaxPDUSize {
		return PDU{}, frameErr(b[:8], "PDU of %d bytes exceeds the %d-byte limit", len(b), MaxPDUSize)
	}
	return PDU{Function: FunctionCode(b[0]), Data: append([]byte(nil), b[1:]...)}, nil
}

// String formats the PDU as hex, e.g. "03 00 00 00 0A".
func (p PDU) String() string { return fmt.Sprintf("% X", p.Bytes()) }

// ExceptionPDU builds an exception response to function fc.
func ExceptionPDU(fc FunctionCode, code ExceptionCode) PDU {
	return PDU{Function: fc.Base() | exceptionBit, Data: []byte{byte(code)}}
}

// AsException returns the exception carried by p, or nil if p is a normal response.
// A malformed exception PDU (no code byte) is reported as a *FrameError.
func (p PDU) AsException() error {
	if !p.Function.IsException() {
		return nil
	}
	if len(p.Data) != 1 {
		return frameErr(p.Bytes(), "exception response must carry exactly one code byte, has %d", len(p.Data))
	}
	return &ExceptionError{Function: p.Function.Base(), Code: ExceptionCode(p.Data[0])}
}

func u16(b []byte) uint16 { return binary.BigEndian.Uint16(b) }

func put16(vals ...uint16) []byte {
	b := make([]byte, 2*len(vals))
	for i, v := range vals {
		binary.BigEndian.PutUint16(b[2*i:], v)
	}
	return b
}

// packBits packs bools LSB first into bytes, as Modbus sends coils.
func packBits(bits []bool) []byte {
	b := make([]byte, (len(bits)+7)/8)
	for i, on := range bits {
		if on {
			b[i/8] |= 1 << (i % 8)
		}
	}
	return b
}

// unpackBits unpacks n bits LSB first.
func unpackBits(b []byte, n int) []bool {
	bits := make([]bool, n)
	for i := range bits {
		bits[i] = b[i/8]&(1<<(i%8)) != 0
	}
	return bits
}

// isReadFunction reports whether fc is one of the four read functions.
func isReadFunction(fc FunctionCode) bool {
	return fc >= FuncReadCoils && fc <= FuncReadInputRegisters
}

// isBitFunction reports whether fc reads or writes single bits.
func isBitFunction(fc FunctionCode) bool {
	return fc == FuncReadCoils || fc == FuncReadDiscreteInputs || fc == FuncWriteSingleCoil || fc == FuncWriteMultipleCoils
}
