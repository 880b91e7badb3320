package modbus

import (
	"fmt"
	"strings"
)

// Framing says how frames are delimited on a wire: what Describe and the
// traffic pairer expect in front of and behind a PDU.
type Framing int

// Framings.
const (
	FramingRTU  Framing = iota // [unit][PDU][CRC lo][CRC hi] (serial lines, RTU over TCP)
	FramingMBAP                // [MBAP header: tid, protocol, length, unit][PDU] (Modbus/TCP)
)

// String returns "rtu" or "mbap".
func (f Framing) String() string {
	if f == FramingMBAP {
		return "mbap"
	}
	return "rtu"
}

// FramingOf returns the framing a target scheme speaks: MBAP for tcp and
// tcp+tls, RTU for rtu and rtuovertcp.
func FramingOf(scheme string) Framing {
	if scheme == SchemeTCP || scheme == SchemeTCPTLS {
		return FramingMBAP
	}
	return FramingRTU
}

// Limits of what Describe spells out, so a line stays readable.
const (
	describeMaxRegs    = 8  // register values shown before "…"
	describeMaxBits    = 32 // bits shown before "…"
	describeMaxBytes   = 8  // raw bytes shown before "…"
	describeMaxObjects = 4  // device identification objects shown
	describeMaxText    = 24 // characters of one text value shown
)

// Describe explains one frame in the words a technician reads, on one line:
//
//	unit 3 read holding 0..3 (40001×4)
//	unit 3 reply 4 registers: 0x0900 0x090A 0x0000 0x0001
//	unit 3 exception 02 illegal data address (read holding registers)
//	unit 1 write single register 9 (40010) = 42 (0x002A)
//	tid 12 unit 1 read input 0 (30001)
//	CRC error (9 bytes; as sent: unit 3 read holding registers)
//	garbage (3 bytes)
//
// dir says which way the frame went: TX for a request (master to device),
// RX for a reply. req is the request the reply answers, when known; with it
// a reply of bits is cut to the count asked for and a reply to another
// function is pointed out. Addresses are shown 0-based as on the wire, then
// in the 1-based 0xxxx/1xxxx/3xxxx/4xxxx notation of device manuals (six
// digits past 9999). Unit 0 on RTU is shown as "broadcast". Describe never
// fails: whatever the bytes are, it says what it can see.
func Describe(dir Direction, frame []byte, framing Framing, req *PDU) string {
	if framing == FramingMBAP {
		return describeMBAP(dir, frame, req)
	}
	if len(frame) < 4 {
		return garbage(frame)
	}
	n := len(frame)
	if got, want := uint16(frame[n-2])|uint16(frame[n-1])<<8, CRC16(frame[:n-2]); got != want {
		return fmt.Sprintf("CRC error (%d bytes; as sent: %s)", n, whoAndFunction(frame[0], frame[1], true))
	}
	if n-3 > MaxPDUSize {
		return fmt.Sprintf("%s: %d-byte PDU exceeds the %d-byte limit", who(frame[0], true), n-3, MaxPDUSize)
	}
	return describePDU(dir, frame[0], frame[1:n-2], req, true)
}

// describeMBAP is Describe for a Modbus/TCP frame.
func describeMBAP(dir Direction, frame []byte, req *PDU) string {
	h, err := DecodeMBAPHeader(frame)
	if err != nil {
		if fe, ok := err.(*FrameError); ok && len(frame) >= MBAPHeaderLen {
			return fmt.Sprintf("%s: %s", garbage(frame), fe.Reason)
		}
		return garbage(frame)
	}
	prefix := fmt.Sprintf("tid %d ", h.Transaction)
	if want := 6 + int(h.Length); len(frame) != want {
		return fmt.Sprintf("%s%s: frame is %d bytes, its header says %d", prefix, who(h.Unit, false), len(frame), want)
	}
	return prefix + describePDU(dir, h.Unit, frame[MBAPHeaderLen:], req, false)
}

// garbage names bytes that are no frame.
func garbage(b []byte) string { return fmt.Sprintf("garbage (%d bytes)", len(b)) }

