package modbus

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
	"time"
)

// crcBitwise is the CRC-16/MODBUS definition, one bit at a time, to check the table.
func crcBitwise(b []byte) uint16 {
	crc := uint16(0xFFFF)
	for _, x := range b {
		crc ^= uint16(x)
		for range 8 {
			if crc&1 != 0 {
				crc = crc>>1 ^ 0xA001
			} else {
				crc >>= 1
			}
		}
	}
	return crc
}

// Published frames: the Modbus spec's FC03 example, the frame everyone
// quotes ("01 03 00 00 00 0A C5 CD"), and the Simply Modbus examples for
// unit 0x11, requests and replies.
func publishedRTU() []string {
	return []string{
		"01 03 00 6B 00 03 74 17",
		"01 03 00 00 00 0A C5 CD",
		"11 01 00 13 00 25 0E 84",
		"11 01 05 CD 6B B2 0E 1B 45 E6",
		"11 02 00 C4 00 16 BA A9",
		"11 02 03 AC DB 35 20 18",
		"11 03 00 6B 00 03 76 87",
		"11 04 00 08 00 01 B2 98",
		"11 04 02 00 0A F8 F4",
		"11 05 00 AC FF 00 4E 8B",
		"11 06 00 01 00 03 9A 9B",
		"11 0F 00 13 00 0A 02 CD 01 BF 0B",
		"11 0F 00 13 00 0A 26 99",
		"11 10 00 01 00 02 04 00 0A 01 02 C6 F0",
		"11 10 00 01 00 02 12 98",
	}
}

func TestCRC16(t *testing.T) {
	if got := CRC16([]byte("123456789")); got != 0x4B37 {
		t.Errorf("CRC-16/MODBUS check value = %04X, want 4B37", got)
	}
	if got := CRC16(nil); got != 0xFFFF {
		t.Errorf("CRC16(empty) = %04X, want FFFF (the initial value)", got)
	}
	for _, s := range publishedRTU() {
		f := hx(t, s)
		n := len(f)
		want := uint16(f[n-2]) | uint16(f[n-1])<<8
		if got := CRC16(f[:n-2]); got != want {
			t.Errorf("CRC16(% X) = %04X, frame carries %02X %02X", f[:n-2], got, f[n-2], f[n-1])
		}
	}
	for n := range 300 {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i*131 + n*7)
		}
		if got, want := CRC16(b), crcBitwise(b); got != want {
			t.Fatalf("CRC16 of %d bytes = %04X, bitwise %04X", n, got, want)
		}
	}
}

func TestRTUPublishedFrames(t *testing.T) {
	for _, s := range publishedRTU() {
		f := hx(t, s)
		unit, p, err := DecodeRTU(f)
		if err != nil {
			t.Errorf("DecodeRTU(%s): %v", s, err)
			continue
		}
		if unit != f[0] || byte(p.Function) != f[1] || !bytes.Equal(p.Data, f[2:len(f)-2]) {
			t.Errorf("DecodeRTU(%s) = %d %v", s, unit, p)
		}
		if got := EncodeRTU(unit, p); !bytes.Equal(got, f) {
			t.Errorf("EncodeRTU = % X, want %s", got, s)
		}
	}
	// The spec's FC03 request, built by the client.
	if got := EncodeRTU(1, first(t)(ReadRequest(FuncReadHoldingRegisters, 0x6B, 3))); !bytes.Equal(got, hx(t, "01 03 00 6B 00 03 74 17")) {
		t.Errorf("EncodeRTU(spec FC03) = % X", got)
	}
	if got := EncodeRTU(0x11, ExceptionPDU(FuncReadHoldingRegisters, ExIllegalDataAddress)); !bytes.Equal(got[:3], hx(t, "11 83 02")) || len(got) != 5 {
		t.Errorf("exception frame % X", got)
	}
}

