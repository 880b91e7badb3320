package modbus

import "fmt"

// FunctionCode is a Modbus function code.
type FunctionCode byte

// The function codes busprobe speaks.
const (
	FuncReadCoils                  FunctionCode = 0x01
	FuncReadDiscreteInputs         FunctionCode = 0x02
	FuncReadHoldingRegisters       FunctionCode = 0x03
	FuncReadInputRegisters         FunctionCode = 0x04
	FuncWriteSingleCoil            FunctionCode = 0x05
	FuncWriteSingleRegister        FunctionCode = 0x06
	FuncDiagnostics                FunctionCode = 0x08
	FuncWriteMultipleCoils         FunctionCode = 0x0F
	FuncWriteMultipleRegisters     FunctionCode = 0x10
	FuncReportServerID             FunctionCode = 0x11
	FuncReadWriteMultipleRegisters FunctionCode = 0x17
	FuncEncapsulatedInterface      FunctionCode = 0x2B
)

// MEITypeReadDeviceID is the MEI type of function 43 that reads device identification.
const MEITypeReadDeviceID byte = 0x0E

// DiagReturnQueryData is the diagnostics (function 8) sub-function that echoes its data.
const DiagReturnQueryData uint16 = 0x0000

// Protocol limits from the Modbus application protocol specification v1.1b3.
const (
	MaxReadBits                = 2000
	MaxReadRegisters           = 125
	MaxWriteBits               = 1968
	MaxWriteRegisters          = 123
	MaxRWWriteRegisters        = 121
	MaxPDUSize                 = 253
	exceptionBit               = 0x80
	coilOn              uint16 = 0xFF00
	coilOff             uint16 = 0x0000
)

// IsException reports whether fc is an exception response (high bit set).
func (fc FunctionCode) IsException() bool { return fc&exceptionBit != 0 }

// Base returns the function code with the exception bit cleared.
func (fc FunctionCode) Base() FunctionCode { return fc &^ exceptionBit }

// String names the function code, e.g. "read holding registers (03)".
func (fc FunctionCode) String() string {
	name, _ := functionName(fc.Base())
	if fc.IsException() {
		return fmt.Sprintf("%s exception (%02X)", name, byte(fc))
	}
	return fmt.Sprintf("%s (%02X)", name, byte(fc))
}

func functionName(fc FunctionCode) (string, bool) {
	switch fc {
	case FuncReadCoils:
		return "read coils", true
	case FuncReadDiscreteInputs:
		return "read discrete inputs", true
	case FuncReadHoldingRegisters:
		return "read holding registers", true
	case FuncReadInputRegisters:
		return "read input registers", true
	case FuncWriteSingleCoil:
		return "write single coil", true
	case FuncWriteSingleRegister:
		return "write single register", true
	case FuncDiagnostics:
		return "diagnostics", true
	case FuncWriteMultipleCoils:
		return "write multiple coils", true
	case FuncWriteMultipleRegisters:
		return "write multiple registers", true
	case FuncReportServerID:
		return "report server ID", true
	case FuncReadWriteMultipleRegisters:
		return "read/write multiple registers", true
	case FuncEncapsulatedInterface:
		return "encapsulated interface", true
	}
	return "function", false
}

// ExceptionCode is the one-byte code of a Modbus exception response.
type ExceptionCode byte

// Exception codes from the Modbus specification.
const (
	ExIllegalFunction         ExceptionCode = 0x01
	ExIllegalDataAddress      ExceptionCode = 0x02
	ExIllegalDataValue        ExceptionCode = 0x03
	ExServerDeviceFailure     ExceptionCode = 0x04
	ExAcknowledge             ExceptionCode = 0x05
	ExServerDeviceBusy        ExceptionCode = 0x06
	ExNegativeAcknowledge     ExceptionCode = 0x07
	ExMemoryParityError       ExceptionCode = 0x08
	ExGatewayPathUnavailable  ExceptionCode = 0x0A
	ExGatewayTargetNoResponse ExceptionCode = 0x0B
)

// Name returns the specification's name of the code in lower case, e.g.
// "illegal data address", or "unknown exception" for codes it does not define.
func (c ExceptionCode) Name() string {
	switch c {
	case ExIllegalFunction:
		return "illegal function"
	case ExIllegalDataAddress:
		return "illegal data address"
	case ExIllegalDataValue:
		return "illegal data value"
	case ExServerDeviceFailure:
		return "server device failure"
	case ExAcknowledge:
		return "acknowledge"
	case ExServerDeviceBusy:
		return "server device busy"
	case ExNegativeAcknowledge:
		return "negative acknowledge"
	case ExMemoryParityError:
		return "memory parity error"
	case ExGatewayPathUnavailable:
		return "gateway path unavailable"
	case ExGatewayTargetNoResponse:
		return "gateway target device failed to respond"
	}
	return "unknown exception"
}

// String formats the code as "02 illegal data address".
func (c ExceptionCode) String() string { return fmt.Sprintf("%02X %s", byte(c), c.Name()) }

// IsGateway reports whether the code is one of the gateway codes (0x0A, 0x0B):
// the gateway is alive but the target unit is not reachable.
func (c ExceptionCode) IsGateway() bool {
	return c == ExGatewayPathUnavailable || c == ExGatewayTargetNoResponse
}
