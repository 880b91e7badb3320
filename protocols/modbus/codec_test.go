package modbus

import (
	"bytes"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// hx decodes space-separated hex ("01 03 00 6B") and fails the test on bad input.
func hx(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// pduOf parses hex into a PDU via ParsePDU, as a transport would.
func pduOf(t testing.TB, s string) PDU {
	t.Helper()
	p, err := ParsePDU(hx(t, s))
	if err != nil {
		t.Fatalf("ParsePDU(%s): %v", s, err)
	}
	return p
}

// bitsOf turns "1011" into []bool{true, false, true, true}.
func bitsOf(s string) []bool {
	b := make([]bool, len(s))
	for i, c := range s {
		b[i] = c == '1'
	}
	return b
}

// The request examples are the ones of the Modbus application protocol
// specification v1.1b3, section 6 (PDU without unit and CRC).
func TestRequestsBothDirections(t *testing.T) {
	tests := []struct {
		name  string
		build func() (PDU, error)
		wire  string
		req   Request
	}{
		{"01 read coils (spec)", func() (PDU, error) { return ReadRequest(FuncReadCoils, 0x13, 0x13) },
			"01 00 13 00 13", Request{Function: FuncReadCoils, Address: 0x13, Count: 0x13}},
		{"01 read coils max count", func() (PDU, error) { return ReadRequest(FuncReadCoils, 0, 2000) },
			"01 00 00 07 D0", Request{Function: FuncReadCoils, Address: 0, Count: 2000}},
		{"02 read discrete inputs (spec)", func() (PDU, error) { return ReadRequest(FuncReadDiscreteInputs, 0xC4, 0x16) },
			"02 00 C4 00 16", Request{Function: FuncReadDiscreteInputs, Address: 0xC4, Count: 0x16}},
		{"03 read holding registers (spec)", func() (PDU, error) { return ReadRequest(FuncReadHoldingRegisters, 0x6B, 3) },
			"03 00 6B 00 03", Request{Function: FuncReadHoldingRegisters, Address: 0x6B, Count: 3}},
		{"03 last register", func() (PDU, error) { return ReadRequest(FuncReadHoldingRegisters, 0xFFFF, 1) },
			"03 FF FF 00 01", Request{Function: FuncReadHoldingRegisters, Address: 0xFFFF, Count: 1}},
		{"04 read input registers (spec)", func() (PDU, error) { return ReadRequest(FuncReadInputRegisters, 8, 1) },
			"04 00 08 00 01", Request{Function: FuncReadInputRegisters, Address: 8, Count: 1}},
		{"04 max count", func() (PDU, error) { return ReadRequest(FuncReadInputRegisters, 0x1000, 125) },
			"04 10 00 00 7D", Request{Function: FuncReadInputRegisters, Address: 0x1000, Count: 125}},
		{"05 write coil on (spec)", func() (PDU, error) { return WriteSingleCoilRequest(0xAC, true), nil },
			"05 00 AC FF 00", Request{Function: FuncWriteSingleCoil, Address: 0xAC, Count: 1, Bits: []bool{true}}},
		{"05 write coil off", func() (PDU, error) { return WriteSingleCoilRequest(0xAC, false), nil },
			"05 00 AC 00 00", Request{Function: FuncWriteSingleCoil, Address: 0xAC, Count: 1, Bits: []bool{false}}},
		{"06 write register (spec)", func() (PDU, error) { return WriteSingleRegisterRequest(1, 3), nil },
			"06 00 01 00 03", Request{Function: FuncWriteSingleRegister, Address: 1, Count: 1, Values: []uint16{3}}},
		{"08/00 echo (spec)", func() (PDU, error) { return EchoRequest([]byte{0xA5, 0x37}) },
			"08 00 00 A5 37", Request{Function: FuncDiagnostics, SubFunction: 0, EchoData: []byte{0xA5, 0x37}}},
		{"08/00 echo without data", func() (PDU, error) { return EchoRequest(nil) },
			"08 00 00", Request{Function: FuncDiagnostics}},
		{"0F write coils (spec)", func() (PDU, error) { return WriteMultipleCoilsRequest(0x13, bitsOf("1011001110")) },
			"0F 00 13 00 0A 02 CD 01", Request{Function: FuncWriteMultipleCoils, Address: 0x13, Count: 10, Bits: bitsOf("1011001110")}},
		{"0F write 8 coils, one byte", func() (PDU, error) { return WriteMultipleCoilsRequest(0, bitsOf("00000001")) },
			"0F 00 00 00 08 01 80", Request{Function: FuncWriteMultipleCoils, Count: 8, Bits: bitsOf("00000001")}},
		{"10 write registers (spec)", func() (PDU, error) { return WriteMultipleRegistersRequest(1, []uint16{0x000A, 0x0102}) },
			"10 00 01 00 02 04 00 0A 01 02", Request{Function: FuncWriteMultipleRegisters, Address: 1, Count: 2, Values: []uint16{0x000A, 0x0102}}},
		{"11 report server ID (spec)", func() (PDU, error) { return ReportServerIDRequest(), nil },
			"11", Request{Function: FuncReportServerID}},
		{"17 read/write registers (spec)", func() (PDU, error) { return ReadWriteMultipleRequest(3, 6, 0x0E, []uint16{0xFF, 0xFF, 0xFF}) },
			"17 00 03 00 06 00 0E 00 03 06 00 FF 00 FF 00 FF",
			Request{Function: FuncReadWriteMultipleRegisters, Address: 3, Count: 6, WriteAddress: 0x0E, Values: []uint16{0xFF, 0xFF, 0xFF}}},
		{"2B/0E basic (spec)", func() (PDU, error) { return ReadDeviceIDRequest(DeviceIDBasic, 0) },
			"2B 0E 01 00", Request{Function: FuncEncapsulatedInterface, DeviceIDCode: DeviceIDBasic}},
		{"2B/0E regular", func() (PDU, error) { return ReadDeviceIDRequest(DeviceIDRegular, 3) },
			"2B 0E 02 03", Request{Function: FuncEncapsulatedInterface, DeviceIDCode: DeviceIDRegular, ObjectID: 3}},
		{"2B/0E extended", func() (PDU, error) { return ReadDeviceIDRequest(DeviceIDExtended, 0x80) },
			"2B 0E 03 80", Request{Function: FuncEncapsulatedInterface, DeviceIDCode: DeviceIDExtended, ObjectID: 0x80}},
		{"2B/0E specific", func() (PDU, error) { return ReadDeviceIDRequest(DeviceIDSpecific, 5) },
			"2B 0E 04 05", Request{Function: FuncEncapsulatedInterface, DeviceIDCode: DeviceIDSpecific, ObjectID: 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := tt.build()
			if err != nil {
				t.Fatalf("build: %v", err)
			}
			if got, want := p.Bytes(), hx(t, tt.wire); !bytes.Equal(got, want) {
				t.Fatalf("client request bytes\n got % X\nwant % X", got, want)
			}
			got, err := ParseRequest(pduOf(t, tt.wire))
			if err != nil {
				t.Fatalf("ParseRequest: %v", err)
			}
			if !reflect.DeepEqual(got, tt.req) {
				t.Fatalf("ParseRequest\n got %+v\nwant %+v", got, tt.req)
			}
		})
	}
}

func TestRequestBuilderLimits(t *testing.T) {
	regs := func(n int) []uint16 { return make([]uint16, n) }
	tests := []struct {
		name string
		err  error
	}{
		{"read fc 05", second(ReadRequest(FuncWriteSingleCoil, 0, 1))},
		{"read fc 17", second(ReadRequest(FuncReadWriteMultipleRegisters, 0, 1))},
		{"read 0 coils", second(ReadRequest(FuncReadCoils, 0, 0))},
		{"read 2001 coils", second(ReadRequest(FuncReadCoils, 0, 2001))},
		{"read 2001 inputs", second(ReadRequest(FuncReadDiscreteInputs, 0, 2001))},
		{"read 0 registers", second(ReadRequest(FuncReadHoldingRegisters, 0, 0))},
		{"read 126 registers", second(ReadRequest(FuncReadHoldingRegisters, 0, 126))},
		{"read 126 input registers", second(ReadRequest(FuncReadInputRegisters, 0, 126))},
		{"read past 65535", second(ReadRequest(FuncReadHoldingRegisters, 0xFFFF, 2))},
		{"write 0 coils", second(WriteMultipleCoilsRequest(0, nil))},
		{"write 1969 coils", second(WriteMultipleCoilsRequest(0, make([]bool, 1969)))},
		{"write coils past 65535", second(WriteMultipleCoilsRequest(0xFFFF, make([]bool, 2)))},
		{"write 0 registers", second(WriteMultipleRegistersRequest(0, nil))},
		{"write 124 registers", second(WriteMultipleRegistersRequest(0, regs(124)))},
		{"write registers past 65535", second(WriteMultipleRegistersRequest(0xFFFE, regs(3)))},
		{"rw read 0", second(ReadWriteMultipleRequest(0, 0, 0, regs(1)))},
		{"rw read 126", second(ReadWriteMultipleRequest(0, 126, 0, regs(1)))},
		{"rw write 0", second(ReadWriteMultipleRequest(0, 1, 0, nil))},
		{"rw write 122", second(ReadWriteMultipleRequest(0, 1, 0, regs(122)))},
		{"rw read past 65535", second(ReadWriteMultipleRequest(0xFFFF, 2, 0, regs(1)))},
		{"rw write past 65535", second(ReadWriteMultipleRequest(0, 1, 0xFFFF, regs(2)))},
		{"echo 251 bytes", second(EchoRequest(make([]byte, 251)))},
		{"device id code 0", second(ReadDeviceIDRequest(0, 0))},
		{"device id code 5", second(ReadDeviceIDRequest(5, 0))},
	}
	for _, tt := range tests {
		if tt.err == nil {
			t.Errorf("%s: want an error, got none", tt.name)
		}
	}
	// The largest legal requests still build and fit one PDU.
	for name, p := range map[string]PDU{
		"2000 coils":     first(t)(ReadRequest(FuncReadCoils, 0xFFFF-1999, 2000)),
		"1968 coils":     first(t)(WriteMultipleCoilsRequest(0, make([]bool, 1968))),
		"123 registers":  first(t)(WriteMultipleRegistersRequest(0xFFFF-122, regs(123))),
		"rw 125/121":     first(t)(ReadWriteMultipleRequest(0xFFFF-124, 125, 0, regs(121))),
		"echo 250 bytes": first(t)(EchoRequest(make([]byte, 250))),
	} {
		if n := len(p.Bytes()); n > MaxPDUSize {
			t.Errorf("%s: PDU of %d bytes exceeds %d", name, n, MaxPDUSize)
		}
		if _, err := ParseRequest(p); err != nil {
			t.Errorf("%s: server rejects the largest legal request: %v", name, err)
		}
	}
}

func second(_ PDU, err error) error { return err }

func first(t *testing.T) func(PDU, error) PDU {
	return func(p PDU, err error) PDU {
		t.Helper()
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return p
	}
}

// Malformed requests: the server must answer with the right exception code.
func TestParseRequestRejects(t *testing.T) {
	tests := []struct {
		wire string
		fn   FunctionCode
		code ExceptionCode
	}{
		{"03 00 00 00", FuncReadHoldingRegisters, ExIllegalDataValue},
		{"03 00 00 00 01 00", FuncReadHoldingRegisters, ExIllegalDataValue},
		{"03 00 00 00 00", FuncReadHoldingRegisters, ExIllegalDataValue},
		{"03 00 00 00 7E", FuncReadHoldingRegisters, ExIllegalDataValue},
		{"04 00 00 00 7E", FuncReadInputRegisters, ExIllegalDataValue},
		{"01 00 00 07 D1", FuncReadCoils, ExIllegalDataValue},
		{"02 00 00 00 00", FuncReadDiscreteInputs, ExIllegalDataValue},
		{"05 00 01 12 34", FuncWriteSingleCoil, ExIllegalDataValue},
		{"05 00 01 FF", FuncWriteSingleCoil, ExIllegalDataValue},
		{"06 00 01 00", FuncWriteSingleRegister, ExIllegalDataValue},
		{"0F 00 00 00 0A 01 FF", FuncWriteMultipleCoils, ExIllegalDataValue},     // byte count 1 for 10 coils
		{"0F 00 00 00 0A 02 FF", FuncWriteMultipleCoils, ExIllegalDataValue},     // truncated
		{"0F 00 00 00 00 00", FuncWriteMultipleCoils, ExIllegalDataValue},        // zero coils
		{"0F 00 00 07 B1 F7", FuncWriteMultipleCoils, ExIllegalDataValue},        // 1969 coils
		{"10 00 00 00 01 02 00", FuncWriteMultipleRegisters, ExIllegalDataValue}, // truncated
		{"10 00 00 00 01 04 00 01 00 02", FuncWriteMultipleRegisters, ExIllegalDataValue},
		{"10 00 00 00 7C F8", FuncWriteMultipleRegisters, ExIllegalDataValue},
		{"10 00 00", FuncWriteMultipleRegisters, ExIllegalDataValue},
		{"17 00 00 00 01 00 00 00 01 02 00", FuncReadWriteMultipleRegisters, ExIllegalDataValue},
		{"17 00 00 00 00 00 00 00 01 02 00 01", FuncReadWriteMultipleRegisters, ExIllegalDataValue},
		{"17 00 00 00 7E 00 00 00 01 02 00 01", FuncReadWriteMultipleRegisters, ExIllegalDataValue},
		{"17 00 00 00 01 00 00 00 7A F4", FuncReadWriteMultipleRegisters, ExIllegalDataValue},
		{"08 00", FuncDiagnostics, ExIllegalDataValue},
		{"08 00 0A", FuncDiagnostics, ExIllegalFunction}, // clear counters: not supported
		{"11 00", FuncReportServerID, ExIllegalDataValue},
		{"2B 0D 00 00", FuncEncapsulatedInterface, ExIllegalFunction}, // CANopen MEI
		{"2B", FuncEncapsulatedInterface, ExIllegalFunction},
		{"2B 0E 05 00", FuncEncapsulatedInterface, ExIllegalDataValue},
		{"2B 0E 00 00", FuncEncapsulatedInterface, ExIllegalDataValue},
		{"2B 0E 01", FuncEncapsulatedInterface, ExIllegalDataValue},
		{"07", 0x07, ExIllegalFunction},
		{"18 00 00", 0x18, ExIllegalFunction},
		{"83 02", FuncReadHoldingRegisters, ExIllegalFunction},
	}
	for _, tt := range tests {
		_, err := ParseRequest(pduOf(t, tt.wire))
		var ex *ExceptionError
		if !errors.As(err, &ex) {
			t.Errorf("ParseRequest(%s) = %v, want *ExceptionError", tt.wire, err)
			continue
		}
		if ex.Function != tt.fn || ex.Code != tt.code {
			t.Errorf("ParseRequest(%s) = %v/%v, want %v/%v", tt.wire, ex.Function, ex.Code, tt.fn, tt.code)
		}
		// The server's reply to it: function | 0x80, then the code.
		want := []byte{byte(tt.fn) | 0x80, byte(tt.code)}
		if got := ExceptionPDU(ex.Function, ex.Code).Bytes(); !bytes.Equal(got, want) {
			t.Errorf("exception reply to %s = % X, want % X", tt.wire, got, want)
		}
	}
}