func TestDecodeRTUErrors(t *testing.T) {
	for _, s := range []string{"", "01", "01 03", "01 03 00"} {
		_, _, err := DecodeRTU(hx(t, s))
		var fe *FrameError
		if !errors.As(err, &fe) {
			t.Errorf("DecodeRTU(%q) = %v, want *FrameError", s, err)
		}
	}
	bad := hx(t, "01 03 00 00 00 0A C5 CE")
	_, _, err := DecodeRTU(bad)
	var ce *CRCError
	if !errors.As(err, &ce) {
		t.Fatalf("DecodeRTU(bad CRC) = %v, want *CRCError", err)
	}
	if ce.Got != 0xCEC5 || ce.Want != 0xCDC5 || !bytes.Equal(ce.Frame, hx(t, "01 03 00 00 00 0A C5 CE")) {
		t.Errorf("CRCError = %+v", ce)
	}
	bad[0] = 0x99 // the error keeps its own copy of the frame
	if ce.Frame[0] != 0x01 {
		t.Error("CRCError.Frame aliases the caller's buffer")
	}
	// A flipped bit anywhere is caught.
	good := hx(t, "11 10 00 01 00 02 04 00 0A 01 02 C6 F0")
	for i := range len(good) * 8 {
		f := append([]byte(nil), good...)
		f[i/8] ^= 1 << (i % 8)
		if _, _, err := DecodeRTU(f); !errors.As(err, new(*CRCError)) {
			t.Fatalf("bit %d flipped: %v, want *CRCError", i, err)
		}
	}
	// A CRC-correct frame whose PDU is over 253 bytes is malformed.
	long := EncodeRTU(1, PDU{Function: FuncReadHoldingRegisters, Data: make([]byte, MaxPDUSize)})
	if _, _, err := DecodeRTU(long); !errors.As(err, new(*FrameError)) {
		t.Errorf("DecodeRTU(254-byte PDU) = %v, want *FrameError", err)
	}
	// The shortest legal frame: unit, function, CRC.
	if unit, p, err := DecodeRTU(EncodeRTU(7, ReportServerIDRequest())); err != nil || unit != 7 || p.Function != FuncReportServerID || len(p.Data) != 0 {
		t.Errorf("4-byte frame: %d %v %v", unit, p, err)
	}
}

func TestRTUResponseLength(t *testing.T) {
	rd := func(fc FunctionCode) PDU { return first(t)(ReadRequest(fc, 0, 10)) }
	echo := first(t)(EchoRequest([]byte{0xA5, 0x37}))
	dev := first(t)(ReadDeviceIDRequest(DeviceIDBasic, 0))
	tests := []struct {
		req  PDU
		head string
		want int
	}{
		{rd(FuncReadHoldingRegisters), "", -1},
		{rd(FuncReadHoldingRegisters), "01", -1},
		{rd(FuncReadHoldingRegisters), "01 03", -1},
		{rd(FuncReadHoldingRegisters), "01 03 14", 25},
		{rd(FuncReadHoldingRegisters), "01 03 14 00 01", 25},
		{rd(FuncReadHoldingRegisters), "01 83", 5},
		{rd(FuncReadHoldingRegisters), "01 83 02", 5},
		{rd(FuncReadCoils), "01 01 02", 7},
		{rd(FuncReadDiscreteInputs), "01 02 02", 7},
		{rd(FuncReadInputRegisters), "01 04 14", 25},
		{rd(FuncReadInputRegisters), "01 04", -1},
		{WriteSingleCoilRequest(1, true), "01 05", 8},
		{WriteSingleRegisterRequest(1, 2), "01 06", 8},
		{first(t)(WriteMultipleCoilsRequest(1, make([]bool, 9))), "01 0F", 8},
		{first(t)(WriteMultipleRegistersRequest(1, []uint16{1})), "01 10", 8},
		{echo, "01 08", 8},
		{echo, "01 88", 5},
		{PDU{Function: FuncDiagnostics}, "01 08", 0}, // no sub-function: no echo length
		{rd(FuncReadHoldingRegisters), "01 08", 0},   // echo to a read: length unknown
		{ReportServerIDRequest(), "01 11", -1},
		{ReportServerIDRequest(), "01 11 05", 10},
		{first(t)(ReadWriteMultipleRequest(0, 6, 0, []uint16{1})), "01 17 0C", 17},
		{dev, "01 2B 0E 01 01 00 00", -1},
		{dev, "01 2B 0E 01 01 00 00 00", 10},
		{dev, "01 2B 0E 01 01 00 00 01 00", -1},
		{dev, "01 2B 0E 01 01 00 00 01 00 04", 16},
		{dev, "01 2B 0E 01 01 00 00 02 00 04 41 42 43 44", -1},
		{dev, "01 2B 0E 01 01 00 00 02 00 04 41 42 43 44 01 02", 20},
		{dev, "01 2B 0E 01 01 00 00 02 00 F4", 0}, // 6 + 2 + 244 + a second object: over 252
		{dev, "01 AB 01", 5},
		{dev, "01 2B", -1},
		{dev, "01 2B 0D 01 01", 0},                      // not MEI 14: length not in the reply
		{dev, "01 2B 0E 01 01 00 00 01 00 F5", 0},       // 6 + 2 + 245 = 253 data bytes: PDU of 254
		{dev, "01 2B 0E 01 01 00 00 FF 00 00 01 00", 0}, // 255 empty objects cannot fit

		{rd(FuncReadHoldingRegisters), "01 07", 0},
		{rd(FuncReadHoldingRegisters), "01 63 00", 0},
	}
	for _, tt := range tests {
		if got := RTUResponseLength(tt.req, hx(t, tt.head)); got != tt.want {
			t.Errorf("RTUResponseLength(%v, %q) = %d, want %d", tt.req, tt.head, got, tt.want)
		}
	}
}

