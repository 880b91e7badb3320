package probes

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/busprobe/busprobe/profiles"
	"github.com/busprobe/busprobe/protocols/modbus"
	"github.com/busprobe/busprobe/sim"
)

// meterValues are engineering values the simulated SDM630 holds; every
// other point holds its index in the profile plus 0.5.
func meterValues() map[string]float64 {
	return map[string]float64{"voltage_l1": 230.5, "voltage_l2": 231.25, "voltage_l3": 229.75,
		"current_l1": 5.5, "power_total": -1234.5, "frequency": 50, "import_energy": 12345.5,
		"power_factor_l1": -0.5, "network_node": 7}
}

// wantValue returns the value meterValues puts at point i.
func wantValue(p *profiles.Profile, i int) float64 {
	if v, ok := meterValues()[p.Points[i].Name]; ok {
		return v
	}
	return float64(i) + 0.5
}

// regImage encodes values into a register image per table: addresses of
// the points, with zeros between them, as one block from the lowest
// point to the highest.
func regImage(t *testing.T, p *profiles.Profile, value func(i int) any) map[profiles.Table][]sim.RegBlock {
	t.Helper()
	words := map[profiles.Table]map[int]uint16{}
	for i := range p.Points {
		pt := &p.Points[i]
		if pt.Table.IsBit() {
			continue
		}
		regs, err := pt.Encode(value(i), nil)
		if err != nil {
			t.Fatalf("encode %s: %v", pt.Name, err)
		}
		if words[pt.Table] == nil {
			words[pt.Table] = map[int]uint16{}
		}
		for j, r := range regs {
			words[pt.Table][int(pt.Address)+j] |= r
		}
	}
	out := map[profiles.Table][]sim.RegBlock{}
	for tb, m := range words {
		lo, hi := math.MaxInt, 0
		for a := range m {
			lo, hi = min(lo, a), max(hi, a)
		}
		vals := make([]int, hi-lo+1)
		for a, w := range m {
			vals[a-lo] = int(w)
		}
		out[tb] = []sim.RegBlock{{Address: lo, Values: vals}}
	}
	return out
}

// meterDevice is a simulated SDM630 at unit 1 holding meterValues.
func meterDevice(t *testing.T, p *profiles.Profile) sim.DeviceConfig {
	img := regImage(t, p, func(i int) any { return wantValue(p, i) })
	return sim.DeviceConfig{Unit: 1, InputRegisters: img[profiles.TableInput], HoldingRegisters: img[profiles.TableHolding]}
}

