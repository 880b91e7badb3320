package tui

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/busprobe/busprobe/probes"
	"github.com/busprobe/busprobe/profiles"
	"github.com/busprobe/busprobe/protocols/modbus"
)

// updating says whether -update asks to rewrite the golden files. The flag
// is registered by github.com/charmbracelet/x/exp/golden (which teatest
// imports) with the same meaning; a second flag of that name would panic.
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// t0 is the fixed clock of the golden screens.
var t0 = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)

// golden compares got with testdata/name.golden (rewritten with -update).
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if updating() {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./tui -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (go test ./tui -update rewrites it)\n--- got:\n%s\n--- want:\n%s", name, got, want)
	}
}

// fixedCommon is a Common with a fixed clock and no I/O.
func fixedCommon(t testing.TB) *Common {
	c := testCommon(t)
	c.Now = func() time.Time { return t0 }
	c.PollInterval = time.Second
	return c
}

// step runs msg through the root model, dropping the commands: the golden
// screens are built from messages alone.
func step(m Model, msgs ...tea.Msg) Model {
	for _, msg := range msgs {
		nm, _ := m.Update(msg)
		m = nm.(Model)
	}
	return m
}

// demoDevices are the devices of the golden scan.
func demoDevices() []probes.Device {
	return []probes.Device{
		{URL: "tcp://127.0.0.1:5020", Unit: 1, Host: "127.0.0.1", Port: 5020, Framing: probes.FramingMBAP,
			Identity: &probes.Identity{Objects: map[string]string{"VendorName": "Eastron", "ProductCode": "SDM630"}},
			Profile:  "eastron-sdm630", Confidence: 0.95, LatencyMS: 3.4},
		{URL: "tcp://127.0.0.1:5020", Unit: 3, Host: "127.0.0.1", Port: 5020, Framing: probes.FramingMBAP,
			Identity: &probes.Identity{Text: "XY-MD02 SHT20"}, Profile: "sht20-xy-md02", Confidence: 0.55, LatencyMS: 4.4,
			Notes: []string{"ignores FC43"}},
		{URL: "rtu:///dev/ttyUSB0?baud=9600&parity=N&stop=1", Unit: 10, Baud: 9600, Parity: "N", Stop: 1,
			Identity: &probes.Identity{Objects: map[string]string{"VendorName": "Eastron", "ProductCode": "SDM120"}},
			Profile:  "eastron-sdm120", Confidence: 0.95, LatencyMS: 12.1},
		{URL: "rtu:///dev/ttyUSB0?baud=9600&parity=N&stop=1", Unit: 17, Baud: 9600, Parity: "N", Stop: 1, LatencyMS: 20.5},
	}
}

// scanned returns a root model that has scanned the demo devices, with
// the scan still running at 40 %.
func scanned(t testing.TB, c *Common) Model {
	m := New(c, Options{})
	req := ScanRequest{Jobs: []ScanJob{{Label: "tcp://127.0.0.1:5020", TCP: &probes.TCPScanConfig{}}}}
	m = step(m, StartScanMsg{Req: req})
	id := m.scan.id
	for _, d := range demoDevices() {
		d := d
		m = step(m, scanEventMsg{id: id, ev: probes.Event{Type: "found", Device: &d}})
	}
	m = step(m, scanEventMsg{id: id, ev: probes.Event{Type: "progress", Progress: &probes.Progress{
		Done: 98, Total: 247, Current: "9600 8N1 unit 99", ETAMS: 4200, FoundNow: 4}}})
	m = step(m, refreshMsg{at: t0.Add(3 * time.Second)})
	return m
}

// fakeSample is a poll, started at at, of every readable point of p with
// values that change with n; point 5 fails with exception 02 every time,
// and the figures say so.
func fakeSample(p *profiles.Profile, n int, at time.Time) probes.Sample {
	polls := int64(n + 1)
	st := probes.Stats{Requests: 3 * polls, OK: 2 * polls, Exceptions: map[string]int64{"02": polls},
		P50MS: 3.4, P95MS: 5.1, P99MS: 6, MaxMS: 6.2, Utilisation: 0.012, Polls: polls}
	s := probes.Sample{Seq: int64(n), Time: at, Duration: 12 * time.Millisecond, Unit: 1, Requests: 3, Stats: st, Bus: st}
	for i := range p.Points {
		pt := &p.Points[i]
		if !pt.Access.CanRead() {
			continue
		}
		ps := probes.PointSample{Name: pt.Name, Unit: pt.Unit, Point: pt}
		if pt.Table.IsBit() {
			bits := make([]bool, pt.Size())
			bits[0] = (i+n)%2 == 0
			ps.Value, ps.Err = pt.DecodeBits(bits)
		} else {
			var want any = float64((i*37+n*3)%500) / 2
			if pt.Type == profiles.TypeString {
				want = "ABC"
			}
			regs, err := pt.Encode(want, nil)
			if err != nil {
				regs = make([]uint16, pt.Size())
				regs[len(regs)-1] = uint16(i + n)
			}
			ps.Value, ps.Err = pt.Decode(regs, nil)
		}
		if i == 5 {
			ps.Value, ps.Err = profiles.Value{}, &probes.RequestError{Table: pt.Table, Address: pt.Address, Count: 2,
				Err: &modbus.ExceptionError{Function: modbus.FuncReadInputRegisters, Code: modbus.ExIllegalDataAddress}}
		}
		if ps.Err == nil {
			ps.Updated = at
			s.OK++
		}
		s.Points = append(s.Points, ps)
	}
	return s
}

