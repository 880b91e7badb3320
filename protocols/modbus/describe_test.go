package modbus

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// rtu frames a PDU given as function code and data bytes.
func rtu(unit byte, fc FunctionCode, data ...byte) []byte {
	return EncodeRTU(unit, PDU{Function: fc, Data: data})
}

func TestDescribeRTU(t *testing.T) {
	readHR := PDU{Function: FuncReadHoldingRegisters, Data: []byte{0, 0, 0, 4}}
	readCoils := PDU{Function: FuncReadCoils, Data: []byte{0, 0, 0, 10}}
	write6 := PDU{Function: FuncWriteSingleRegister, Data: []byte{0, 9, 0, 42}}
	echo := PDU{Function: FuncDiagnostics, Data: []byte{0, 0, 0x12, 0x34}}
	tests := []struct {
		name  string
		dir   Direction
		frame []byte
		req   *PDU
		want  string
	}{
		// Requests, every function code.
		{"FC01 request", TX, rtu(1, FuncReadCoils, 0, 0, 0, 10), nil, "unit 1 read coils 0..9 (00001×10)"},
		{"FC02 request", TX, rtu(2, FuncReadDiscreteInputs, 0, 5, 0, 1), nil, "unit 2 read discrete 5 (10006)"},
		{"FC03 request", TX, rtu(3, FuncReadHoldingRegisters, 0, 0, 0, 4), nil, "unit 3 read holding 0..3 (40001×4)"},
		{"FC03 high address", TX, rtu(3, FuncReadHoldingRegisters, 0x9C, 0x40, 0, 2), nil, "unit 3 read holding 40000..40001 (440001×2)"},
		{"FC04 request", TX, rtu(4, FuncReadInputRegisters, 0, 10, 0, 2), nil, "unit 4 read input 10..11 (30011×2)"},
		{"FC05 request", TX, rtu(1, FuncWriteSingleCoil, 0, 5, 0xFF, 0), nil, "unit 1 write coil 5 (00006) = ON"},
		{"FC05 bad value", TX, rtu(1, FuncWriteSingleCoil, 0, 5, 0x12, 0x34), nil, "unit 1 write coil 5 (00006) = invalid 0x1234"},
		{"FC06 request", TX, rtu(1, FuncWriteSingleRegister, 0, 9, 0, 42), nil, "unit 1 write single register 9 (40010) = 42 (0x002A)"},
		{"FC08 echo request", TX, rtu(1, FuncDiagnostics, 0, 0, 0x12, 0x34), nil, "unit 1 diagnostics return query data (echo 2 bytes: 12 34)"},
		{"FC08 counter request", TX, rtu(1, FuncDiagnostics, 0, 0x0B, 0, 0), nil, "unit 1 diagnostics bus message count, data 0x0000"},
		{"FC15 request", TX, rtu(1, FuncWriteMultipleCoils, 0, 0, 0, 10, 2, 0xCD, 0x01), nil, "unit 1 write 10 coils 0..9 (00001×10): 1011001110"},
		{"FC16 request", TX, rtu(1, FuncWriteMultipleRegisters, 0, 0, 0, 2, 4, 0, 1, 0, 2), nil, "unit 1 write 2 registers 0..1 (40001×2): 0x0001 0x0002"},
		{"FC17 request", TX, rtu(1, FuncReportServerID), nil, "unit 1 report server ID"},
		{"FC23 request", TX, rtu(1, FuncReadWriteMultipleRegisters, 0, 0, 0, 4, 0, 10, 0, 1, 2, 0, 7), nil,
			"unit 1 read/write: read holding 0..3 (40001×4), write 10 (40011): 0x0007"},
		{"FC43/14 request", TX, rtu(1, FuncEncapsulatedInterface, 0x0E, 1, 0), nil, "unit 1 read device identification basic from object 0x00 (VendorName)"},
		{"FC43 other MEI", TX, rtu(1, FuncEncapsulatedInterface, 0x0D, 1, 2), nil, "unit 1 encapsulated interface MEI 0x0D request (2 bytes)"},
		{"unknown function", TX, rtu(1, 0x41, 1, 2, 3), nil, "unit 1 function 0x41 request (3 data bytes)"},
		{"broadcast write", TX, rtu(0, FuncWriteSingleRegister, 0, 1, 0, 5), nil, "broadcast write single register 1 (40002) = 5 (0x0005)"},
		{"malformed read", TX, rtu(1, FuncReadHoldingRegisters, 0, 0, 0), nil, "unit 1 malformed read holding registers request (3 data bytes)"},

		// Replies.
		{"FC01 reply with request", RX, rtu(1, FuncReadCoils, 2, 0xCD, 0x01), &readCoils, "unit 1 reply 10 coils: 1011001110"},
		{"FC01 reply alone", RX, rtu(1, FuncReadCoils, 1, 0x01), nil, "unit 1 reply 8 coils: 10000000"},
		{"FC02 reply", RX, rtu(1, FuncReadDiscreteInputs, 1, 0x03), nil, "unit 1 reply 8 discrete inputs: 11000000"},
		{"FC03 reply", RX, rtu(3, FuncReadHoldingRegisters, 8, 0x09, 0, 0x09, 0x0A, 0, 0, 0, 1), &readHR, "unit 3 reply 4 registers: 0x0900 0x090A 0x0000 0x0001"},
		{"FC03 reply long", RX, rtu(3, FuncReadHoldingRegisters, append([]byte{20}, make([]byte, 20)...)...), nil,
			"unit 3 reply 10 registers: 0x0000 0x0000 0x0000 0x0000 0x0000 0x0000 0x0000 0x0000 … (+2 more)"},
		{"FC03 reply odd count", RX, rtu(3, FuncReadHoldingRegisters, 3, 0, 0, 0), nil, "unit 3 malformed read holding registers reply (4 data bytes)"},
		{"FC04 reply one", RX, rtu(4, FuncReadInputRegisters, 2, 0, 230), nil, "unit 4 reply 1 register: 0x00E6"},
		{"FC05 reply", RX, rtu(1, FuncWriteSingleCoil, 0, 5, 0, 0), nil, "unit 1 wrote coil 5 (00006) = OFF"},
		{"FC06 reply", RX, rtu(1, FuncWriteSingleRegister, 0, 9, 0, 42), &write6, "unit 1 wrote single register 9 (40010) = 42 (0x002A)"},
		{"FC06 reply differs", RX, rtu(1, FuncWriteSingleRegister, 0, 9, 0, 43), &write6, "unit 1 wrote single register 9 (40010) = 43 (0x002B) (does not repeat the request)"},
		{"FC08 echo reply", RX, rtu(1, FuncDiagnostics, 0, 0, 0x12, 0x34), &echo, "unit 1 diagnostics return query data: echoed 2 bytes"},
		{"FC08 echo differs", RX, rtu(1, FuncDiagnostics, 0, 0, 0x12, 0x35), &echo, "unit 1 diagnostics return query data: echoed 2 bytes (differs from the request)"},
		{"FC08 counter reply", RX, rtu(1, FuncDiagnostics, 0, 0x0C, 0, 7), nil, "unit 1 diagnostics bus communication error count = 7"},
		{"FC15 reply", RX, rtu(1, FuncWriteMultipleCoils, 0, 0, 0, 10), nil, "unit 1 wrote 10 coils 0..9 (00001×10)"},
		{"FC16 reply", RX, rtu(1, FuncWriteMultipleRegisters, 0, 0, 0, 2), nil, "unit 1 wrote 2 registers 0..1 (40001×2)"},
		{"FC17 reply", RX, rtu(1, FuncReportServerID, 6, 0x42, 0xFF, 'S', 'D', 'M', '6'), nil, `unit 1 server ID 0x42, running, "SDM6", 6 bytes`},
		{"FC23 reply", RX, rtu(1, FuncReadWriteMultipleRegisters, 2, 0, 7), nil, "unit 1 reply 1 register: 0x0007"},
		{"FC43/14 reply", RX, rtu(1, FuncEncapsulatedInterface, 0x0E, 1, 0x81, 0, 0, 2, 0, 4, 'A', 'c', 'm', 'e', 1, 2, 'X', '1'), nil,
			`unit 1 device identification (basic, conformity 0x81) VendorName="Acme" ProductCode="X1"`},
		{"FC43/14 more follows", RX, rtu(1, FuncEncapsulatedInterface, 0x0E, 2, 0x82, 0xFF, 3, 1, 0, 1, 'A'), nil,
			`unit 1 device identification (regular, conformity 0x82) VendorName="A"; more follows from object 0x03`},
		{"FC43/14 malformed", RX, rtu(1, FuncEncapsulatedInterface, 0x0E, 1, 0x81, 0, 0, 2, 0, 9, 'A'), nil,
			"unit 1 malformed device identification reply (9 bytes)"},
		{"reply to another function", RX, rtu(3, FuncReadInputRegisters, 2, 0, 1), &readHR,
			"unit 3 reply 1 register: 0x0001; the request was read holding registers"},

		// Exceptions, every code.
		{"exception 01", RX, rtu(1, 0x83, 1), nil, "unit 1 exception 01 illegal function (read holding registers)"},
		{"exception 02", RX, rtu(3, 0x83, 2), &readHR, "unit 3 exception 02 illegal data address (read holding registers)"},
		{"exception 03", RX, rtu(1, 0x90, 3), nil, "unit 1 exception 03 illegal data value (write multiple registers)"},
		{"exception 04", RX, rtu(1, 0x86, 4), nil, "unit 1 exception 04 server device failure (write single register)"},
		{"exception 05", RX, rtu(1, 0x81, 5), nil, "unit 1 exception 05 acknowledge (read coils)"},
		{"exception 06", RX, rtu(1, 0x84, 6), nil, "unit 1 exception 06 server device busy (read input registers)"},
		{"exception 07", RX, rtu(1, 0x82, 7), nil, "unit 1 exception 07 negative acknowledge (read discrete inputs)"},
		{"exception 08", RX, rtu(1, 0x85, 8), nil, "unit 1 exception 08 memory parity error (write single coil)"},
		{"exception 0A", RX, rtu(1, 0xAB, 0x0A), nil, "unit 1 exception 0A gateway path unavailable (encapsulated interface)"},
		{"exception 0B", RX, rtu(1, 0x91, 0x0B), nil, "unit 1 exception 0B gateway target device failed to respond (report server ID)"},
		{"exception unknown", RX, rtu(1, 0x88, 0x42), nil, "unit 1 exception 42 unknown exception (diagnostics)"},
		{"exception malformed", RX, rtu(1, 0x83, 2, 2), nil, "unit 1 malformed exception reply to read holding registers (2 code bytes)"},

		// Broken frames.
		{"CRC error", RX, []byte{3, 3, 2, 0, 1, 0xAA, 0xBB}, &readHR, "CRC error (7 bytes; as sent: unit 3 read holding registers)"},
		{"garbage", RX, []byte{0xFF, 0x00, 0x12}, nil, "garbage (3 bytes)"},
		{"empty", RX, nil, nil, "garbage (0 bytes)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Describe(tc.dir, tc.frame, FramingRTU, tc.req); got != tc.want {
				t.Errorf("Describe(% X)\n got %q\nwant %q", tc.frame, got, tc.want)
			}
		})
	}
}