func TestRTURequestLength(t *testing.T) {
	tests := []struct {
		head string
		want int
	}{
		{"", -1},
		{"01", -1},
		{"01 01", 8}, {"01 02", 8}, {"01 03", 8}, {"01 04", 8}, {"01 05", 8}, {"01 06", 8},
		{"01 0F", -1},
		{"01 0F 00 13 00 0A", -1},
		{"01 0F 00 13 00 0A 02", 11},
		{"01 10 00 01 00 02 04", 13},
		{"01 10 00 01 00 02", -1},
		{"01 17 00 03 00 06 00 0E 00 03", -1},
		{"01 17 00 03 00 06 00 0E 00 03 06", 19},
		{"01 11", 4},
		{"01 2B", -1},
		{"01 2B 0E", 7},
		{"01 2B 0D", 0}, // CANopen general reference: length not in the header
		{"01 08", 0},
		{"01 07", 0},
		{"01 83", 0},
	}
	for _, tt := range tests {
		if got := RTURequestLength(hx(t, tt.head)); got != tt.want {
			t.Errorf("RTURequestLength(%q) = %d, want %d", tt.head, got, tt.want)
		}
	}
}

func TestLineSettings(t *testing.T) {
	tests := []struct {
		l        LineSettings
		str      string
		bits     int
		char     time.Duration
		t15, t35 time.Duration
	}{
		{LineSettings{Baud: 9600, DataBits: 8, Parity: "N", StopBits: 1}, "9600 8N1", 10, 1041666, 1562499, 3645831},
		{LineSettings{Baud: 9600}, "9600 8N1", 10, 1041666, 1562499, 3645831},
		{LineSettings{Baud: 9600, DataBits: 8, Parity: "E", StopBits: 1}, "9600 8E1", 11, 1145833, 1718749, 4010415},
		{LineSettings{Baud: 19200, Parity: "E"}, "19200 8E1", 11, 572916, 859374, 2005206},
		{LineSettings{Baud: 1200, DataBits: 7, Parity: "O", StopBits: 2}, "1200 7O2", 11, 9166666, 13749999, 32083331},
		{LineSettings{Baud: 38400, DataBits: 8, Parity: "N", StopBits: 2}, "38400 8N2", 11, 286458, 750 * time.Microsecond, 1750 * time.Microsecond},
		{LineSettings{Baud: 115200, Parity: "E"}, "115200 8E1", 11, 95486, 750 * time.Microsecond, 1750 * time.Microsecond},
		{LineSettings{}, "0 8N1", 10, 0, 0, 0},
	}
	for _, tt := range tests {
		if got := tt.l.String(); got != tt.str {
			t.Errorf("String() = %q, want %q", got, tt.str)
		}
		if got := tt.l.BitsPerChar(); got != tt.bits {
			t.Errorf("%s: BitsPerChar() = %d, want %d", tt.str, got, tt.bits)
		}
		if got := tt.l.CharTime(); got != tt.char {
			t.Errorf("%s: CharTime() = %v, want %v", tt.str, got, tt.char)
		}
		if got := tt.l.T15(); got != tt.t15 {
			t.Errorf("%s: T15() = %v, want %v", tt.str, got, tt.t15)
		}
		if got := tt.l.T35(); got != tt.t35 {
			t.Errorf("%s: T35() = %v, want %v", tt.str, got, tt.t35)
		}
		if got := tt.l.FrameTime(8); got != 8*tt.char {
			t.Errorf("%s: FrameTime(8) = %v, want %v", tt.str, got, 8*tt.char)
		}
	}
	// 9600 8N1: a character is 1.0417 ms, an 8-byte request 8.33 ms.
	l := LineSettings{Baud: 9600, DataBits: 8, Parity: "N", StopBits: 1}
	if got := l.CharTime().Round(100 * time.Nanosecond); got != 1041700*time.Nanosecond {
		t.Errorf("9600 8N1 char time %v", got)
	}
}

