package modbus

// Server side: parse a request PDU into a Request and build the replies.
// The simulator and any test peer use these, so client and server share one
// reading of the specification.

// Request is a decoded request PDU. Which fields are set depends on Function.
type Request struct {
	Function     FunctionCode
	Address      uint16   // first item read (1-4, 23) or written (5, 6, 15, 16)
	Count        uint16   // items read (1-4, 23) or written (15, 16)
	WriteAddress uint16   // function 23: first register written
	Values       []uint16 // registers written (6: one, 16, 23)
	Bits         []bool   // coils written (5: one, 15)
	SubFunction  uint16   // function 8
	EchoData     []byte   // function 8: data after the sub-function
	DeviceIDCode DeviceIDCode
	ObjectID     byte
}

// ParseRequest decodes a request PDU. An error is an *ExceptionError whose
// code the server should answer with (01 for an unsupported function or MEI
// type, 03 for a malformed or out-of-range request), so a server can reply
// ExceptionPDU(req.Function, err.Code).
func ParseRequest(p PDU) (Request, error) {
	r := Request{Function: p.Function}
	d := p.Data
	bad := &ExceptionError{Function: p.Function, Code: ExIllegalDataValue}
	switch p.Function {
	case FuncReadCoils, FuncReadDiscreteInputs, FuncReadHoldingRegisters, FuncReadInputRegisters:
		if len(d) != 4 {
			return r, bad
		}
		r.Address, r.Count = u16(d), u16(d[2:])
		limit := MaxReadRegisters
		if isBitFunction(p.Function) {
			limit = MaxReadBits
		}
		if r.Count == 0 || int(r.Count) > limit {
			return r, bad
		}
	case FuncWriteSingleCoil:
		if len(d) != 4 || (u16(d[2:]) != coilOn && u16(d[2:]) != coilOff) {
			return r, bad
		}
		r.Address, r.Count, r.Bits = u16(d), 1, []bool{u16(d[2:]) == coilOn}
	case FuncWriteSingleRegister:
		if len(d) != 4 {
			return r, bad
		}
		r.Address, r.Count, r.Values = u16(d), 1, []uint16{u16(d[2:])}
	case FuncWriteMultipleCoils:
		if len(d) < 5 {
			return r, bad
		}
		r.Address, r.Count = u16(d), u16(d[2:])
		n := int(d[4])
		if r.Count == 0 || r.Count > MaxWriteBits || n != (int(r.Count)+7)/8 || len(d) != 5+n {
			return r, bad
		}
		r.Bits = unpackBits(d[5:], int(r.Count))
	case FuncWriteMultipleRegisters:
		if len(d) < 5 {
			return r, bad
		}
		r.Address, r.Count = u16(d), u16(d[2:])
		n := int(d[4])
		if r.Count == 0 || r.Count > MaxWriteRegisters || n != 2*int(r.Count) || len(d) != 5+n {
			return r, bad
		}
		r.Values = regsOf(d[5:])
	case FuncReadWriteMultipleRegisters:
		if len(d) < 9 {
			return r, bad
		}
		r.Address, r.Count, r.WriteAddress = u16(d), u16(d[2:]), u16(d[4:])
		wc, n := int(u16(d[6:])), int(d[8])
		if r.Count == 0 || r.Count > MaxReadRegisters || wc == 0 || wc > MaxRWWriteRegisters || n != 2*wc || len(d) != 9+n {
			return r, bad
		}
		r.Values = regsOf(d[9:])
	case FuncDiagnostics:
		if len(d) < 2 {
			return r, bad
		}
		r.SubFunction, r.EchoData = u16(d), append([]byte(nil), d[2:]...)
		if r.SubFunction != DiagReturnQueryData {
			return r, &ExceptionError{Function: p.Function, Code: ExIllegalFunction}
		}
	case FuncReportServerID:
		if len(d) != 0 {
			return r, bad
		}
	case FuncEncapsulatedInterface:
		if len(d) < 1 || d[0] != MEITypeReadDeviceID {
			return r, &ExceptionError{Function: p.Function, Code: ExIllegalFunction}
		}
		if len(d) != 3 || d[1] < byte(DeviceIDBasic) || d[1] > byte(DeviceIDSpecific) {
			return r, bad
		}
		r.DeviceIDCode, r.ObjectID = DeviceIDCode(d[1]), d[2]
	default:
		return r, &ExceptionError{Function: p.Function.Base(), Code: ExIllegalFunction}
	}
	return r, nil
}

func regsOf(b []byte) []uint16 {
	v := make([]uint16, len(b)/2)
	for i := range v {
		v[i] = u16(b[2*i:])
	}
	return v
}

// BitsResponse builds the reply to a function 1 or 2 request.
func BitsResponse(fc FunctionCode, bits []bool) PDU {
	packed := packBits(bits)
	return PDU{Function: fc, Data: append([]byte{byte(len(packed))}, packed...)}
}

// RegistersResponse builds the reply to a function 3, 4 or 23 request.
func RegistersResponse(fc FunctionCode, regs []uint16) PDU {
	return PDU{Function: fc, Data: append([]byte{byte(2 * len(regs))}, put16(regs...)...)}
}

// WriteResponse builds the reply to a function 5, 6, 15 or 16 request.
func WriteResponse(r Request) PDU {
	switch r.Function {
	case FuncWriteSingleCoil:
		v := coilOff
		if len(r.Bits) == 1 && r.Bits[0] {
			v = coilOn
		}
		return PDU{Function: r.Function, Data: put16(r.Address, v)}
	case FuncWriteSingleRegister:
		var v uint16
		if len(r.Values) == 1 {
			v = r.Values[0]
		}
		return PDU{Function: r.Function, Data: put16(r.Address, v)}
	}
	return PDU{Function: r.Function, Data: put16(r.Address, r.Count)}
}

// EchoResponse builds the reply to a function 8 sub-function 0 request.
func EchoResponse(r Request) PDU {
	return PDU{Function: FuncDiagnostics, Data: append(put16(r.SubFunction), r.EchoData...)}
}

// ServerIDResponse builds the reply to a function 17 request carrying raw
// (server ID, run indicator, additional data).
func ServerIDResponse(raw []byte) PDU {
	if len(raw) > MaxPDUSize-2 {
		raw = raw[:MaxPDUSize-2]
	}
	return PDU{Function: FuncReportServerID, Data: append([]byte{byte(len(raw))}, raw...)}
}
