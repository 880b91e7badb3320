package peertest

import (
	"bytes"
	"encoding/binary"
	"net"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"
)

func TestLibmodbusServerTCP(t *testing.T) {
	t.Parallel()
	c := dial(t, LibmodbusServer(t))
	// libmodbus does not filter units on TCP: any unit gets the same answer.
	for i, unit := range []byte{1, 17, 0xFF} {
		got := mustAsk(t, c, mbap(uint16(i+1), unit, read16(3, UTRegistersAddress, UTRegistersNB)...))
		if want := append([]byte{3, 6}, regs(0, 0, 0)...); !bytes.Equal(got, want) {
			t.Errorf("unit %d FC03 %#x: % X, want % X", unit, UTRegistersAddress, got, want)
		}
	}
	if got, want := mustAsk(t, c, mbap(10, 1, read16(4, UTInputRegistersAddress, 1)...)), append([]byte{4, 2}, regs(UTInputRegisterValue)...); !bytes.Equal(got, want) {
		t.Errorf("FC04 %#x: % X, want % X", UTInputRegistersAddress, got, want)
	}
	if got, want := mustAsk(t, c, mbap(11, 1, read16(2, UTInputBitsAddress, UTInputBitsNB)...)), append([]byte{2, 3}, UTInputBits()...); !bytes.Equal(got, want) {
		t.Errorf("FC02 %#x: % X, want % X", UTInputBitsAddress, got, want)
	}
	if got, want := mustAsk(t, c, mbap(12, 1, read16(3, UTRegistersAddress-1, 1)...)), []byte{0x83, 0x02}; !bytes.Equal(got, want) {
		t.Errorf("FC03 below the table: % X, want % X", got, want)
	}
	if got, want := mustAsk(t, c, mbap(13, 1, read16(3, UTRegistersAddressSpecial, 1)...)), []byte{0x83, 0x06}; !bytes.Equal(got, want) {
		t.Errorf("FC03 special address: % X, want % X", got, want)
	}
	// Quantity 2 anywhere: a reply for 1 register.
	if got, want := mustAsk(t, c, mbap(14, 1, read16(3, UTRegistersAddress, UTRegistersNBSpecial)...)), append([]byte{3, 2}, regs(0)...); !bytes.Equal(got, want) {
		t.Errorf("FC03 quantity 2: % X, want % X", got, want)
	}
	start := time.Now()
	if got, want := mustAsk(t, c, mbap(15, 1, read16(3, UTRegistersAddressSleep500ms, 1)...)), append([]byte{3, 2}, regs(0)...); !bytes.Equal(got, want) {
		t.Errorf("FC03 sleep address: % X, want % X", got, want)
	}
	if d := time.Since(start); d < 450*time.Millisecond {
		t.Errorf("FC03 sleep address answered after %v, want ≥ 500 ms", d)
	}
	// Wrong TID: the reply is FF 03 02 00 00 under a TID of the server's.
	req := mbap(0x4242, 1, read16(3, UTRegistersAddressInvalidTIDOrSlave, 1)...)
	resp, err := tcpAsk(t, c, req)
	if err != nil {
		t.Fatal(err)
	}
	if binary.BigEndian.Uint16(resp) == 0x4242 || !bytes.Equal(resp[6:], []byte{0xFF, 3, 2, 0, 0}) {
		t.Errorf("FC03 invalid-TID address: % X", resp)
	}
	t.Logf("invalid TID reply: % X", resp)
	// Byte by byte, 5 ms apart: 11 bytes take ≥ 50 ms.
	start = time.Now()
	resp, err = tcpAsk(t, c, mbap(0x0107, 1, read16(3, UTRegistersAddressByteSleep5ms, 1)...))
	if err != nil {
		t.Fatal(err)
	}
	if want := []byte{0x00, 0x07, 0, 0, 0, 5, 0xFF, 3, 2, 0, 0}; !bytes.Equal(resp, want) || time.Since(start) < 40*time.Millisecond {
		t.Errorf("FC03 byte-sleep address: % X after %v, want % X slowly", resp, time.Since(start), want)
	}
	// Writes where the server injects a wrong request length: exception 03.
	if got, want := mustAsk(t, c, mbap(16, 1, 0x06, 0x01, 0x70, 0x12, 0x34)), []byte{0x86, 0x03}; !bytes.Equal(got, want) {
		t.Errorf("FC06 special address: % X, want % X", got, want)
	}
	if got, want := mustAsk(t, c, mbap(17, 1, 0x05, 0x01, 0x32, 0xFF, 0x00)), []byte{0x85, 0x03}; !bytes.Equal(got, want) {
		t.Errorf("FC05 invalid-length address: % X, want % X", got, want)
	}
	// FC17 report server ID: run indicator and "LMB" + libmodbus version.
	sid := mustAsk(t, c, mbap(20, 1, 0x11))
	if len(sid) < 4 || sid[0] != 0x11 || !bytes.Contains(sid, []byte("LMB")) {
		t.Errorf("FC17: % X", sid)
	}
	t.Logf("FC17 reply: % X (%q)", sid, sid[2:])
	// FC43 and FC08 are not implemented: exception 01.
	if got, want := mustAsk(t, c, mbap(21, 1, 0x2B, 0x0E, 0x01, 0x00)), []byte{0xAB, 0x01}; !bytes.Equal(got, want) {
		t.Errorf("FC43/14: % X, want % X", got, want)
	}
	if got, want := mustAsk(t, c, mbap(22, 1, 0x08, 0, 0, 0x12, 0x34)), []byte{0x88, 0x01}; !bytes.Equal(got, want) {
		t.Errorf("FC08: % X, want % X", got, want)
	}
}