// polled returns a root model on the device screen of unit 1 after n polls.
func polled(t testing.TB, c *Common, n int) Model {
	m := scanned(t, c)
	m = step(m, OpenDeviceMsg{Device: demoDevices()[0]})
	for i := 0; i < n; i++ {
		m = step(m, pollSampleMsg{run: m.device.run.id, sample: fakeSample(m.device.prof, i, t0.Add(time.Duration(i)*time.Second))})
	}
	return m
}

// trafficFrames fills the traffic log with a few requests and replies.
func trafficFrames(c *Common) {
	tap := c.Traffic.Tap("tcp://127.0.0.1:5020", modbus.FramingMBAP)
	at := t0
	for i := 0; i < 12; i++ {
		unit := byte(1 + i%3)
		req, _ := modbus.ReadRequest(modbus.FuncReadHoldingRegisters, uint16(i*2), 2)
		tx := modbus.EncodeMBAP(uint16(i+1), unit, req)
		tap(modbus.TapFrame{Dir: modbus.TX, Bytes: tx, Start: at, End: at.Add(100 * time.Microsecond)})
		at = at.Add(3 * time.Millisecond)
		var resp modbus.PDU
		if i%5 == 4 {
			resp = modbus.ExceptionPDU(modbus.FuncReadHoldingRegisters, modbus.ExIllegalDataAddress)
		} else {
			resp = modbus.RegistersResponse(modbus.FuncReadHoldingRegisters, []uint16{uint16(i), 0x4170})
		}
		rx := modbus.EncodeMBAP(uint16(i+1), unit, resp)
		tap(modbus.TapFrame{Dir: modbus.RX, Bytes: rx, Start: at, End: at.Add(100 * time.Microsecond)})
		at = at.Add(250 * time.Millisecond)
	}
}

