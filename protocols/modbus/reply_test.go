package modbus

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

// Replies, both directions: the server's builder must produce the wire bytes
// (spec examples where the specification has one) and the client's parser
// must recover the values from them.
func TestRepliesBothDirections(t *testing.T) {
	tests := []struct {
		name  string
		req   string // request PDU
		build func(Request) PDU
		wire  string                           // reply PDU
		parse func(req, resp PDU) (any, error) // client parser
		want  any                              // what the client parser returns
	}{
		{"01 (spec)", "01 00 13 00 13",
			func(Request) PDU { return BitsResponse(FuncReadCoils, bitsOf("1011001111010110101")) },
			"01 03 CD 6B 05", parseBitsAny, bitsOf("1011001111010110101")},
		{"01 eight coils", "01 00 00 00 08",
			func(Request) PDU { return BitsResponse(FuncReadCoils, bitsOf("10000001")) },
			"01 01 81", parseBitsAny, bitsOf("10000001")},
		{"02 (spec)", "02 00 C4 00 16",
			func(Request) PDU { return BitsResponse(FuncReadDiscreteInputs, bitsOf("0011010111011011101011")) },
			"02 03 AC DB 35", parseBitsAny, bitsOf("0011010111011011101011")},
		{"03 (spec)", "03 00 6B 00 03",
			func(Request) PDU { return RegistersResponse(FuncReadHoldingRegisters, []uint16{555, 0, 100}) },
			"03 06 02 2B 00 00 00 64", parseRegsAny, []uint16{555, 0, 100}},
		{"04 (spec)", "04 00 08 00 01",
			func(Request) PDU { return RegistersResponse(FuncReadInputRegisters, []uint16{10}) },
			"04 02 00 0A", parseRegsAny, []uint16{10}},
		{"17 (spec)", "17 00 03 00 06 00 0E 00 03 06 00 FF 00 FF 00 FF",
			func(Request) PDU {
				return RegistersResponse(FuncReadWriteMultipleRegisters, []uint16{0xFE, 0x0ACD, 1, 3, 0x0D, 0xFF})
			},
			"17 0C 00 FE 0A CD 00 01 00 03 00 0D 00 FF", parseRegsAny, []uint16{0xFE, 0x0ACD, 1, 3, 0x0D, 0xFF}},
		{"05 on (spec)", "05 00 AC FF 00", WriteResponse, "05 00 AC FF 00", parseWriteAny, nil},
		{"05 off", "05 00 AC 00 00", WriteResponse, "05 00 AC 00 00", parseWriteAny, nil},
		{"06 (spec)", "06 00 01 00 03", WriteResponse, "06 00 01 00 03", parseWriteAny, nil},
		{"0F (spec)", "0F 00 13 00 0A 02 CD 01", WriteResponse, "0F 00 13 00 0A", parseWriteAny, nil},
		{"10 (spec)", "10 00 01 00 02 04 00 0A 01 02", WriteResponse, "10 00 01 00 02", parseWriteAny, nil},
		{"08/00 (spec)", "08 00 00 A5 37", EchoResponse, "08 00 00 A5 37", parseEchoAny, nil},
		{"08/00 empty", "08 00 00", EchoResponse, "08 00 00", parseEchoAny, nil},
		{"11", "11",
			func(Request) PDU { return ServerIDResponse([]byte{0x42, 0xFF, 'P', 'X', '-', '1'}) },
			"11 06 42 FF 50 58 2D 31", parseServerIDAny, ServerID{Raw: []byte{0x42, 0xFF, 'P', 'X', '-', '1'}}},
		{"11 empty", "11",
			func(Request) PDU { return ServerIDResponse(nil) },
			"11 00", parseServerIDAny, ServerID{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reqPDU := pduOf(t, tt.req)
			r, err := ParseRequest(reqPDU)
			if err != nil {
				t.Fatalf("ParseRequest: %v", err)
			}
			if got, want := tt.build(r).Bytes(), hx(t, tt.wire); !bytes.Equal(got, want) {
				t.Fatalf("server reply bytes\n got % X\nwant % X", got, want)
			}
			got, err := tt.parse(reqPDU, pduOf(t, tt.wire))
			if err != nil {
				t.Fatalf("client parser: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("client parser\n got %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func parseBitsAny(req, resp PDU) (any, error)     { return ParseBits(req, resp) }
func parseRegsAny(req, resp PDU) (any, error)     { return ParseRegisters(req, resp) }
func parseWriteAny(req, resp PDU) (any, error)    { return nil, ParseWrite(req, resp) }
func parseEchoAny(req, resp PDU) (any, error)     { return nil, ParseEcho(req, resp) }
func parseServerIDAny(req, resp PDU) (any, error) { return ParseServerID(req, resp) }

// Replies that do not fit the request must be errors, never wrong values.
func TestReplyMismatch(t *testing.T) {
	tests := []struct {
		name      string
		req, resp string
		parse     func(req, resp PDU) (any, error)
		want      any // pointer to the error type errors.As must find
	}{
		{"bits: byte count short", "01 00 00 00 09", "01 01 FF", parseBitsAny, new(*FrameError)},
		{"bits: byte count says 2, one byte", "01 00 00 00 09", "01 02 FF", parseBitsAny, new(*FrameError)},
		{"bits: extra byte", "01 00 00 00 08", "01 01 FF 00", parseBitsAny, new(*FrameError)},
		{"bits: empty", "02 00 00 00 08", "02", parseBitsAny, new(*FrameError)},
		{"bits: request too short", "01 00 00", "01 01 FF", parseBitsAny, new(*FrameError)},
		{"bits: other function", "01 00 00 00 08", "02 01 FF", parseBitsAny, new(*UnexpectedFunctionError)},
		{"regs: one register for two", "03 00 00 00 02", "03 02 00 01", parseRegsAny, new(*FrameError)},
		{"regs: byte count lies", "03 00 00 00 02", "03 04 00 01", parseRegsAny, new(*FrameError)},
		{"regs: odd byte count", "03 00 00 00 01", "03 03 00 01 02", parseRegsAny, new(*FrameError)},
		{"regs: empty", "04 00 00 00 01", "04", parseRegsAny, new(*FrameError)},
		{"regs: 04 answers 03", "03 00 00 00 01", "04 02 00 01", parseRegsAny, new(*UnexpectedFunctionError)},
		{"regs: request too short", "03 00", "03 02 00 01", parseRegsAny, new(*FrameError)},
		{"rw: counts write not read", "17 00 00 00 01 00 00 00 02 04 00 00 00 00", "17 04 00 00 00 00", parseRegsAny, new(*FrameError)},
		{"05: value differs", "05 00 01 FF 00", "05 00 01 00 00", parseWriteAny, new(*FrameError)},
		{"06: address differs", "06 00 01 00 03", "06 00 02 00 03", parseWriteAny, new(*FrameError)},
		{"06: truncated", "06 00 01 00 03", "06 00 01 00", parseWriteAny, new(*FrameError)},
		{"06: request and reply both empty", "06", "06", parseWriteAny, new(*FrameError)},
		{"0F: count differs", "0F 00 13 00 0A 02 CD 01", "0F 00 13 00 09", parseWriteAny, new(*FrameError)},
		{"10: too long", "10 00 01 00 01 02 00 0A", "10 00 01 00 01 00", parseWriteAny, new(*FrameError)},
		{"10: answered by 06", "10 00 01 00 01 02 00 0A", "06 00 01 00 0A", parseWriteAny, new(*UnexpectedFunctionError)},
		{"08: echo differs", "08 00 00 A5 37", "08 00 00 A5 38", parseEchoAny, new(*FrameError)},
		{"08: echo truncated", "08 00 00 A5 37", "08 00 00 A5", parseEchoAny, new(*FrameError)},
		{"08: no sub-function", "08", "08", parseEchoAny, new(*FrameError)},
		{"11: byte count too big", "11", "11 03 01 FF", parseServerIDAny, new(*FrameError)},
		{"11: byte count too small", "11", "11 01 01 FF", parseServerIDAny, new(*FrameError)},
		{"11: empty", "11", "11", parseServerIDAny, new(*FrameError)},
		{"exception: wrong function", "03 00 00 00 01", "84 02", parseRegsAny, new(*UnexpectedFunctionError)},
		{"exception: no code", "03 00 00 00 01", "83", parseRegsAny, new(*FrameError)},
		{"exception: two codes", "03 00 00 00 01", "83 02 02", parseRegsAny, new(*FrameError)},
	}
	for _, tt := range tests {
		got, err := tt.parse(pduOf(t, tt.req), pduOf(t, tt.resp))
		if err == nil {
			t.Errorf("%s: got %v and no error", tt.name, got)
			continue
		}
		if !errors.As(err, tt.want) {
			t.Errorf("%s: error %T (%v), want %T", tt.name, err, err, tt.want)
		}
	}
	// A parser handed another function's request and a matching reply refuses
	// rather than decode values out of bytes that mean something else.
	for _, tt := range []struct {
		name      string
		req, resp string
		parse     func(req, resp PDU) (any, error)
	}{
		{"ParseWrite on 03", "03 00 00 00 01", "03 02 00 00", parseWriteAny},
		{"ParseBits on 03", "03 00 00 00 08", "03 01 FF", parseBitsAny},
		{"ParseRegisters on 01", "01 00 00 00 01", "01 02 00 01", parseRegsAny},
		{"ParseEcho on 05", "05 00 01 FF 00", "05 00 01 FF 00", parseEchoAny},
		{"ParseServerID on 03", "03 00 00 00 01", "03 01 FF", parseServerIDAny},
		{"ParseDeviceID on 03", "03 00 00 00 01", "03 0E 01 01 00 00 00",
			func(req, resp PDU) (any, error) { return ParseDeviceID(req, resp) }},
	} {
		if got, err := tt.parse(pduOf(t, tt.req), pduOf(t, tt.resp)); err == nil {
			t.Errorf("%s: accepted, got %v", tt.name, got)
		}
	}
}

func TestExceptions(t *testing.T) {
	tests := []struct {
		fn      FunctionCode
		code    ExceptionCode
		wire    string
		name    string
		gateway bool
	}{
		{FuncReadCoils, ExIllegalDataAddress, "81 02", "illegal data address", false}, // spec example
		{FuncReadHoldingRegisters, ExIllegalFunction, "83 01", "illegal function", false},
		{FuncReadInputRegisters, ExIllegalDataValue, "84 03", "illegal data value", false},
		{FuncWriteSingleCoil, ExServerDeviceFailure, "85 04", "server device failure", false},
		{FuncWriteSingleRegister, ExAcknowledge, "86 05", "acknowledge", false},
		{FuncDiagnostics, ExServerDeviceBusy, "88 06", "server device busy", false},
		{FuncWriteMultipleCoils, ExNegativeAcknowledge, "8F 07", "negative acknowledge", false},
		{FuncWriteMultipleRegisters, ExMemoryParityError, "90 08", "memory parity error", false},
		{FuncReportServerID, ExGatewayPathUnavailable, "91 0A", "gateway path unavailable", true},
		{FuncReadWriteMultipleRegisters, ExGatewayTargetNoResponse, "97 0B", "gateway target device failed to respond", true},
		{FuncEncapsulatedInterface, 0x09, "AB 09", "unknown exception", false},
		{FuncReadHoldingRegisters, 0xFF, "83 FF", "unknown exception", false},
	}
	for _, tt := range tests {
		p := ExceptionPDU(tt.fn, tt.code)
		if got := p.Bytes(); !bytes.Equal(got, hx(t, tt.wire)) {
			t.Errorf("ExceptionPDU(%v, %v) = % X, want %s", tt.fn, tt.code, got, tt.wire)
		}
		if got := tt.code.Name(); got != tt.name {
			t.Errorf("%02X.Name() = %q, want %q", byte(tt.code), got, tt.name)
		}
		if got := tt.code.IsGateway(); got != tt.gateway {
			t.Errorf("%02X.IsGateway() = %v", byte(tt.code), got)
		}
		// The client side: a request of the same function gets the exception back.
		req := PDU{Function: tt.fn}
		err := CheckResponse(req, pduOf(t, tt.wire))
		var ex *ExceptionError
		if !errors.As(err, &ex) {
			t.Fatalf("CheckResponse(%s) = %v, want *ExceptionError", tt.wire, err)
		}
		if ex.Function != tt.fn || ex.Code != tt.code || ex.Name() != tt.name {
			t.Errorf("CheckResponse(%s) = %+v", tt.wire, ex)
		}
	}
	// Every parser surfaces an exception as *ExceptionError.
	parsers := map[string]func(req, resp PDU) (any, error){
		"bits": parseBitsAny, "regs": parseRegsAny, "write": parseWriteAny,
		"echo": parseEchoAny, "serverid": parseServerIDAny,
		"deviceid": func(req, resp PDU) (any, error) { return ParseDeviceID(req, resp) },
	}
	for name, parse := range parsers {
		_, err := parse(PDU{Function: 0x42, Data: []byte{0, 0, 0, 1}}, PDU{Function: 0xC2, Data: []byte{0x0B}})
		var ex *ExceptionError
		if !errors.As(err, &ex) || !ex.Code.IsGateway() || ex.Function != 0x42 {
			t.Errorf("%s: %v, want gateway *ExceptionError", name, err)
		}
	}
}

func TestErrorStrings(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{&ExceptionError{Function: FuncReadHoldingRegisters, Code: ExIllegalDataAddress},
			"exception 02 illegal data address (read holding registers (03))"},
		{&ExceptionError{Function: FuncReadCoils, Code: ExGatewayTargetNoResponse},
			"exception 0B gateway target device failed to respond (read coils (01))"},
		{&FrameError{Reason: "short"}, "malformed frame: short"},
		{&FrameError{Reason: "short", Bytes: []byte{1, 0xAB}}, "malformed frame: short (01 AB)"},
		{&CRCError{Frame: []byte{1, 2}, Got: 0x1234, Want: 0xABCD}, "CRC error: frame carries 1234, computed ABCD (01 02)"},
		{&UnexpectedUnitError{Want: 5, Got: 3}, "reply from unit 3, expected unit 5"},
		{&UnexpectedFunctionError{Want: 3, Got: 0x84}, "reply has function 84, request had 03"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
	names := map[FunctionCode]string{
		FuncReadCoils: "read coils (01)", FuncReadDiscreteInputs: "read discrete inputs (02)",
		FuncReadHoldingRegisters: "read holding registers (03)", FuncReadInputRegisters: "read input registers (04)",
		FuncWriteSingleCoil: "write single coil (05)", FuncWriteSingleRegister: "write single register (06)",
		FuncDiagnostics: "diagnostics (08)", FuncWriteMultipleCoils: "write multiple coils (0F)",
		FuncWriteMultipleRegisters: "write multiple registers (10)", FuncReportServerID: "report server ID (11)",
		FuncReadWriteMultipleRegisters: "read/write multiple registers (17)",
		FuncEncapsulatedInterface:      "encapsulated interface (2B)",
		0x83:                           "read holding registers exception (83)",
		0x63:                           "function (63)",
	}
	for fc, want := range names {
		if got := fc.String(); got != want {
			t.Errorf("FunctionCode(%02X).String() = %q, want %q", byte(fc), got, want)
		}
	}
}

func TestServerID(t *testing.T) {
	tests := []struct {
		raw         []byte
		running, ok bool
		text        string
	}{
		{[]byte{0x42, 0xFF}, true, true, ""},
		{[]byte{0x42, 0x00, 'A', 'B', 'C'}, false, true, "ABC"},
		{append([]byte("PX-100 v2"), 0xFF), true, true, "PX-100 v2"},
		{[]byte{0x01, 0x02, 0x03}, false, false, ""},
		{[]byte{0x00}, false, false, ""},
		{append(append([]byte("ACME"), 0x01), []byte("PUMP")...), false, false, "ACME PUMP"},
		{[]byte{'a', 'b', 0x05, 'c', 'd', 'e'}, false, false, "cde"},
	}
	for _, tt := range tests {
		s := ServerID{Raw: tt.raw}
		running, ok := s.RunIndicator()
		if running != tt.running || ok != tt.ok {
			t.Errorf("RunIndicator(% X) = %v, %v; want %v, %v", tt.raw, running, ok, tt.running, tt.ok)
		}
		if got := s.Text(); got != tt.text {
			t.Errorf("Text(% X) = %q, want %q", tt.raw, got, tt.text)
		}
	}
	// ServerIDResponse cuts data that does not fit one PDU.
	p := ServerIDResponse(make([]byte, 300))
	if n := len(p.Bytes()); n != MaxPDUSize || p.Data[0] != MaxPDUSize-2 {
		t.Errorf("ServerIDResponse(300 bytes) = %d bytes, count %d", n, p.Data[0])
	}
	if _, err := ParseServerID(ReportServerIDRequest(), p); err != nil {
		t.Errorf("client rejects the longest server ID reply: %v", err)
	}
}