func TestLibmodbusServerOneConnection(t *testing.T) {
	t.Parallel()
	addr := LibmodbusServer(t)
	c := dial(t, addr)
	mustAsk(t, c, mbap(1, 1, read16(3, UTRegistersAddress, 1)...))
	c.Close()
	// After its one client leaves the server exits: a second one is refused
	// or never answered.
	time.Sleep(100 * time.Millisecond)
	c2, err := net.DialTimeout("tcp", addr, ioTimeout)
	if err != nil {
		return // refused: the server has exited
	}
	defer c2.Close()
	if resp, err := tcpAsk(t, c2, mbap(2, 1, read16(3, UTRegistersAddress, 1)...)); err == nil {
		t.Errorf("second connection answered % X", resp)
	} else {
		t.Logf("second connection: %v", err)
	}
}

func TestLibmodbusRTU(t *testing.T) {
	t.Parallel()
	a, b := SocatPair(t)
	LibmodbusRTU(t, a)
	f := openPty(t, b)
	resp := rtuAsk(t, f, LibmodbusServerID, read16(4, UTInputRegistersAddress, 1), ioTimeout)
	if resp == nil || !bytes.Equal(resp.Bytes(), append([]byte{4, 2}, regs(UTInputRegisterValue)...)) {
		t.Fatalf("unit %d FC04: %v", LibmodbusServerID, resp)
	}
	// After a request for another unit libmodbus waits up to its 500 ms
	// response timeout for that unit's reply and discards it; a request
	// sent within that window is eaten as that reply. So wait it out.
	if resp := rtuAsk(t, f, 1, read16(4, UTInputRegistersAddress, 1), LibmodbusRTUIgnoreWindow+300*time.Millisecond); resp != nil {
		t.Errorf("unit 1 answered %v", resp)
	}
	if resp := rtuAsk(t, f, LibmodbusServerID, read16(3, UTRegistersAddressSpecial, 1), ioTimeout); resp == nil || !bytes.Equal(resp.Bytes(), []byte{0x83, 0x06}) {
		t.Errorf("special address: %v", resp)
	}
}

// TestLibmodbusConstants checks the UT* constants against the installed
// unit-test.h, so a libmodbus upgrade that moves them fails here first.
func TestLibmodbusConstants(t *testing.T) {
	hdr, err := unitTestHeader()
	if err != nil {
		missing(t, "%s: %v: apt-get install libmodbus-dev", filepath.Join(libmodbusExamples, "unit-test.h"), err)
	}
	want := map[string]int{
		"UT_BITS_ADDRESS": UTBitsAddress, "UT_BITS_NB": UTBitsNB,
		"UT_INPUT_BITS_ADDRESS": UTInputBitsAddress, "UT_INPUT_BITS_NB": UTInputBitsNB,
		"UT_REGISTERS_ADDRESS": UTRegistersAddress, "UT_REGISTERS_NB": UTRegistersNB,
		"UT_REGISTERS_NB_MAX":                       UTRegistersNBMax,
		"UT_REGISTERS_ADDRESS_SPECIAL":              UTRegistersAddressSpecial,
		"UT_REGISTERS_ADDRESS_INVALID_TID_OR_SLAVE": UTRegistersAddressInvalidTIDOrSlave,
		"UT_REGISTERS_ADDRESS_SLEEP_500_MS":         UTRegistersAddressSleep500ms,
		"UT_REGISTERS_ADDRESS_BYTE_SLEEP_5_MS":      UTRegistersAddressByteSleep5ms,
		"UT_REGISTERS_NB_SPECIAL":                   UTRegistersNBSpecial,
		"UT_INPUT_REGISTERS_ADDRESS":                UTInputRegistersAddress,
		"UT_INPUT_REGISTERS_NB":                     UTInputRegistersNB,
		"SERVER_ID":                                 LibmodbusServerID,
		"INVALID_SERVER_ID":                         LibmodbusInvalidServerID,
	}
	re := regexp.MustCompile(`(?m)^(?:const uint16_t|#define)\s+(\w+)\s*=?\s*(0x[0-9A-Fa-f]+|\d+);?\s*$`)
	seen := map[string]bool{}
	for _, m := range re.FindAllSubmatch(hdr, -1) {
		name := string(m[1])
		w, ok := want[name]
		if !ok {
			continue
		}
		v, err := strconv.ParseInt(string(m[2]), 0, 32)
		if err != nil {
			t.Fatal(err)
		}
		if int(v) != w {
			t.Errorf("%s = %#x in unit-test.h, %#x here", name, v, w)
		}
		seen[name] = true
	}
	for name := range want {
		if !seen[name] {
			t.Errorf("%s not found in unit-test.h", name)
		}
	}
	for _, tab := range []struct {
		name string
		want []byte
	}{
		{"UT_INPUT_BITS_TAB", UTInputBits()},
		{"UT_INPUT_REGISTERS_TAB", regs(UTInputRegisterValue)},
		{"UT_REGISTERS_TAB", regs(UTRegistersTab()...)},
	} {
		m := regexp.MustCompile(tab.name + `\[\]\s*=\s*\{([^}]*)\}`).FindSubmatch(hdr)
		if m == nil {
			t.Errorf("%s not found in unit-test.h", tab.name)
			continue
		}
		var got []byte
		for _, f := range regexp.MustCompile(`0x[0-9A-Fa-f]+`).FindAll(m[1], -1) {
			v, _ := strconv.ParseUint(string(f), 0, 16)
			if len(f) > 4 {
				got = binary.BigEndian.AppendUint16(got, uint16(v))
			} else {
				got = append(got, byte(v))
			}
		}
		if !bytes.Equal(got, tab.want) {
			t.Errorf("%s = % X in unit-test.h, % X here", tab.name, got, tab.want)
		}
	}
}