// startDevice serves one device behind a TCP gateway and returns a client.
func startDevice(t *testing.T, dev sim.DeviceConfig) *modbus.Client {
	t.Helper()
	plant := sim.Plant{Name: "probes test", Buses: []sim.Bus{{Name: "gw", Kind: sim.BusTCP, Listen: "127.0.0.1:0",
		Devices: []sim.DeviceConfig{dev}}}}
	running, err := sim.Start(context.Background(), plant)
	if err != nil {
		t.Fatalf("start plant: %v", err)
	}
	t.Cleanup(func() { _ = running.Close() })
	ep, _ := running.Endpoint("gw")
	c, err := modbus.DialURL(context.Background(), ep.URL, modbus.DialOptions{Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func embedded(t *testing.T, id string) *profiles.Profile {
	t.Helper()
	lib, err := profiles.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	p, err := lib.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReadPointsMeter(t *testing.T) {
	p := embedded(t, "eastron-sdm630")
	full, _ := profiles.Plan(p.ReadablePoints(), p.Device)
	// A block answered by exception 02 is read again in runs of adjacent
	// points; the run answered 02 again is read point by point.
	runs := gapless(full.Requests[0])
	retried := len(full.Requests) + len(runs)
	freq := slices.IndexFunc(runs, func(r profiles.Request) bool { return r.Address <= 70 && r.End() >= 72 })
	retriedTwice := retried + len(runs[freq].Points)
	tests := []struct {
		name     string
		mutate   func(d *sim.DeviceConfig)
		names    []string
		failed   []string // points that must fail, with the exception code
		code     modbus.ExceptionCode
		requests int // 0: the planned number
		notes    bool
	}{
		{name: "all points"},
		{name: "some points", names: []string{"frequency", "voltage_l1", "network_node"}, requests: 2},
		{name: "unlisted hole in a gap is read around", notes: true, requests: retried,
			mutate: func(d *sim.DeviceConfig) {
				d.Holes = []sim.Hole{{Table: sim.TableInput, Address: 44, Count: 2}} // between 30043 and 30047
			}},
		{name: "hole at a point fails that point only", notes: true, failed: []string{"frequency"},
			code: modbus.ExIllegalDataAddress, requests: retriedTwice,
			mutate: func(d *sim.DeviceConfig) {
				d.Holes = []sim.Hole{{Table: sim.TableInput, Address: 70, Count: 2}} // 30071 frequency
			}},
		{name: "device limit below the profile's fails those blocks",
			failed: []string{"voltage_l1", "frequency", "export_reactive_energy"}, code: modbus.ExIllegalDataValue,
			mutate: func(d *sim.DeviceConfig) { d.MaxRegisters = 40 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dev := meterDevice(t, p)
			if tc.mutate != nil {
				tc.mutate(&dev)
			}
			c := startDevice(t, dev)
			rd, err := ReadPoints(context.Background(), c, 1, p, tc.names)
			if err != nil {
				t.Fatal(err)
			}
			wantN := len(p.ReadablePoints())
			if tc.names != nil {
				wantN = len(tc.names)
			}
			if len(rd.Points) != wantN {
				t.Fatalf("%d points, want %d", len(rd.Points), wantN)
			}
			if want := cmpOr(tc.requests, len(full.Requests)); rd.Requests != want {
				t.Errorf("%d requests, want %d", rd.Requests, want)
			}
			if (len(rd.Notes) > 0) != tc.notes {
				t.Errorf("notes %q, want some: %v", rd.Notes, tc.notes)
			}
			for _, r := range rd.Points {
				i := slices.IndexFunc(p.Points, func(pt profiles.Point) bool { return pt.Name == r.Name })
				if slices.Contains(tc.failed, r.Name) {
					var exc *modbus.ExceptionError
					var re *RequestError
					if !errors.As(r.Err, &exc) || exc.Code != tc.code || !errors.As(r.Err, &re) {
						t.Errorf("%s: err %v, want exception %s in a *RequestError", r.Name, r.Err, tc.code)
					}
					continue
				}
				if tc.code == modbus.ExIllegalDataValue && r.Err != nil {
					continue // the other points of the failing blocks
				}
				if r.Err != nil {
					t.Errorf("%s: %v", r.Name, r.Err)
					continue
				}
				if want := float64(float32(wantValue(p, i))); r.Value.Number != want || r.Unit != p.Points[i].Unit {
					t.Errorf("%s = %v %s, want %v %s", r.Name, r.Value.Number, r.Unit, want, p.Points[i].Unit)
				}
			}
			if tc.failed != nil && rd.OK() == 0 {
				t.Error("no point read: want partial results")
			}
		})
	}
}

func cmpOr(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}

func TestReadPointsDisplay(t *testing.T) {
	p := embedded(t, "eastron-sdm630")
	c := startDevice(t, meterDevice(t, p))
	rd, err := ReadPoints(context.Background(), c, 1, p, []string{"voltage_l1", "power_total", "frequency"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rd.Points {
		got = append(got, r.Name+"="+r.Value.Display)
	}
	// Profile order, not the order asked.
	want := "voltage_l1=230.5 V,power_total=-1234.5 W,frequency=50 Hz"
	if strings.Join(got, ",") != want {
		t.Errorf("got %s, want %s", strings.Join(got, ","), want)
	}
	if rd.Points[0].Label != "Phase 1 line to neutral volts" || !slices.Equal(rd.Points[0].Value.Raw, []uint16{0x4366, 0x8000}) {
		t.Errorf("voltage_l1: label %q raw %04X", rd.Points[0].Label, rd.Points[0].Value.Raw)
	}
}

// sunspecYAML is a small SunSpec-like profile: scale factors in their own
// request (max_registers 4), coils, discrete inputs and a pause.
const sunspecYAML = `id: test-ssf
vendor: Test
model: SSF
source: {title: test, version: "1"}
defaults: {table: holding, sunspec: true}
device: {max_registers: 4, pause: 20ms}
points:
  - {name: w, address: 0, type: i16, scale_factor: w_sf, unit: W}
  - {name: va, address: 1, type: u16, scale_factor: va_sf, unit: VA}
  - {name: hz, address: 2, type: u16, scale_factor: hz_sf, unit: Hz}
  - {name: w_sf, address: 10, type: sunssf}
  - {name: va_sf, address: 11, type: sunssf}
  - {name: hz_sf, address: 12, type: sunssf}
  - {name: run, table: coil, address: 3, type: bool}
  - {name: alarm, table: discrete, address: 0, type: bool}
  - {name: set, address: 20, type: u16, access: w}
`

func TestReadPointsScaleFactorsBitsAndPause(t *testing.T) {
	p, err := profiles.Load("test.yaml", []byte(sunspecYAML))
	if err != nil {
		t.Fatal(err)
	}
	dev := sim.DeviceConfig{Unit: 4,
		HoldingRegisters: []sim.RegBlock{{Address: 0, Values: []int{-12345, 0xFFFF, 5002}}, {Address: 10, Values: []int{-1, -2, -32768}}},
		Coils:            []sim.BitBlock{{Address: 0, Values: []bool{false, false, false, true}}},
		DiscreteInputs:   []sim.BitBlock{{Address: 0, Values: []bool{true}}},
	}
	c := startDevice(t, dev)
	rd, err := ReadPoints(context.Background(), c, 4, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range rd.Points {
		if r.Err != nil {
			got[r.Name] = "error: " + r.Err.Error()
		} else {
			got[r.Name] = r.Value.Display
		}
	}
	want := map[string]string{
		"w": "-1234.5 W", "va": "n/a", // 0xFFFF: not implemented, needs no sf
		"hz":   "error: hz: scale factor hz_sf: not implemented",
		"w_sf": "-1", "va_sf": "-2", "hz_sf": "n/a", "run": "on", "alarm": "on",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if len(rd.Points) != len(want) { // the write-only point is not read
		t.Errorf("%d points, want %d: %v", len(rd.Points), len(want), got)
	}
	// coil, discrete, holding 0..2, holding 10..12: three pauses.
	if rd.Requests != 4 || rd.Duration < 60*time.Millisecond {
		t.Errorf("%d requests in %s, want 4 with 3 pauses of 20ms", rd.Requests, rd.Duration)
	}
	// Asking for w alone reads its scale factor too, but reports w only.
	rd, err = ReadPoints(context.Background(), c, 4, p, []string{"w"})
	if err != nil || len(rd.Points) != 1 || rd.Points[0].Value.Display != "-1234.5 W" || rd.Requests != 2 {
		t.Errorf("w alone: %+v, %v", rd, err)
	}
}

func TestReadPointsErrors(t *testing.T) {
	p, err := profiles.Load("test.yaml", []byte(sunspecYAML))
	if err != nil {
		t.Fatal(err)
	}
	c := startDevice(t, sim.DeviceConfig{Unit: 4, HoldingRegisters: []sim.RegBlock{{Address: 0, Count: 30}}})
	tests := []struct {
		names []string
		want  any
	}{
		{[]string{"nope"}, new(*profiles.UnknownPointError)},
		{[]string{"set"}, new(*profiles.PlanError)},
	}
	for _, tc := range tests {
		_, err := ReadPoints(context.Background(), c, 4, p, tc.names)
		if err == nil || !errors.As(err, tc.want) {
			t.Errorf("%v: err %v, want %T", tc.names, err, tc.want)
		}
	}
	// A cancelled context: every point carries the context's error.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rd, err := ReadPoints(ctx, c, 4, p, nil)
	if !errors.Is(err, context.Canceled) || rd.OK() != 0 || len(rd.Points) == 0 {
		t.Errorf("cancelled: %v, %d ok of %d", err, rd.OK(), len(rd.Points))
	}
	// An absent unit: every request fails, nothing is read, no error.
	rd, err = ReadPoints(context.Background(), c, 9, p, []string{"w", "run"})
	if err != nil || rd.OK() != 0 || rd.Failed != rd.Requests {
		t.Errorf("absent unit: %v, %+v", err, rd)
	}
}
