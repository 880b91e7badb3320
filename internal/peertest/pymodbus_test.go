package peertest

import (
	"bytes"
	"errors"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

func pymodbusDemo() PymodbusConfig {
	return PymodbusConfig{
		PymodbusData: PymodbusData{
			Holding:  map[uint16]uint16{0: 555, 1: 2, 9: 0xBEEF},
			Input:    map[uint16]uint16{3: 1234},
			Coils:    map[uint16]bool{2: true},
			Discrete: map[uint16]bool{0: true, 7: true},
		},
		Units:    []byte{1, 2},
		UnitData: map[byte]PymodbusData{2: {Holding: map[uint16]uint16{0: 7}}},
		Identity: map[string]string{"VendorName": "Acme", "ProductCode": "X-1", "MajorMinorRevision": "2.5"},
	}
}

func TestPymodbusTCP(t *testing.T) {
	t.Parallel()
	c := dial(t, PymodbusTCP(t, pymodbusDemo()))

	if got, want := mustAsk(t, c, mbap(1, 1, read16(3, 0, 2)...)), append([]byte{3, 4}, regs(555, 2)...); !bytes.Equal(got, want) {
		t.Errorf("unit 1 FC03 0..1: % X, want % X", got, want)
	}
	if got, want := mustAsk(t, c, mbap(2, 1, read16(3, 9, 1)...)), append([]byte{3, 2}, regs(0xBEEF)...); !bytes.Equal(got, want) {
		t.Errorf("unit 1 FC03 9: % X, want % X", got, want)
	}
	if got, want := mustAsk(t, c, mbap(3, 2, read16(3, 0, 1)...)), append([]byte{3, 2}, regs(7)...); !bytes.Equal(got, want) {
		t.Errorf("unit 2 FC03 0: % X, want % X", got, want)
	}
	if got, want := mustAsk(t, c, mbap(4, 1, read16(4, 3, 1)...)), append([]byte{4, 2}, regs(1234)...); !bytes.Equal(got, want) {
		t.Errorf("FC04 3: % X, want % X", got, want)
	}
	if got, want := mustAsk(t, c, mbap(5, 1, read16(1, 0, 8)...)), []byte{1, 1, 0x04}; !bytes.Equal(got, want) {
		t.Errorf("FC01 0..7: % X, want % X", got, want)
	}
	if got, want := mustAsk(t, c, mbap(6, 1, read16(2, 0, 8)...)), []byte{2, 1, 0x81}; !bytes.Equal(got, want) {
		t.Errorf("FC02 0..7: % X, want % X", got, want)
	}
	// FC43/14, read basic identification (code 01) from object 0.
	id := mustAsk(t, c, mbap(7, 1, 0x2B, 0x0E, 0x01, 0x00))
	if id[0] != 0x2B || !bytes.Contains(id, []byte("Acme")) || !bytes.Contains(id, []byte("X-1")) || !bytes.Contains(id, []byte("2.5")) {
		t.Errorf("FC43/14: % X lacks the identity", id)
	}
	t.Logf("FC43/14 reply: % X", id)
	// FC17 report server ID.
	if sid := mustAsk(t, c, mbap(8, 1, 0x11)); sid[0] != 0x11 {
		t.Errorf("FC17: % X", sid)
	} else {
		t.Logf("FC17 reply: % X", sid)
	}
	// FC08 sub-function 0 echoes its data.
	if got, want := mustAsk(t, c, mbap(9, 1, 0x08, 0, 0, 0x12, 0x34)), []byte{0x08, 0, 0, 0x12, 0x34}; !bytes.Equal(got, want) {
		t.Errorf("FC08/00: % X, want % X", got, want)
	}
	// A unit not served gets no reply at all; the connection stays usable.
	if resp, err := tcpAskWithin(t, c, mbap(10, 3, read16(3, 0, 1)...), 700*time.Millisecond); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("unit 3 (not served): reply % X, err %v; want a timeout", resp, err)
	}
}

