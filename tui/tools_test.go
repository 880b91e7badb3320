package tui

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/busprobe/busprobe/probes"
	"github.com/busprobe/busprobe/protocols/modbus"
	"github.com/busprobe/busprobe/sim"
)

// writeSnapshot saves a snapshot of unit 1 with the given point values.
func writeSnapshot(t *testing.T, dir, name string, at time.Time, values map[string]float64, order []string) {
	t.Helper()
	s := probes.Snapshot{SchemaVersion: probes.SnapshotSchemaVersion, Kind: probes.SnapshotKind, Time: at,
		Target: "tcp://127.0.0.1:5020", Unit: 1, Profile: "eastron-sdm630"}
	for _, n := range order {
		v, ok := values[n]
		if !ok {
			continue
		}
		s.Points = append(s.Points, probes.SnapshotPoint{Name: n, Table: "input", Type: "float32", Access: "r", Value: v})
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// snapshotPair writes a before and an after snapshot (and a file the
// listing must skip) into dir.
func snapshotPair(t *testing.T, dir string) {
	order := []string{"voltage_l1", "frequency", "power_total", "serial_number"}
	writeSnapshot(t, dir, "snapshot-unit1-20260314-092600.json", t0,
		map[string]float64{"voltage_l1": 230.5, "frequency": 50, "power_total": 1200}, order)
	writeSnapshot(t, dir, "snapshot-unit1-20260314-093000.json", t0.Add(4*time.Minute),
		map[string]float64{"voltage_l1": 231.25, "frequency": 50, "power_total": 950.5, "serial_number": 4711}, order)
	if err := os.WriteFile(filepath.Join(dir, "notes.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// runCmds runs a model's command and feeds its message back.
func runCmd(t *testing.T, m Model, msg any) Model {
	t.Helper()
	m, cmd := update(t, m, msg)
	if cmd == nil {
		t.Fatalf("%v started nothing", msg)
	}
	return step(m, cmd())
}

// TestToolsDiff: 7 shows the tools; enter lists the snapshots of the
// snapshot folder; picking A then B shows the changed points with their
// deltas; esc goes back step by step.
func TestToolsDiff(t *testing.T) {
	c := fixedCommon(t)
	c.SnapshotDir = t.TempDir()
	snapshotPair(t, c.SnapshotDir)
	m := step(New(c, Options{}), ShowScreenMsg{Screen: ScreenTools})
	if m.Screen() != ScreenTools || !strings.Contains(m.Render(), "diff two snapshots") {
		t.Fatalf("the tools screen:\n%s", m.Render())
	}
	m = runCmd(t, m, keyPress("enter"))
	if len(m.tools.files) != 2 || m.tools.mode != toolsDiffPick {
		t.Fatalf("listed %v", m.tools.files)
	}
	m = step(m, keyPress("enter"), keyPress("down"))
	m = runCmd(t, m, keyPress("enter"))
	d := m.tools.diff
	if m.tools.mode != toolsDiff || d == nil {
		t.Fatalf("no diff shown:\n%s", m.Render())
	}
	if len(d.Changes) != 3 || d.Same != 1 {
		t.Errorf("changes %+v, same %d", d.Changes, d.Same)
	}
	screen := m.Render()
	for _, want := range []string{"POINT", "BEFORE", "AFTER", "DELTA", "voltage_l1", "230.5", "231.25", "+0.75", "-249.5", "added", "3 points changed, 1 the same"} {
		if !strings.Contains(screen, want) {
			t.Errorf("the diff lacks %q:\n%s", want, screen)
		}
	}
	// A result of an earlier request is dropped.
	m = step(m, toolsDiffMsg{id: m.tools.id - 1, diff: probes.SnapshotDiff{}})
	if m.tools.diff != d {
		t.Error("a stale diff replaced the one shown")
	}
	if m = step(m, keyPress("esc")); m.Screen() != ScreenTools || m.tools.mode != toolsDiffPick {
		t.Errorf("esc on the diff: %v %v", m.Screen(), m.tools.mode)
	}
	if m = step(m, keyPress("esc")); m.tools.mode != toolsMenu {
		t.Errorf("esc on the pick: %v", m.tools.mode)
	}
	if m = step(m, keyPress("esc")); m.Screen() == ScreenTools {
		t.Error("esc on the menu stayed on the tools")
	}
}

// TestToolsDiffBadFile: a snapshot that does not load is an error, not a diff.
func TestToolsDiffBadFile(t *testing.T) {
	c := fixedCommon(t)
	c.SnapshotDir = t.TempDir()
	snapshotPair(t, c.SnapshotDir)
	if err := os.WriteFile(filepath.Join(c.SnapshotDir, "snapshot-zzz.json"), []byte("not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	m := runCmd(t, step(New(c, Options{}), ShowScreenMsg{Screen: ScreenTools}), keyPress("enter"))
	m = step(m, keyPress("enter"), keyPress("down"), keyPress("down"))
	m, cmd := update(t, m, keyPress("enter"))
	m, cmd = update(t, m, cmd())
	if m.tools.mode != toolsDiffPick || cmd == nil {
		t.Fatalf("a bad snapshot: mode %v", m.tools.mode)
	}
	if msg, ok := cmd().(ErrorMsg); !ok || msg.Where != "diff" {
		t.Errorf("error %v", msg)
	}
}

// goldenSniff is the tools screen capturing a line, with a few events.
func goldenSniff(t *testing.T, c *Common) Model {
	c.ListPorts = func() ([]probes.SerialPort, error) {
		return []probes.SerialPort{{Path: "/dev/ttyUSB0", VendorID: "0403", ProductID: "6001", Manufacturer: "FTDI", Product: "FT232R USB UART"}}, nil
	}
	m := step(New(c, Options{}), ShowScreenMsg{Screen: ScreenTools}, keyPress("down"))
	m = runCmd(t, m, keyPress("enter"))
	m = step(m, keyPress("b"), keyPress("a"))
	m, _ = update(t, m, keyPress("enter")) // the capture's command is dropped: no port is opened
	m.tools.sniff.cancel()
	run := m.tools.sniff.id
	tr := modbus.NewTraffic(modbus.FramingRTU)
	at := t0
	for i := 0; i < 4; i++ {
		unit := byte(1 + i%2)
		req, _ := modbus.ReadRequest(modbus.FuncReadHoldingRegisters, uint16(i*2), 2)
		frames := []modbus.TapFrame{{Dir: modbus.TX, Bytes: modbus.EncodeRTU(unit, req), Start: at, End: at.Add(4 * time.Millisecond)}}
		at = at.Add(12 * time.Millisecond)
		var resp modbus.PDU
		if i == 3 {
			resp = modbus.ExceptionPDU(modbus.FuncReadHoldingRegisters, modbus.ExIllegalDataAddress)
		} else {
			resp = modbus.RegistersResponse(modbus.FuncReadHoldingRegisters, []uint16{uint16(i), 0x4170})
		}
		frames = append(frames, modbus.TapFrame{Dir: modbus.RX, Bytes: modbus.EncodeRTU(unit, resp), Start: at, End: at.Add(5 * time.Millisecond)})
		at = at.Add(250 * time.Millisecond)
		for _, f := range frames {
			for _, ev := range tr.Add(f) {
				m = step(m, sniffEventMsg{run: run, ev: ev})
			}
		}
	}
	return m
}

// TestToolsSniffUpdate: the setup lists the ports, b and a change the
// line, enter starts; events of the run show as frames and in the
// summary, events of another run are dropped; esc stops, esc again goes
// back to the ports.
func TestToolsSniffUpdate(t *testing.T) {
	m := goldenSniff(t, fixedCommon(t))
	if m.tools.sniff.line.Baud != 19200 || m.tools.sniff.line.Parity != "E" {
		t.Errorf("line %v, want 19200 8E1", m.tools.sniff.line)
	}
	if len(m.tools.sniff.lines) != 8 {
		t.Fatalf("%d frames: %v", len(m.tools.sniff.lines), m.tools.sniff.lines)
	}
	sum := m.tools.sniff.stats.Summary()
	if u, _ := sum.Unit(2); u.Requests != 2 || u.Exceptions != 1 {
		t.Errorf("unit 2: %+v", u)
	}
	m = step(m, sniffEventMsg{run: m.tools.sniff.id + 5, ev: modbus.TrafficEvent{Kind: modbus.EventGarbage}})
	if len(m.tools.sniff.lines) != 8 {
		t.Error("an event of another capture was taken in")
	}
	if !strings.Contains(m.Render(), "EXC!") {
		t.Errorf("the exception is not marked:\n%s", m.Render())
	}
	m = step(m, keyPress("esc"))
	if m.tools.Sniffing() || m.Screen() != ScreenTools || !strings.Contains(m.Render(), "stopped") {
		t.Fatalf("esc did not stop the capture:\n%s", m.Render())
	}
	if m = step(m, keyPress("esc")); m.tools.mode != toolsSniffSetup {
		t.Errorf("esc after the capture: %v", m.tools.mode)
	}
}

// TestToolsSniffLive listens to a simulated RTU bus's listen-only pty
// while a client polls on the main pty: the requests and replies show
// decoded, and the summary counts them per unit; esc stops the capture.
func TestToolsSniffLive(t *testing.T) {
	r := startPlant(t, sim.Plant{Name: "line", Buses: []sim.Bus{{Name: "rs485", Kind: sim.BusRTU, Sniff: true,
		Line:    &sim.LineConfig{Baud: 19200},
		Devices: []sim.DeviceConfig{{Unit: 1, HoldingRegisters: []sim.RegBlock{{Address: 0, Values: []int{7, 8}}}}}}}})
	ep, _ := r.Endpoint("rs485")
	c := testCommon(t)
	c.ListPorts = func() ([]probes.SerialPort, error) { return []probes.SerialPort{{Path: ep.SniffPath}}, nil }
	d := newDriver(t, New(c, Options{}))
	d.send(ShowScreenMsg{Screen: ScreenTools})
	d.send(keyPress("down"))
	d.send(keyPress("enter"))
	d.until("the ports", 5*time.Second, func(m Model) bool { return len(m.tools.ports) == 1 })
	d.send(keyPress("b")) // 19200
	d.send(keyPress("enter"))
	d.until("the capture", 5*time.Second, func(m Model) bool { return m.tools.Sniffing() })
	time.Sleep(200 * time.Millisecond) // let the sniffer drop what was buffered

	line, err := modbus.OpenSerial(ep.Address, modbus.LineSettings{Baud: 19200})
	if err != nil {
		t.Fatal(err)
	}
	defer line.Close()
	client := modbus.NewClient(modbus.NewRTUTransport(line, modbus.RTUConfig{Timeout: 300 * time.Millisecond}), 300*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := 0; i < 3; i++ {
		if _, err := client.ReadHoldingRegisters(ctx, 1, 0, 2); err != nil {
			t.Fatal(err)
		}
	}
	d.until("the summary", 10*time.Second, func(m Model) bool {
		u, _ := m.tools.sniff.stats.Summary().Unit(1)
		return u.Requests >= 3 && u.Replies >= 3
	})
	screen := d.m.Render()
	for _, want := range []string{"REQ", "RSP", "u1", "fc03"} {
		if !strings.Contains(screen, want) {
			t.Errorf("the capture lacks %q:\n%s", want, screen)
		}
	}
	d.send(keyPress("esc"))
	if d.m.tools.Sniffing() {
		t.Error("esc did not stop the capture")
	}
}