// who names the unit: "unit 3", or "broadcast" for unit 0 on a serial line.
func who(unit byte, serial bool) string {
	if unit == 0 && serial {
		return "broadcast"
	}
	return fmt.Sprintf("unit %d", unit)
}

// whoAndFunction is "unit 3 read holding registers" for a frame that cannot be trusted further.
func whoAndFunction(unit, fc byte, serial bool) string {
	return who(unit, serial) + " " + functionLabel(FunctionCode(fc))
}

// functionLabel names a function code, "function 0x41" when unknown,
// "read holding registers exception" for an exception code.
func functionLabel(fc FunctionCode) string {
	name, ok := functionName(fc.Base())
	if !ok {
		name = fmt.Sprintf("function 0x%02X", byte(fc.Base()))
	}
	if fc.IsException() {
		name += " exception"
	}
	return name
}

// describePDU explains a PDU of at least one byte sent by or to unit.
func describePDU(dir Direction, unit byte, p []byte, req *PDU, serial bool) string {
	if len(p) == 0 {
		return who(unit, serial) + " empty PDU"
	}
	fc, data := FunctionCode(p[0]), p[1:]
	var text string
	switch {
	case fc.IsException():
		if len(data) != 1 {
			text = fmt.Sprintf("malformed exception reply to %s (%d code bytes)", functionLabel(fc.Base()), len(data))
		} else {
			text = fmt.Sprintf("exception %s (%s)", ExceptionCode(data[0]), functionLabel(fc.Base()))
		}
	case dir == TX:
		text = describeRequest(fc, data)
	default:
		text = describeReply(fc, data, req)
	}
	if dir == RX && req != nil && req.Function != fc.Base() {
		text += fmt.Sprintf("; the request was %s", functionLabel(req.Function))
	}
	return who(unit, serial) + " " + text
}

// tableOf returns a table's short name and reference digit for a function code.
func tableOf(fc FunctionCode) (name string, digit byte) {
	switch fc {
	case FuncReadCoils, FuncWriteSingleCoil, FuncWriteMultipleCoils:
		return "coils", '0'
	case FuncReadDiscreteInputs:
		return "discrete", '1'
	case FuncReadInputRegisters:
		return "input", '3'
	}
	return "holding", '4'
}

// span formats count items from a 0-based address, then the 1-based
// reference: "0..3 (40001×4)", "9 (40010)"; references past 9999 take six
// digits ("440001").
func span(digit byte, addr, count int) string {
	ref := func(a int) string {
		if addr+count > 9999 || a+1 > 9999 {
			return fmt.Sprintf("%c%05d", digit, a+1)
		}
		return fmt.Sprintf("%c%04d", digit, a+1)
	}
	if count == 1 {
		return fmt.Sprintf("%d (%s)", addr, ref(addr))
	}
	if count < 1 {
		return fmt.Sprintf("%d (%s×%d)", addr, ref(addr), count)
	}
	return fmt.Sprintf("%d..%d (%s×%d)", addr, addr+count-1, ref(addr), count)
}

// registers formats register values as hex, at most describeMaxRegs of them.
func registers(b []byte) string {
	var sb strings.Builder
	n := len(b) / 2
	for i := 0; i < n && i < describeMaxRegs; i++ {
		if i > 0 {
			sb.WriteByte(' ')
		}
		fmt.Fprintf(&sb, "0x%04X", u16(b[2*i:]))
	}
	if n > describeMaxRegs {
		fmt.Fprintf(&sb, " … (+%d more)", n-describeMaxRegs)
	}
	return sb.String()
}

// bitString formats n bits packed LSB first as 0s and 1s, first bit first.
func bitString(b []byte, n int) string {
	n = min(n, 8*len(b))
	var sb strings.Builder
	for i := 0; i < n && i < describeMaxBits; i++ {
		if b[i/8]&(1<<(i%8)) != 0 {
			sb.WriteByte('1')
		} else {
			sb.WriteByte('0')
		}
	}
	if n > describeMaxBits {
		fmt.Fprintf(&sb, "… (+%d more)", n-describeMaxBits)
	}
	return sb.String()
}