func TestGoldenScreens(t *testing.T) {
	sizes := []struct{ w, h int }{{80, 24}, {120, 40}}
	screens := []struct {
		name  string
		build func(t *testing.T, c *Common) Model
	}{
		{"connect", func(t *testing.T, c *Common) Model {
			c.Recent = &Recent{Targets: []RecentTarget{{Kind: "tcp", Target: "10.0.0.5:502", When: t0},
				{Kind: "serial", Target: "/dev/ttyUSB1", Settings: "auto", When: t0}}}
			m := New(c, Options{})
			return step(m, portsMsg{ports: []probes.SerialPort{
				{Path: "/dev/ttyUSB0", VendorID: "0403", ProductID: "6001", Manufacturer: "FTDI", Product: "FT232R USB UART"},
				{Path: "/dev/ttyS0", Driver: "serial8250"}}})
		}},
		{"scan", func(t *testing.T, c *Common) Model { return scanned(t, c) }},
		{"scan_cancelled", func(t *testing.T, c *Common) Model { return step(scanned(t, c), keyPress("x")) }},
		{"devices", func(t *testing.T, c *Common) Model { return step(scanned(t, c), keyPress("3"), keyPress("down")) }},
		{"picker", func(t *testing.T, c *Common) Model {
			return step(scanned(t, c), keyPress("3"), keyPress("down"), keyPress("down"), keyPress("down"), keyPress("p"),
				keyPress("e"), keyPress("a"), keyPress("s"))
		}},
		{"device", func(t *testing.T, c *Common) Model { return polled(t, c, 6) }},
		{"device_raw", func(t *testing.T, c *Common) Model { return step(polled(t, c, 2), keyPress("r")) }},
		{"device_stale", func(t *testing.T, c *Common) Model {
			return step(polled(t, c, 3), refreshMsg{at: t0.Add(30 * time.Second)})
		}},
		{"monitor", func(t *testing.T, c *Common) Model {
			trafficFrames(c)
			return step(scanned(t, c), keyPress("5"))
		}},
		{"monitor_unit", func(t *testing.T, c *Common) Model {
			trafficFrames(c)
			return step(scanned(t, c), keyPress("5"), keyPress("u"), keyPress("u"))
		}},
		{"help", func(t *testing.T, c *Common) Model { return step(polled(t, c, 1), keyPress("?")) }},
		{"export", func(t *testing.T, c *Common) Model { return step(scanned(t, c), keyPress("6"), keyPress("down")) }},
		{"export_telegraf", func(t *testing.T, c *Common) Model {
			return step(scanned(t, c), keyPress("6"), keyPress("f"), keyPress("f"))
		}},
		{"export_verify", func(t *testing.T, c *Common) Model {
			m := step(scanned(t, c), keyPress("6"))
			return step(m, exportVerifiedMsg{id: m.export.id, rows: goldenVerifyRows(), notes: []string{"sht20_xy_md02_u3 (unit 3): hole at 30002"}})
		}},
		{"export_confirm", func(t *testing.T, c *Common) Model {
			m := step(scanned(t, c), keyPress("6"))
			return step(m, exportSavedMsg{id: m.export.id, exist: []string{"/srv/commissioning/busprobe-gateway.yaml"}})
		}},
		{"export_report", func(t *testing.T, c *Common) Model {
			m := step(scanned(t, c), keyPress("6"))
			m = step(m, exportVerifiedMsg{id: m.export.id, rows: goldenVerifyRows()})
			return step(m, keyPress("r"))
		}},
		{"export_empty", func(t *testing.T, c *Common) Model {
			return step(New(c, Options{}), ShowScreenMsg{Screen: ScreenExport})
		}},
		{"tools", func(t *testing.T, c *Common) Model { return step(scanned(t, c), keyPress("7")) }},
		{"tools_diff", func(t *testing.T, c *Common) Model {
			c.SnapshotDir = t.TempDir()
			snapshotPair(t, c.SnapshotDir)
			m := runCmd(t, step(scanned(t, c), keyPress("7")), keyPress("enter"))
			return runCmd(t, step(m, keyPress("enter"), keyPress("down")), keyPress("enter"))
		}},
		{"tools_sniff", func(t *testing.T, c *Common) Model { return goldenSniff(t, c) }},
		{"error", func(t *testing.T, c *Common) Model {
			return step(scanned(t, c), ErrorMsg{Where: "scan /dev/ttyUSB0", Err: fmt.Errorf("open /dev/ttyUSB0: permission denied")})
		}},
	}
	for _, sc := range screens {
		for _, sz := range sizes {
			name := fmt.Sprintf("%s_%dx%d", sc.name, sz.w, sz.h)
			t.Run(name, func(t *testing.T) {
				c := fixedCommon(t)
				m := sc.build(t, c)
				m = step(m, tea.WindowSizeMsg{Width: sz.w, Height: sz.h})
				got := m.Render()
				lines := strings.Split(got, "\n")
				if len(lines) != sz.h {
					t.Errorf("%d lines, want %d", len(lines), sz.h)
				}
				for i, l := range lines {
					if w := ansi.StringWidth(l); w > sz.w {
						t.Errorf("line %d is %d cells wide, want ≤ %d: %q", i, w, sz.w, l)
					}
				}
				golden(t, name, got)
			})
		}
	}
}

// goldenVerifyRows is a verification with every status.
func goldenVerifyRows() []VerifyRow {
	rows := []VerifyRow{
		{Device: "eastron_sdm630_u1", Unit: 1, Point: "voltage_l1", Status: VerifyOK, Value: "231.2 V"},
		{Device: "eastron_sdm630_u1", Unit: 1, Point: "voltage_l2", Status: VerifyOK, Value: "230.8 V"},
		{Device: "eastron_sdm630_u1", Unit: 1, Point: "frequency", Status: VerifyOutOfRange, Value: "0 Hz", Detail: "plausible 45..65"},
		{Device: "sht20_xy_md02_u3", Unit: 3, Point: "temperature", Status: VerifyOK, Value: "21.5 °C"},
		{Device: "sht20_xy_md02_u3", Unit: 3, Point: "humidity", Status: VerifyException,
			Detail: "read input 2..2: exception 02 illegal data address"},
		{Device: "eastron_sdm120_u10", Unit: 10, Point: "voltage", Status: VerifyError, Detail: "read input 0..1: timeout after 1s"},
		{Device: "eastron_sdm120_u10", Unit: 10, Point: "import_energy", Status: VerifyNotImplemented, Value: "n/a"},
	}
	return rows
}