func TestDescribeMBAP(t *testing.T) {
	read := PDU{Function: FuncReadHoldingRegisters, Data: []byte{0, 0, 0, 2}}
	tests := []struct {
		name  string
		dir   Direction
		frame []byte
		want  string
	}{
		{"request", TX, EncodeMBAP(12, 1, read), "tid 12 unit 1 read holding 0..1 (40001×2)"},
		{"unit 0 is no broadcast on TCP", TX, EncodeMBAP(1, 0, read), "tid 1 unit 0 read holding 0..1 (40001×2)"},
		{"reply", RX, EncodeMBAP(12, 1, PDU{Function: FuncReadHoldingRegisters, Data: []byte{4, 0, 11, 0, 22}}), "tid 12 unit 1 reply 2 registers: 0x000B 0x0016"},
		{"exception", RX, EncodeMBAP(7, 9, ExceptionPDU(FuncReadHoldingRegisters, ExGatewayTargetNoResponse)),
			"tid 7 unit 9 exception 0B gateway target device failed to respond (read holding registers)"},
		{"short", RX, []byte{0, 1, 0}, "garbage (3 bytes)"},
		{"bad protocol", RX, []byte{0, 1, 0, 9, 0, 6, 1, 3, 0, 0, 0, 1}, "garbage (12 bytes): MBAP protocol ID 9, expected 0"},
		{"length mismatch", RX, append(EncodeMBAP(3, 1, read), 0), "tid 3 unit 1: frame is 13 bytes, its header says 12"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Describe(tc.dir, tc.frame, FramingMBAP, nil); got != tc.want {
				t.Errorf("Describe(% X)\n got %q\nwant %q", tc.frame, got, tc.want)
			}
		})
	}
}

