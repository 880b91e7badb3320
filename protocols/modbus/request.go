package modbus

import "fmt"

// Request builders for the client side. Each validates its arguments against
// the protocol's limits and returns a *FrameError-free PDU or a plain error
// that names the limit.

// ReadRequest builds a read of count items from address with function 1, 2, 3 or 4.
func ReadRequest(fc FunctionCode, address, count uint16) (PDU, error) {
	if !isReadFunction(fc) {
		return PDU{}, fmt.Errorf("function %02X is not a read function", byte(fc))
	}
	limit := MaxReadRegisters
	if isBitFunction(fc) {
		limit = MaxReadBits
	}
	if count == 0 || int(count) > limit {
		return PDU{}, fmt.Errorf("count %d out of range 1..%d for %s", count, limit, fc)
	}
	if int(address)+int(count) > 0x10000 {
		return PDU{}, fmt.Errorf("address %d + count %d runs past 65535", address, count)
	}
	return PDU{Function: fc, Data: put16(address, count)}, nil
}

// WriteSingleCoilRequest builds function 5.
func WriteSingleCoilRequest(address uint16, on bool) PDU {
	v := coilOff
	if on {
		v = coilOn
	}
	return PDU{Function: FuncWriteSingleCoil, Data: put16(address, v)}
}

// WriteSingleRegisterRequest builds function 6.
func WriteSingleRegisterRequest(address, value uint16) PDU {
	return PDU{Function: FuncWriteSingleRegister, Data: put16(address, value)}
}

// WriteMultipleCoilsRequest builds function 15.
func WriteMultipleCoilsRequest(address uint16, bits []bool) (PDU, error) {
	if len(bits) == 0 || len(bits) > MaxWriteBits {
		return PDU{}, fmt.Errorf("coil count %d out of range 1..%d", len(bits), MaxWriteBits)
	}
	if int(address)+len(bits) > 0x10000 {
		return PDU{}, fmt.Errorf("address %d + count %d runs past 65535", address, len(bits))
	}
	packed := packBits(bits)
	data := append(put16(address, uint16(len(bits))), byte(len(packed)))
	return PDU{Function: FuncWriteMultipleCoils, Data: append(data, packed...)}, nil
}

// WriteMultipleRegistersRequest builds function 16.
func WriteMultipleRegistersRequest(address uint16, values []uint16) (PDU, error) {
	if len(values) == 0 || len(values) > MaxWriteRegisters {
		return PDU{}, fmt.Errorf("register count %d out of range 1..%d", len(values), MaxWriteRegisters)
	}
	if int(address)+len(values) > 0x10000 {
		return PDU{}, fmt.Errorf("address %d + count %d runs past 65535", address, len(values))
	}
	data := append(put16(address, uint16(len(values))), byte(2*len(values)))
	return PDU{Function: FuncWriteMultipleRegisters, Data: append(data, put16(values...)...)}, nil
}

// ReadWriteMultipleRequest builds function 23: write values at writeAddress,
// then read readCount registers from readAddress, in one transaction.
func ReadWriteMultipleRequest(readAddress, readCount, writeAddress uint16, values []uint16) (PDU, error) {
	if readCount == 0 || readCount > MaxReadRegisters {
		return PDU{}, fmt.Errorf("read count %d out of range 1..%d", readCount, MaxReadRegisters)
	}
	if len(values) == 0 || len(values) > MaxRWWriteRegisters {
		return PDU{}, fmt.Errorf("write count %d out of range 1..%d", len(values), MaxRWWriteRegisters)
	}
	if int(readAddress)+int(readCount) > 0x10000 || int(writeAddress)+len(values) > 0x10000 {
		return PDU{}, fmt.Errorf("address range runs past 65535")
	}
	data := append(put16(readAddress, readCount, writeAddress, uint16(len(values))), byte(2*len(values)))
	return PDU{Function: FuncReadWriteMultipleRegisters, Data: append(data, put16(values...)...)}, nil
}

// EchoRequest builds function 8 sub-function 0 (return query data) with data to echo.
func EchoRequest(data []byte) (PDU, error) {
	if 3+len(data) > MaxPDUSize {
		return PDU{}, fmt.Errorf("echo data of %d bytes is too long", len(data))
	}
	return PDU{Function: FuncDiagnostics, Data: append(put16(DiagReturnQueryData), data...)}, nil
}

// ReportServerIDRequest builds function 17.
func ReportServerIDRequest() PDU { return PDU{Function: FuncReportServerID} }

// DeviceIDCode selects the category of a read device identification (43/14).
type DeviceIDCode byte

// Read device ID codes.
const (
	DeviceIDBasic    DeviceIDCode = 0x01 // objects 0x00-0x02 (mandatory)
	DeviceIDRegular  DeviceIDCode = 0x02 // objects 0x03-0x7F
	DeviceIDExtended DeviceIDCode = 0x03 // objects 0x80-0xFF
	DeviceIDSpecific DeviceIDCode = 0x04 // one object
)

// ReadDeviceIDRequest builds function 43 MEI 14 starting at objectID.
func ReadDeviceIDRequest(code DeviceIDCode, objectID byte) (PDU, error) {
	if code < DeviceIDBasic || code > DeviceIDSpecific {
		return PDU{}, fmt.Errorf("read device ID code %d out of range 1..4", code)
	}
	return PDU{Function: FuncEncapsulatedInterface, Data: []byte{MEITypeReadDeviceID, byte(code), objectID}}, nil
}