// hexBytes formats raw bytes, at most describeMaxBytes of them.
func hexBytes(b []byte) string {
	if len(b) <= describeMaxBytes {
		return fmt.Sprintf("% X", b)
	}
	return fmt.Sprintf("% X … (+%d more)", b[:describeMaxBytes], len(b)-describeMaxBytes)
}

// coilValue names a function 5 value.
func coilValue(v uint16) string {
	switch v {
	case coilOn:
		return "ON"
	case coilOff:
		return "OFF"
	}
	return fmt.Sprintf("invalid 0x%04X", v)
}

// malformed says a PDU's data does not fit its function.
func malformed(fc FunctionCode, what string, data []byte) string {
	return fmt.Sprintf("malformed %s %s (%d data bytes)", functionLabel(fc), what, len(data))
}

// describeRequest explains a request PDU's function and data.
func describeRequest(fc FunctionCode, d []byte) string {
	table, digit := tableOf(fc)
	switch fc {
	case FuncReadCoils, FuncReadDiscreteInputs, FuncReadHoldingRegisters, FuncReadInputRegisters:
		if len(d) != 4 {
			return malformed(fc, "request", d)
		}
		return fmt.Sprintf("read %s %s", table, span(digit, int(u16(d)), int(u16(d[2:]))))
	case FuncWriteSingleCoil:
		if len(d) != 4 {
			return malformed(fc, "request", d)
		}
		return fmt.Sprintf("write coil %s = %s", span(digit, int(u16(d)), 1), coilValue(u16(d[2:])))
	case FuncWriteSingleRegister:
		if len(d) != 4 {
			return malformed(fc, "request", d)
		}
		v := u16(d[2:])
		return fmt.Sprintf("write single register %s = %d (0x%04X)", span(digit, int(u16(d)), 1), v, v)
	case FuncWriteMultipleCoils:
		if len(d) < 5 || int(d[4]) != len(d)-5 {
			return malformed(fc, "request", d)
		}
		n := int(u16(d[2:]))
		return fmt.Sprintf("write %d coils %s: %s", n, span(digit, int(u16(d)), n), bitString(d[5:], n))
	case FuncWriteMultipleRegisters:
		if len(d) < 5 || int(d[4]) != len(d)-5 {
			return malformed(fc, "request", d)
		}
		n := int(u16(d[2:]))
		return fmt.Sprintf("write %d registers %s: %s", n, span(digit, int(u16(d)), n), registers(d[5:]))
	case FuncReadWriteMultipleRegisters:
		if len(d) < 9 || int(d[8]) != len(d)-9 {
			return malformed(fc, "request", d)
		}
		return fmt.Sprintf("read/write: read holding %s, write %s: %s",
			span('4', int(u16(d)), int(u16(d[2:]))), span('4', int(u16(d[4:])), int(u16(d[6:]))), registers(d[9:]))
	case FuncDiagnostics:
		if len(d) < 2 {
			return malformed(fc, "request", d)
		}
		return describeDiagnostics(u16(d), d[2:], false)
	case FuncReportServerID:
		if len(d) != 0 {
			return malformed(fc, "request", d)
		}
		return "report server ID"
	case FuncEncapsulatedInterface:
		if len(d) == 3 && d[0] == MEITypeReadDeviceID {
			return fmt.Sprintf("read device identification %s from object 0x%02X (%s)",
				deviceIDCodeName(d[1]), d[2], ObjectName(d[2]))
		}
		if len(d) == 0 {
			return malformed(fc, "request", d)
		}
		return fmt.Sprintf("encapsulated interface MEI 0x%02X request (%d bytes)", d[0], len(d)-1)
	}
	return fmt.Sprintf("%s request (%d data bytes)", functionLabel(fc), len(d))
}

// deviceIDCodeName names a 43/14 read device ID code.
func deviceIDCodeName(c byte) string {
	switch DeviceIDCode(c) {
	case DeviceIDBasic:
		return "basic"
	case DeviceIDRegular:
		return "regular"
	case DeviceIDExtended:
		return "extended"
	case DeviceIDSpecific:
		return "specific"
	}
	return fmt.Sprintf("code %d", c)
}
