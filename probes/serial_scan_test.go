package probes

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/busprobe/busprobe/protocols/modbus"
	"github.com/busprobe/busprobe/sim"
)

// scanBus builds an in-process RTU bus (served nowhere) at line.
func scanBus(t *testing.T, line sim.LineConfig, faults sim.Faults, devs ...sim.DeviceConfig) *sim.RTUBus {
	t.Helper()
	bus, err := sim.NewRTUBus(sim.Bus{Name: "rs485", Kind: sim.BusRTU, Serve: sim.ServeNone, Line: &line,
		Faults: faults, Seed: 7, Devices: devs})
	if err != nil {
		t.Fatalf("bus: %v", err)
	}
	return bus
}

// lineOpener opens in-process lines to bus (a line knows both ends'
// settings, so baud and parity mismatches come back as garbage).
func lineOpener(bus *sim.RTUBus) LineOpener {
	return func(_ context.Context, s modbus.LineSettings) (modbus.Line, error) {
		return sim.NewLine(bus, s), nil
	}
}

func dev(unit int, turn time.Duration) sim.DeviceConfig {
	return sim.DeviceConfig{Unit: unit, Turnaround: turn, Jitter: turn / 2, Seed: int64(unit),
		HoldingRegisters: []sim.RegBlock{{Address: 0, Values: []int{unit * 100}}}}
}

func units(res ScanResult) []int {
	var u []int
	for _, d := range res.Devices {
		u = append(u, d.Unit)
	}
	return u
}

func scanCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// events collects a scan's events.
type events struct {
	mu  sync.Mutex
	evs []Event
}

func (e *events) emit(ev Event) {
	e.mu.Lock()
	e.evs = append(e.evs, ev)
	e.mu.Unlock()
}

func (e *events) count(typ string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, ev := range e.evs {
		if ev.Type == typ {
			n++
		}
	}
	return n
}

func TestScanSerialUnknownSettings(t *testing.T) {
	// Unit 17 has no register 0: it answers with exception 02, which proves it as well.
	d17 := sim.DeviceConfig{Unit: 17, Turnaround: 4 * time.Millisecond}
	bus := scanBus(t, sim.LineConfig{Baud: 19200, Parity: "E", StopBits: 1}, sim.Faults{},
		dev(1, 3*time.Millisecond), d17, dev(247, 6*time.Millisecond))
	var ev events
	res, err := ScanSerial(scanCtx(t), lineOpener(bus), SerialScanConfig{Port: "/dev/ttyTEST0", NoIdentify: true}, ev.emit)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	if got := units(res); !slices.Equal(got, []int{1, 17, 247}) {
		t.Fatalf("units = %v, want [1 17 247]; notes %v", got, res.Notes)
	}
	for _, d := range res.Devices {
		if d.Baud != 19200 || d.Parity != "E" || d.Stop != 1 {
			t.Errorf("unit %d at %d %s %d, want 19200 E 1", d.Unit, d.Baud, d.Parity, d.Stop)
		}
		if !strings.HasPrefix(d.URL, "rtu:///dev/ttyTEST0?baud=19200&parity=E&stop=1") {
			t.Errorf("unit %d URL %q", d.Unit, d.URL)
		}
		if d.LatencyMS <= 0 {
			t.Errorf("unit %d latency %v, want the measured turnaround", d.Unit, d.LatencyMS)
		}
		if _, err := modbus.ParseURL(d.URL); err != nil {
			t.Errorf("URL %q does not parse: %v", d.URL, err)
		}
	}
	if !strings.Contains(strings.Join(res.Devices[1].Notes, ";"), "exception 02") {
		t.Errorf("unit 17 notes %v, want the exception it answered with", res.Devices[1].Notes)
	}
	if ev.count("found") != 3 || ev.count("done") != 1 || ev.count("progress") < 200 {
		t.Errorf("events: %d found, %d done, %d progress", ev.count("found"), ev.count("done"), ev.count("progress"))
	}
	// Locking the settings took a few probes, not a sweep per setting.
	if res.Probes > 247+60 {
		t.Errorf("%d probes: the settings search should cost few", res.Probes)
	}
}