func TestMBAP(t *testing.T) {
	req := first(t)(ReadRequest(FuncReadHoldingRegisters, 0x6B, 3))
	if got := EncodeMBAP(1, 0x11, req); !bytes.Equal(got, hx(t, "00 01 00 00 00 06 11 03 00 6B 00 03")) {
		t.Errorf("EncodeMBAP = % X", got)
	}
	resp := RegistersResponse(FuncReadHoldingRegisters, []uint16{555, 0, 100})
	wire := hx(t, "AB CD 00 00 00 09 FF 03 06 02 2B 00 00 00 64")
	if got := EncodeMBAP(0xABCD, 0xFF, resp); !bytes.Equal(got, wire) {
		t.Errorf("EncodeMBAP = % X", got)
	}
	h, p, err := DecodeMBAP(wire)
	if err != nil || h != (MBAPHeader{Transaction: 0xABCD, Length: 9, Unit: 0xFF}) || !bytes.Equal(p.Bytes(), resp.Bytes()) {
		t.Errorf("DecodeMBAP = %+v %v %v", h, p, err)
	}
	if got := EncodeMBAP(0, 1, ReportServerIDRequest()); !bytes.Equal(got, hx(t, "00 00 00 00 00 02 01 11")) {
		t.Errorf("EncodeMBAP(17) = % X", got)
	}

	for _, s := range []string{
		"00 01 00 01 00 06 11 03 00 6B 00 03",    // protocol ID 1
		"00 01 00 00 00 01 11",                   // length 1: no function code
		"00 01 00 00 00 00 11",                   // length 0
		"00 01 00 00 00 FF 11",                   // length 255: PDU over 253
		"00 01 00 00 01 00 11",                   // length 256
		"00 01 00 00 00 06 11 03 00 6B 00",       // body shorter than the length
		"00 01 00 00 00 06 11 03 00 6B 00 03 00", // trailing byte
		"00 01 00 00 00",                         // header cut
	} {
		_, _, err := DecodeMBAP(hx(t, s))
		if !errors.As(err, new(*FrameError)) {
			t.Errorf("DecodeMBAP(%s) = %v, want *FrameError", s, err)
		}
	}
	// Length 254 is the largest: a 253-byte PDU.
	big := EncodeMBAP(1, 1, PDU{Function: FuncEncapsulatedInterface, Data: make([]byte, MaxPDUSize-1)})
	if h, _, err := DecodeMBAP(big); err != nil || h.Length != 254 {
		t.Errorf("DecodeMBAP(254) = %+v, %v", h, err)
	}
}

func TestReadMBAP(t *testing.T) {
	a := hx(t, "00 01 00 00 00 06 11 03 00 6B 00 03")
	b := hx(t, "00 02 00 00 00 03 11 83 02")
	// Back to back, and one byte per Read, as TCP may deliver them.
	r := iotest.OneByteReader(bytes.NewReader(append(append([]byte(nil), a...), b...)))
	for i, want := range [][]byte{a, b} {
		frame, h, p, err := ReadMBAP(r)
		if err != nil || !bytes.Equal(frame, want) || h.Transaction != uint16(i+1) || h.Unit != 0x11 || !bytes.Equal(p.Bytes(), want[7:]) {
			t.Errorf("frame %d: % X %+v %v %v", i, frame, h, p, err)
		}
	}
	if _, _, _, err := ReadMBAP(r); err != io.EOF {
		t.Errorf("after the last frame: %v, want io.EOF", err)
	}
	// Truncated body and truncated header.
	for _, s := range []string{"00 01 00 00 00 06 11 03 00", "00 01 00 00 00 06 11", "00 01 00"} {
		_, _, _, err := ReadMBAP(bytes.NewReader(hx(t, s)))
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("ReadMBAP(%s) = %v, want io.ErrUnexpectedEOF", s, err)
		}
	}
	// A bad header is reported before its body is read.
	for _, s := range []string{"00 01 00 05 00 06 11 03 00 6B 00 03", "00 01 00 00 01 06 11 03 00 6B 00 03"} {
		rd := bytes.NewReader(hx(t, s))
		frame, _, _, err := ReadMBAP(rd)
		if !errors.As(err, new(*FrameError)) || len(frame) != MBAPHeaderLen || rd.Len() != 5 {
			t.Errorf("ReadMBAP(%s) = % X, %v; %d bytes left unread", s, frame, err, rd.Len())
		}
	}
}
