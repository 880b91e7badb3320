package modbus

import (
	"strconv"
	"time"
)

// RTU framing: [unit][PDU][CRC lo][CRC hi], frames separated by at least
// 3.5 character times of silence.

// EncodeRTU frames a PDU for unit as RTU bytes with the CRC appended.
func EncodeRTU(unit byte, p PDU) []byte {
	b := make([]byte, 0, len(p.Data)+4)
	b = append(b, unit, byte(p.Function))
	b = append(b, p.Data...)
	crc := CRC16(b)
	return append(b, byte(crc), byte(crc>>8))
}

// DecodeRTU checks an RTU frame's length and CRC and splits it into unit and PDU.
func DecodeRTU(frame []byte) (unit byte, p PDU, err error) {
	if len(frame) < 4 {
		return 0, PDU{}, frameErr(frame, "RTU frame of %d bytes is shorter than the 4-byte minimum", len(frame))
	}
	n := len(frame)
	got := uint16(frame[n-2]) | uint16(frame[n-1])<<8
	if want := CRC16(frame[:n-2]); got != want {
		return 0, PDU{}, &CRCError{Frame: append([]byte(nil), frame...), Got: got, Want: want}
	}
	p, err = ParsePDU(frame[1 : n-2])
	return frame[0], p, err
}

// RTUResponseLength returns the total length in bytes (unit, PDU and CRC) of
// the RTU reply to req whose first bytes are head, -1 when head is too short
// to tell yet, or 0 when the length cannot be known from the bytes (the
// reader must then wait for the end-of-frame silence).
func RTUResponseLength(req PDU, head []byte) int {
	if len(head) < 2 {
		return -1
	}
	n := pduResponseLength(req, head[1:])
	if n <= 0 {
		return n
	}
	return 1 + n + 2
}

// pduResponseLength is RTUResponseLength for a PDU (function code first).
func pduResponseLength(req PDU, p []byte) int {
	fc := FunctionCode(p[0])
	if fc.IsException() {
		return 2
	}
	switch fc {
	case FuncReadCoils, FuncReadDiscreteInputs, FuncReadHoldingRegisters, FuncReadInputRegisters,
		FuncReadWriteMultipleRegisters, FuncReportServerID:
		if len(p) < 2 {
			return -1
		}
		return 2 + int(p[1])
	case FuncWriteSingleCoil, FuncWriteSingleRegister, FuncWriteMultipleCoils, FuncWriteMultipleRegisters:
		return 5
	case FuncDiagnostics:
		if fc == req.Function && len(req.Data) >= 2 { // the echo of the sub-function and data
			return 1 + len(req.Data)
		}
	case FuncEncapsulatedInterface:
		if len(p) < 2 {
			return -1
		}
		if p[1] != MEITypeReadDeviceID {
			return 0
		}
		n, err := deviceIDLength(p[1:])
		if err != nil {
			return 0
		}
		if n < 0 {
			return -1
		}
		return 1 + n
	}
	return 0
}

// RTURequestLength returns the total length of the RTU request whose first
// bytes are head, -1 when head is too short to tell, or 0 when the length
// cannot be known (unknown function, or function 8 whose echo data is free).
// Servers and passive sniffers use it to cut frames without waiting for t3.5.
func RTURequestLength(head []byte) int {
	if len(head) < 2 {
		return -1
	}
	var n int
	switch FunctionCode(head[1]) {
	case FuncReadCoils, FuncReadDiscreteInputs, FuncReadHoldingRegisters, FuncReadInputRegisters,
		FuncWriteSingleCoil, FuncWriteSingleRegister:
		n = 5
	case FuncWriteMultipleCoils, FuncWriteMultipleRegisters:
		if len(head) < 7 {
			return -1
		}
		n = 6 + int(head[6])
	case FuncReadWriteMultipleRegisters:
		if len(head) < 11 {
			return -1
		}
		n = 10 + int(head[10])
	case FuncReportServerID:
		n = 1
	case FuncEncapsulatedInterface:
		// Only read device ID (MEI 14) has a fixed length; other MEI types
		// (13, CANopen) carry free data.
		if len(head) < 3 {
			return -1
		}
		if head[2] != MEITypeReadDeviceID {
			return 0
		}
		n = 4
	default:
		return 0
	}
	return 1 + n + 2
}

// LineSettings are a serial line's character format.
type LineSettings struct {
	Baud     int
	DataBits int    // 7 or 8; 0 means 8
	Parity   string // "N", "E" or "O"
	StopBits int    // 1 or 2; 0 means 1
}

// BitsPerChar returns the bits one character takes on the wire: start bit,
// data bits, parity bit if any, stop bits.
func (l LineSettings) BitsPerChar() int {
	bits := 1 + l.DataBits + l.StopBits
	if l.DataBits == 0 {
		bits += 8
	}
	if l.StopBits == 0 {
		bits++
	}
	if l.Parity == "E" || l.Parity == "O" {
		bits++
	}
	return bits
}

// String formats as "9600 8N1".
func (l LineSettings) String() string {
	db, sb, par := l.DataBits, l.StopBits, l.Parity
	if db == 0 {
		db = 8
	}
	if sb == 0 {
		sb = 1
	}
	if par == "" {
		par = "N"
	}
	return strconv.Itoa(l.Baud) + " " + strconv.Itoa(db) + par + strconv.Itoa(sb)
}

// CharTime returns the time one character takes on the line.
func (l LineSettings) CharTime() time.Duration {
	if l.Baud <= 0 {
		return 0
	}
	return time.Duration(l.BitsPerChar()) * time.Second / time.Duration(l.Baud)
}

// FrameTime returns the time n bytes take on the line.
func (l LineSettings) FrameTime(n int) time.Duration { return time.Duration(n) * l.CharTime() }

// T15 returns the longest silence allowed inside a frame: 1.5 character
// times, fixed at 750 µs above 19200 baud as the RTU specification says.
func (l LineSettings) T15() time.Duration {
	if l.Baud > 19200 {
		return 750 * time.Microsecond
	}
	return l.CharTime() * 3 / 2
}

// T35 returns the silence that ends a frame: 3.5 character times, fixed at
// 1.75 ms above 19200 baud.
func (l LineSettings) T35() time.Duration {
	if l.Baud > 19200 {
		return 1750 * time.Microsecond
	}
	return l.CharTime() * 7 / 2
}