func TestScanSerialFaults(t *testing.T) {
	busy := dev(17, 4*time.Millisecond)
	busy.BusyRate = 0.5
	faults := sim.Faults{CorruptCRC: 0.05, Late: 0.1, LateDelay: 80 * time.Millisecond}
	bus := scanBus(t, sim.LineConfig{Baud: 19200, Parity: "N", StopBits: 1}, faults,
		dev(1, 3*time.Millisecond), busy, dev(247, 8*time.Millisecond))
	res, err := ScanSerial(scanCtx(t), lineOpener(bus), SerialScanConfig{Bauds: []int{9600, 19200}, NoIdentify: true}, nil)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	if got := units(res); !slices.Equal(got, []int{1, 17, 247}) {
		t.Fatalf("units = %v, want [1 17 247]; stats %+v; notes %v", got, bus.Stats(), res.Notes)
	}
	for _, d := range res.Devices {
		for _, n := range d.Notes {
			if strings.Contains(n, "duplicate") {
				t.Errorf("unit %d: false duplicate: %v", d.Unit, d.Notes)
			}
		}
	}
	t.Logf("stats %+v", bus.Stats())
}

// collider is a line to two buses at once, as two devices with the same
// unit ID on one segment: replies that overlap in time are ANDed bit by bit
// (an RS-485 collision: the dominant level wins).
type collider struct {
	a, b *sim.Line
}

func (c *collider) Write(p []byte) (int, error) {
	if _, err := c.b.Write(p); err != nil {
		return 0, err
	}
	return c.a.Write(p)
}

func (c *collider) Close() error { _ = c.b.Close(); return c.a.Close() }

func (c *collider) Settings() modbus.LineSettings { return c.a.Settings() }

func (c *collider) ReadTimeout(p []byte, d time.Duration) (int, error) {
	end := time.Now().Add(d)
	tmp := make([]byte, len(p))
	for range 100000 {
		n, err := c.a.ReadTimeout(p, 0)
		if err != nil {
			return 0, err
		}
		m, err := c.b.ReadTimeout(tmp, 0)
		if err != nil {
			return 0, err
		}
		switch {
		case n > 0 && m > 0:
			for i := range min(n, m) {
				p[i] &= tmp[i]
			}
			if m > n {
				n += copy(p[n:], tmp[n:m])
			}
			return n, nil
		case n > 0:
			return n, nil
		case m > 0:
			return copy(p, tmp[:m]), nil
		}
		if !time.Now().Before(end) {
			return 0, nil
		}
		time.Sleep(min(200*time.Microsecond, time.Until(end)))
	}
	return 0, nil
}

func TestScanSerialDuplicateUnit(t *testing.T) {
	for _, tc := range []struct {
		name      string
		dupTurn   time.Duration
		wantInDup string
	}{
		{"colliding replies", 5 * time.Millisecond, "duplicate unit ID"},
		{"two replies", 25 * time.Millisecond, "duplicate unit ID"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			line := sim.LineConfig{Baud: 19200, Parity: "N", StopBits: 1}
			main := scanBus(t, line, sim.Faults{},
				sim.DeviceConfig{Unit: 1, Turnaround: 5 * time.Millisecond, HoldingRegisters: []sim.RegBlock{{Address: 0, Values: []int{0x1111}}}},
				sim.DeviceConfig{Unit: 5, Turnaround: 5 * time.Millisecond, HoldingRegisters: []sim.RegBlock{{Address: 0, Values: []int{0x1234}}}})
			other := scanBus(t, line, sim.Faults{},
				sim.DeviceConfig{Unit: 5, Turnaround: tc.dupTurn, HoldingRegisters: []sim.RegBlock{{Address: 0, Values: []int{0x4321}}}})
			open := func(_ context.Context, s modbus.LineSettings) (modbus.Line, error) {
				return &collider{a: sim.NewLine(main, s), b: sim.NewLine(other, s)}, nil
			}
			cfg := SerialScanConfig{Bauds: []int{19200}, Parities: []string{"N"}, Units: []int{1, 2, 3, 4, 5, 6, 7, 8}, NoIdentify: true}
			res, err := ScanSerial(scanCtx(t), open, cfg, nil)
			if err != nil {
				t.Fatalf("scan: %v", err)
			}
			if got := units(res); !slices.Equal(got, []int{1, 5}) {
				t.Fatalf("units = %v, want [1 5]; notes %v", got, res.Notes)
			}
			if n := strings.Join(res.Devices[1].Notes, ";"); !strings.Contains(n, tc.wantInDup) {
				t.Errorf("unit 5 notes %q, want %q", n, tc.wantInDup)
			}
			if n := strings.Join(res.Devices[0].Notes, ";"); strings.Contains(n, "duplicate") {
				t.Errorf("unit 1 notes %q: no duplicate there", n)
			}
		})
	}
}