func TestFramingOf(t *testing.T) {
	for scheme, want := range map[string]Framing{SchemeTCP: FramingMBAP, SchemeTCPTLS: FramingMBAP, SchemeRTU: FramingRTU, SchemeRTUOverTCP: FramingRTU} {
		if got := FramingOf(scheme); got != want {
			t.Errorf("FramingOf(%q) = %v, want %v", scheme, got, want)
		}
	}
}

// FuzzDescribe: Describe never panics, returns one non-empty line of valid
// UTF-8 of bounded length, for any bytes in either direction and framing,
// with or without a request.
func FuzzDescribe(f *testing.F) {
	f.Add(rtu(3, FuncReadHoldingRegisters, 0, 0, 0, 4), []byte{3, 0, 0, 0, 4}, false)
	f.Add(rtu(1, FuncEncapsulatedInterface, 0x0E, 1, 0x81, 0, 0, 1, 0, 1, 'A'), []byte{0x2B, 0x0E, 1, 0}, true)
	f.Add(EncodeMBAP(1, 1, PDU{Function: FuncDiagnostics, Data: []byte{0, 0, 1}}), []byte{}, true)
	f.Add([]byte{1, 0x83, 2, 0xC0, 0xF1}, []byte{3, 0, 0, 0, 1}, false)
	f.Fuzz(func(t *testing.T, frame, reqBytes []byte, mbap bool) {
		framing := FramingRTU
		if mbap {
			framing = FramingMBAP
		}
		var req *PDU
		if p, err := ParsePDU(reqBytes); err == nil {
			req = &p
		}
		for _, dir := range []Direction{TX, RX} {
			s := Describe(dir, frame, framing, req)
			if s == "" || strings.ContainsAny(s, "\n\r") || !utf8.ValidString(s) {
				t.Fatalf("Describe(%v, % X) = %q", dir, frame, s)
			}
			if len(s) > 400 {
				t.Fatalf("Describe(%v, % X) is %d bytes long: %q", dir, frame, len(s), s)
			}
		}
	})
}
