package interop

import (
	"bufio"
	"fmt"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/busprobe/busprobe/internal/peertest"
	"github.com/busprobe/busprobe/sim"
)

// simDevice is the device our simulator plays for independent clients; the
// want* values below are what it serves.
func simDevice(unit int) sim.DeviceConfig {
	return sim.DeviceConfig{
		Unit:             unit,
		Name:             "interop",
		HoldingRegisters: []sim.RegBlock{{Address: 0, Values: wantHolding, Count: 20}},
		InputRegisters:   []sim.RegBlock{{Address: 100, Values: wantInput}},
		Coils:            []sim.BitBlock{{Address: 0, Values: wantCoils}},
		DiscreteInputs:   []sim.BitBlock{{Address: 10, Values: wantDiscrete}},
	}
}

var (
	wantHolding  = []int{1234, 0, 65535, 42, 0x7FFF, 0x8000, 9}
	wantInput    = []int{2301, 2299, 17}
	wantCoils    = []bool{true, false, true, true, false, false, false, true, true, false}
	wantDiscrete = []bool{false, true, true, false, true}
)

// mbpollLine matches a value line of mbpoll's output: "[1]: \t1234", or
// "[3]: \t65535 (-1)" when the register reads negative as a signed value.
var mbpollLine = regexp.MustCompile(`^\[(\d+)\]:\s+(-?\d+)(?:\s+\(-?\d+\))?$`)

// parseMbpoll returns the values mbpoll printed, keyed by its (1-based,
// unless -0) reference.
func parseMbpoll(t *testing.T, out string) map[int]int {
	t.Helper()
	vals := map[int]int{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		m := mbpollLine.FindStringSubmatch(strings.TrimSpace(sc.Text()))
		if m == nil {
			continue
		}
		ref, _ := strconv.Atoi(m[1])
		v, _ := strconv.Atoi(m[2])
		vals[ref] = v
	}
	return vals
}

// mbpollRead is one read by mbpoll: its -t type, the 1-based reference and
// the values expected there.
type mbpollRead struct {
	name string
	typ  string // mbpoll -t: 0 coils, 1 discrete inputs, 3 input registers, 4 holding registers
	ref  int    // 1-based start (mbpoll -r)
	want []int
}

func mbpollReads() []mbpollRead {
	bits := func(bs []bool) []int {
		out := make([]int, len(bs))
		for i, b := range bs {
			if b {
				out[i] = 1
			}
		}
		return out
	}
	return []mbpollRead{
		{"holding", "4", 1, wantHolding},
		{"input", "3", 101, wantInput},
		{"coils", "0", 1, bits(wantCoils)},
		{"discrete", "1", 11, bits(wantDiscrete)},
	}
}

// checkMbpoll runs mbpoll for every read with the connection arguments conn
// (before the reads' own) and dev (the last argument) and compares.
func checkMbpoll(t *testing.T, unit int, conn []string, dev string) {
	t.Helper()
	for _, r := range mbpollReads() {
		args := append(slices.Clone(conn),
			"-a", strconv.Itoa(unit), "-t", r.typ, "-r", strconv.Itoa(r.ref), "-c", strconv.Itoa(len(r.want)), "-1", dev)
		out, err := peertest.Mbpoll(t, args...)
		if err != nil {
			t.Errorf("%s: %v\n%s", r.name, err, out)
			continue
		}
		got := parseMbpoll(t, out)
		want := map[int]int{}
		for i, v := range r.want {
			want[r.ref+i] = v
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: mbpoll read %v; want %v\n%s", r.name, got, want, out)
		}
	}
}

// TestMbpollSimTCP: mbpoll reads our simulator's Modbus/TCP gateway.
func TestMbpollSimTCP(t *testing.T) {
	t.Parallel()
	const unit = 5
	r := startSim(t, sim.Plant{Buses: []sim.Bus{{
		Name: "gw", Kind: sim.BusTCP, Listen: "127.0.0.1:0",
		Devices: []sim.DeviceConfig{simDevice(unit)},
	}}})
	host, port, err := net.SplitHostPort(endpoint(t, r, "gw").Address)
	if err != nil {
		t.Fatal(err)
	}
	checkMbpoll(t, unit, []string{"-m", "tcp", "-p", port, "-o", "2"}, host)
}

// TestMbpollSimRTU: mbpoll reads our simulator's RTU bus served on a pty.
func TestMbpollSimRTU(t *testing.T) {
	t.Parallel()
	const unit = 7
	r := startSim(t, sim.Plant{Buses: []sim.Bus{{
		Name: "field", Kind: sim.BusRTU, Serve: sim.ServePty,
		Line:    &sim.LineConfig{Baud: 19200, Parity: "N", StopBits: 1},
		Devices: []sim.DeviceConfig{simDevice(unit)},
	}}})
	checkMbpoll(t, unit, []string{"-m", "rtu", "-b", "19200", "-P", "none", "-s", "1", "-o", "2"}, endpoint(t, r, "field").Address)
}