func TestScanSerialEcho(t *testing.T) {
	bus, err := sim.NewRTUBus(sim.Bus{Name: "echo", Kind: sim.BusRTU, Serve: sim.ServeNone, Echo: true,
		Line: &sim.LineConfig{Baud: 38400, Parity: "N", StopBits: 1}, Devices: []sim.DeviceConfig{dev(3, 2*time.Millisecond)}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := SerialScanConfig{Bauds: []int{38400}, Parities: []string{"N"}, Units: []int{1, 2, 3, 4, 5}, NoIdentify: true}
	res, err := ScanSerial(scanCtx(t), lineOpener(bus), cfg, nil)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	if got := units(res); !slices.Equal(got, []int{3}) {
		t.Fatalf("units = %v, want [3]", got)
	}
	if !strings.Contains(strings.Join(res.Notes, ";"), "echo") {
		t.Errorf("notes %v: want the RS-485 echo reported", res.Notes)
	}
	if !strings.Contains(res.Devices[0].URL, "echo=on") {
		t.Errorf("URL %q: want echo=on", res.Devices[0].URL)
	}
}

func TestScanSerialNothing(t *testing.T) {
	bus := scanBus(t, sim.LineConfig{Baud: 9600, Parity: "N", StopBits: 1}, sim.Faults{}, dev(100, time.Millisecond))
	cfg := SerialScanConfig{Bauds: []int{9600}, Parities: []string{"N"}, Units: []int{1, 2, 3}, NoIdentify: true}
	res, err := ScanSerial(scanCtx(t), lineOpener(bus), cfg, nil)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	if len(res.Devices) != 0 || res.Probes != 3 {
		t.Fatalf("devices %v, probes %d; want none in 3 probes", res.Devices, res.Probes)
	}
}

func TestScanSerialCancel(t *testing.T) {
	bus := scanBus(t, sim.LineConfig{Baud: 9600, Parity: "N", StopBits: 1}, sim.Faults{}, dev(1, time.Millisecond))
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	res, err := ScanSerial(ctx, lineOpener(bus), SerialScanConfig{NoIdentify: true}, func(ev Event) {
		if ev.Type == "progress" {
			if n++; n == 20 {
				cancel()
			}
		}
	})
	if err == nil || !res.Interrupted {
		t.Fatalf("err %v, interrupted %v: want the cancellation", err, res.Interrupted)
	}
	if res.Probes > 40 {
		t.Errorf("%d probes after cancel at 20", res.Probes)
	}
}

func TestScanSerialIdentifies(t *testing.T) {
	d := dev(4, time.Millisecond)
	d.Identity = &sim.Identity{VendorName: "Acme", ProductCode: "PM-1", Revision: "1.0"}
	bus := scanBus(t, sim.LineConfig{Baud: 115200, Parity: "N", StopBits: 1}, sim.Faults{}, d)
	cfg := SerialScanConfig{Bauds: []int{115200}, Parities: []string{"N"}, Units: []int{1, 2, 3, 4, 5}}
	res, err := ScanSerial(scanCtx(t), lineOpener(bus), cfg, nil)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	if len(res.Devices) != 1 || res.Devices[0].Identity == nil || res.Devices[0].Identity.Objects["VendorName"] != "Acme" {
		t.Fatalf("devices %+v: want unit 4 identified as Acme", res.Devices)
	}
}

func TestSerialSettingsOrder(t *testing.T) {
	got := SerialSettingsOrder([]int{9600, 19200}, DefaultParities, []int{1})
	var s []string
	for _, c := range got {
		s = append(s, c.String())
	}
	want := "9600 8N1,9600 8E1,19200 8N1,19200 8E1,9600 8O1,19200 8O1"
	if strings.Join(s, ",") != want {
		t.Errorf("order %s, want %s", strings.Join(s, ","), want)
	}
}

func TestNextSettingsSteers(t *testing.T) {
	cands := SerialSettingsOrder(DefaultBauds, DefaultParities, []int{1})
	tried := map[modbus.LineSettings]bool{cands[0]: true}
	at := cands[0] // 9600 8N1
	// As many bytes as a reply: same baud, other parity.
	if c, _ := nextSettings(cands, tried, []evidence{{at: at, unit: 1, n: 7}}); c.Baud != 9600 || c.Parity == "N" {
		t.Errorf("7 bytes at 9600: next %s, want 9600 with another parity", c)
	}
	// Fewer bytes: the bus is faster.
	if c, _ := nextSettings(cands, tried, []evidence{{at: at, unit: 1, n: 2}}); c.Baud != 38400 {
		t.Errorf("2 bytes at 9600: next %s, want 38400", c)
	}
	// More bytes: the bus is slower.
	if c, _ := nextSettings(cands, tried, []evidence{{at: at, unit: 1, n: 20}}); c.Baud >= 9600 {
		t.Errorf("20 bytes at 9600: next %s, want a slower baud", c)
	}
}
