package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/busprobe/busprobe/probes"
	"github.com/busprobe/busprobe/protocols/modbus"
	"github.com/busprobe/busprobe/sim"
)

// valveYAML is a user profile with a scaled setpoint, a bit of a
// register and a read-only status, for the valve device of writePlant.
const valveYAML = `id: test-valve
vendor: Test
model: Valve
source:
  title: busprobe write tests
  version: "1"
defaults:
  table: holding
points:
  - {name: setpoint, address: 0, type: u16, scale: 0.1, unit: "%", access: rw, range: [0, 100]}
  - {name: flag_b3, address: 1, type: bool, bit: 3, access: rw}
  - {name: level, address: 2, type: i16, scale_factor: level_sf, unit: m, access: rw}
  - {name: level_sf, address: 3, type: sunssf}
  - {name: speed, address: 4, type: f32, byte_order: CDAB, unit: rpm, access: rw}
  - {name: status, address: 6, type: u16}
  - {name: command, address: 7, type: u16, access: w}
  - {name: relay, table: coil, address: 0, type: bool, access: rw}
  - {name: temperature, table: input, address: 0, type: i16, scale: 0.1, unit: °C}
`

// writeRig is a plant to write to: a TCP gateway with an SDM630 (unit 1,
// from the library) and a valve (unit 4, valveYAML in a profiles folder),
// a journal path and the profiles folder.
type writeRig struct {
	running  *sim.Running
	url      string
	journal  string
	profiles string
}

func newWriteRig(t *testing.T) *writeRig {
	t.Helper()
	plant := sim.Plant{Name: "write test", Buses: []sim.Bus{{Name: "gw", Kind: sim.BusTCP, Listen: "127.0.0.1:0",
		Devices: []sim.DeviceConfig{
			{Unit: 1, Profile: "eastron-sdm630"},
			{Unit: 4, HoldingRegisters: []sim.RegBlock{{Address: 0, Values: []int{500, 0x00F1, 300, -2, 0, 0, 7, 0}}},
				Coils: []sim.BitBlock{{Address: 0, Values: []bool{false, true}}}, InputRegisters: []sim.RegBlock{{Address: 0, Values: []int{215}}}},
		}}}}
	running, err := sim.Start(context.Background(), plant)
	if err != nil {
		t.Fatalf("start plant: %v", err)
	}
	t.Cleanup(func() { _ = running.Close() })
	ep, _ := running.Endpoint("gw")
	dir := t.TempDir()
	profDir := filepath.Join(dir, "profiles")
	if err := os.Mkdir(profDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(profDir, "test-valve.yaml"), []byte(valveYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	return &writeRig{running: running, url: ep.URL, journal: filepath.Join(dir, "state", "journal.ndjson"), profiles: profDir}
}

// fakeTerminal is stdin as a terminal where someone types the text.
type fakeTerminal struct{ *strings.Reader }

func (fakeTerminal) IsTerminal() bool { return true }

// run runs the CLI with stdin: a fake terminal when terminal is set.
func (r *writeRig) run(t *testing.T, terminal bool, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	var in io.Reader = strings.NewReader(stdin)
	if terminal {
		in = fakeTerminal{strings.NewReader(stdin)}
	}
	code := run(context.Background(), args, in, &out, &errOut)
	return code, out.String(), errOut.String()
}

// registers reads holding registers straight from a simulated device,
// without going over the bus.
func (r *writeRig) registers(t *testing.T, unit byte, addr, n uint16) []uint16 {
	t.Helper()
	dev, ok := r.running.Device("gw", unit)
	if !ok {
		t.Fatalf("no unit %d", unit)
	}
	req, _ := modbus.ReadRequest(modbus.FuncReadHoldingRegisters, addr, n)
	resp, _ := dev.Handle(req)
	regs, err := modbus.ParseRegisters(req, resp)
	if err != nil {
		t.Fatal(err)
	}
	return regs
}

// requests returns how many requests a device has served.
func (r *writeRig) requests(t *testing.T, unit byte) uint64 {
	dev, _ := r.running.Device("gw", unit)
	return dev.Stats().Requests
}

// journalLines returns the journal's lines (none when it does not exist).
func (r *writeRig) journalLines(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(r.journal)
	if err != nil || len(b) == 0 {
		return nil
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// entries reads the journal.
func (r *writeRig) entries(t *testing.T) []probes.JournalEntry {
	t.Helper()
	f, err := os.Open(r.journal)
	if err != nil {
		t.Fatalf("journal: %v", err)
	}
	defer f.Close()
	var out []probes.JournalEntry
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e probes.JournalEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("journal line %q: %v", sc.Text(), err)
		}
		out = append(out, e)
	}
	return out
}