func TestPymodbusTCPSparseAllUnits(t *testing.T) {
	t.Parallel()
	addr := PymodbusTCP(t, PymodbusConfig{
		PymodbusData: PymodbusData{Holding: map[uint16]uint16{5: 42, 6: 43}},
		Sparse:       true,
	})
	c := dial(t, addr)
	for i, unit := range []byte{0, 1, 17, 247, 255} {
		if got, want := mustAsk(t, c, mbap(uint16(i), unit, read16(3, 5, 2)...)), append([]byte{3, 4}, regs(42, 43)...); !bytes.Equal(got, want) {
			t.Errorf("unit %d FC03 5..6: % X, want % X", unit, got, want)
		}
	}
	if got, want := mustAsk(t, c, mbap(9, 1, read16(3, 6, 2)...)), []byte{0x83, 0x02}; !bytes.Equal(got, want) {
		t.Errorf("FC03 6..7 across a hole: % X, want % X", got, want)
	}
	if got, want := mustAsk(t, c, mbap(10, 1, read16(4, 5, 1)...)), []byte{0x84, 0x02}; !bytes.Equal(got, want) {
		t.Errorf("FC04 in an empty sparse table: % X, want % X", got, want)
	}
}

func TestPymodbusTCPGatewayUnit(t *testing.T) {
	t.Parallel()
	c := dial(t, PymodbusTCP(t, PymodbusConfig{Units: []byte{1, 255}}))
	if got, want := mustAsk(t, c, mbap(1, 255, read16(3, 0, 1)...)), append([]byte{3, 2}, regs(0)...); !bytes.Equal(got, want) {
		t.Errorf("unit 255: % X, want % X", got, want)
	}
	// With 0 or 255 among the units, pymodbus lets every unit through and
	// answers unknown ones with exception 0B.
	if got, want := mustAsk(t, c, mbap(2, 9, read16(3, 0, 1)...)), []byte{0x83, 0x0B}; !bytes.Equal(got, want) {
		t.Errorf("unit 9 (unknown): % X, want % X", got, want)
	}
	t.Logf("FC17 without identity: % X", mustAsk(t, c, mbap(3, 1, 0x11)))
}

func TestPymodbusRTU(t *testing.T) {
	t.Parallel()
	a, b := SocatPair(t)
	PymodbusRTU(t, pymodbusDemo(), a)
	f := openPty(t, b)
	resp := rtuAsk(t, f, 1, read16(3, 0, 2), ioTimeout)
	if resp == nil || !bytes.Equal(resp.Bytes(), append([]byte{3, 4}, regs(555, 2)...)) {
		t.Fatalf("unit 1 FC03 0..1: %v", resp)
	}
	// A frame with a bad CRC gets no reply, and the next good one does.
	bad := []byte{1, 3, 0, 0, 0, 1, 0xDE, 0xAD}
	if _, err := f.Write(bad); err != nil {
		t.Fatal(err)
	}
	if got := readQuiet(t, f, 500*time.Millisecond); len(got) != 0 {
		t.Errorf("bad CRC answered % X", got)
	}
	if resp := rtuAsk(t, f, 2, read16(3, 0, 1), ioTimeout); resp == nil || !bytes.Equal(resp.Bytes(), append([]byte{3, 2}, regs(7)...)) {
		t.Errorf("unit 2 FC03 0: %v", resp)
	}
	if resp := rtuAsk(t, f, 3, read16(3, 0, 1), 500*time.Millisecond); resp != nil {
		t.Errorf("unit 3 (not served) answered %v", resp)
	}
	if resp := rtuAsk(t, f, 1, []byte{0x2B, 0x0E, 0x01, 0x00}, ioTimeout); resp == nil || !strings.Contains(string(resp.Data), "Acme") {
		t.Errorf("FC43/14: %v", resp)
	}
}

func TestMbpollAgainstPymodbus(t *testing.T) {
	t.Parallel()
	addr := PymodbusTCP(t, pymodbusDemo())
	_, port, _ := net.SplitHostPort(addr)
	out, err := Mbpoll(t, "-m", "tcp", "-p", port, "-a", "1", "-t", "4", "-r", "1", "-c", "2", "-1", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "[1]: \t555") || !strings.Contains(out, "[2]: \t2") {
		t.Errorf("mbpoll TCP output:\n%s", out)
	}

	a, b := SocatPair(t)
	PymodbusRTU(t, pymodbusDemo(), a)
	out, err = Mbpoll(t, "-m", "rtu", "-b", "19200", "-P", "none", "-a", "2", "-t", "4", "-0", "-r", "0", "-c", "1", "-1", b)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "[0]: \t7") {
		t.Errorf("mbpoll RTU output:\n%s", out)
	}
	// A bounded failure: nobody listens on a fresh port.
	if _, err := Mbpoll(t, "-m", "tcp", "-p", strconv.Itoa(freePort(t)), "-o", "0.2", "-1", "127.0.0.1"); err == nil {
		t.Error("mbpoll against a closed port succeeded")
	}
}
