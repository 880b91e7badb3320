package sim

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/busprobe/busprobe/profiles"
	"github.com/busprobe/busprobe/protocols/modbus"
)

// embedded loads the embedded profile library or fails the test.
func embedded(t *testing.T) *profiles.Library {
	t.Helper()
	lib, err := profiles.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	return lib
}

// profilePlant starts a TCP gateway with one device per library profile
// (unit i+1 for profile i) on the given clock.
func profilePlant(t *testing.T, lib *profiles.Library, clk *fakeClock) (*modbus.Client, []*profiles.Profile) {
	t.Helper()
	list := lib.List()
	bus := Bus{Name: "gw", Kind: BusTCP, Listen: "127.0.0.1:0"}
	for i, p := range list {
		bus.Devices = append(bus.Devices, DeviceConfig{Unit: i + 1, Profile: p.ID})
	}
	r, err := Start(context.Background(), Plant{Buses: []Bus{bus}}, WithClock(clk.Now), WithProfiles(lib))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	ep, _ := r.Endpoint("gw")
	if len(ep.Profiles) != len(list) || ep.Profiles[1] != list[0].ID {
		t.Fatalf("endpoint profiles %v", ep.Profiles)
	}
	c, err := modbus.DialURL(context.Background(), ep.URL, modbus.DialOptions{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, list
}

// readPoint reads and decodes one point, resolving its scale factor.
func readPoint(ctx context.Context, c *modbus.Client, unit byte, p *profiles.Profile, pt *profiles.Point) (profiles.Value, error) {
	switch pt.Table {
	case profiles.TableCoil, profiles.TableDiscrete:
		read := c.ReadCoils
		if pt.Table == profiles.TableDiscrete {
			read = c.ReadDiscreteInputs
		}
		bits, err := read(ctx, unit, pt.Address, 1)
		if err != nil {
			return profiles.Value{}, err
		}
		return pt.DecodeBits(bits)
	}
	read := c.ReadHoldingRegisters
	if pt.Table == profiles.TableInput {
		read = c.ReadInputRegisters
	}
	var sf *int
	if pt.ScaleFactor != "" {
		sp, _ := p.Point(pt.ScaleFactor)
		v, err := readPoint(ctx, c, unit, p, sp)
		if err != nil {
			return profiles.Value{}, err
		}
		n := int(v.Int)
		sf = &n
	}
	regs, err := read(ctx, unit, pt.Address, uint16(pt.Size()))
	if err != nil {
		return profiles.Value{}, err
	}
	return pt.Decode(regs, sf)
}

// Every point of every library profile reads back, decodes, is implemented
// and lies in its range, at several device times; counters never go back
// and measurements move.
func TestProfileDevicesServeInRange(t *testing.T) {
	lib := embedded(t)
	clk := &fakeClock{now: time.Unix(1_000_000, 0)}
	c, list := profilePlant(t, lib, clk)
	ctx := context.Background()
	prev := map[string]float64{}
	moved := map[string]bool{}
	steps := []time.Duration{0, 17 * time.Second, 3 * time.Minute, time.Hour, 30 * 24 * time.Hour}
	for _, step := range steps {
		clk.Add(step)
		for i, p := range list {
			unit := byte(i + 1)
			for j := range p.Points {
				pt := &p.Points[j]
				v, err := readPoint(ctx, c, unit, p, pt)
				key := p.ID + "." + pt.Name
				switch {
				case err != nil:
					t.Fatalf("%s at +%v: %v", key, step, err)
				case !v.Implemented:
					t.Errorf("%s: not implemented (%v)", key, v.Raw)
				case !pt.InRange(v):
					t.Errorf("%s = %v, outside %v", key, v.Number, *pt.Range)
				case v.Kind == profiles.KindText && v.Text == "":
					t.Errorf("%s: empty text", key)
				}
				if v.Kind != profiles.KindNumber {
					continue
				}
				if old, ok := prev[key]; ok {
					if old != v.Number {
						moved[p.ID] = true
					}
					if isCounter(pt) && v.Number < old {
						t.Errorf("%s: counter went back from %v to %v", key, old, v.Number)
					}
				}
				prev[key] = v.Number
			}
		}
	}
	for _, p := range list {
		if !moved[p.ID] && p.ID != "sunspec-common" && p.ID != "generic-modbus" {
			t.Errorf("%s: no value changed over time", p.ID)
		}
	}
}

// Nominal values are what a technician expects to see on a live device.
func TestProfileDeviceNominalValues(t *testing.T) {
	lib := embedded(t)
	clk := &fakeClock{now: time.Unix(1_000_000, 0)}
	c, list := profilePlant(t, lib, clk)
	unitOf := map[string]byte{}
	for i, p := range list {
		unitOf[p.ID] = byte(i + 1)
	}
	tests := []struct {
		profile, point string
		lo, hi         float64
	}{
		{"eastron-sdm630", "voltage_l1", 225, 235},
		{"eastron-sdm630", "voltage_l1_l2", 390, 410},
		{"eastron-sdm630", "frequency", 49, 51},
		{"eastron-sdm630", "power_factor_total", 0.9, 1},
		{"carlogavazzi-em340", "voltage_l1", 225, 235},
		{"sht20-xy-md02", "temperature", 18, 25},
		{"sht20-xy-md02", "device_address", 0, 0}, // its unit, checked below
		{"schneider-atv320", "mains_voltage", 225, 235},
		{"sunspec-common", "model_length", 66, 66},
		{"sunspec-inverter", "frequency", 49, 51},
		{"sunspec-inverter", "voltage_an", 225, 235},
		{"sunspec-inverter", "model_id", 101, 103},
	}
	for _, tc := range tests {
		t.Run(tc.profile+"/"+tc.point, func(t *testing.T) {
			p, _ := lib.Get(tc.profile)
			pt, _ := p.Point(tc.point)
			v, err := readPoint(context.Background(), c, unitOf[tc.profile], p, pt)
			if err != nil {
				t.Fatal(err)
			}
			lo, hi := tc.lo, tc.hi
			if tc.point == "device_address" {
				lo, hi = float64(unitOf[tc.profile]), float64(unitOf[tc.profile])
			}
			if v.Number < lo || v.Number > hi {
				t.Fatalf("%s = %v, want %v..%v", tc.point, v.Number, lo, hi)
			}
		})
	}
	p, _ := lib.Get("sunspec-common")
	pt, _ := p.Point("sunspec_id")
	if v, err := readPoint(context.Background(), c, unitOf["sunspec-common"], p, pt); err != nil || v.Text != "SunS" {
		t.Fatalf("SunSpec marker %q, %v", v.Text, err)
	}
}

// Gaps shorter than the request limit read as zeros; the profile's
// limits, identity and writable points work; explicit blocks win.
func TestProfileDeviceShape(t *testing.T) {
	lib := embedded(t)
	clk := &fakeClock{now: time.Unix(1_000_000, 0)}
	cfg := DeviceConfig{
		Unit: 5, Profile: "SDM630", // an alias
		InputRegisters: []RegBlock{{Address: 400, Values: []int{7}}},
		Holes:          []Hole{{Table: TableInput, Address: 70, Count: 2}},
	}
	d, err := NewDevice(cfg, WithClock(clk.Now), WithProfiles(lib))
	if err != nil {
		t.Fatal(err)
	}
	if d.Profile() != "eastron-sdm630" || !strings.Contains(d.Name(), "SDM630") {
		t.Fatalf("profile %q name %q", d.Profile(), d.Name())
	}
	read := func(fc modbus.FunctionCode, addr, n uint16) (modbus.PDU, modbus.ExceptionCode) {
		resp, _ := d.Handle(must(modbus.ReadRequest(fc, addr, n)))
		return resp, exCode(resp)
	}
	tests := []struct {
		name       string
		addr, n    uint16
		wantExcept modbus.ExceptionCode
	}{
		{"across the 30043-30047 gap", 42, 8, 0},
		{"70 registers from 0", 0, 70, 0},
		{"beyond the limit", 0, 81, modbus.ExIllegalDataValue},
		{"explicit hole", 70, 1, modbus.ExIllegalDataAddress},
		{"gap of 112 registers is undefined", 100, 1, modbus.ExIllegalDataAddress},
		{"explicit block", 400, 1, 0},
	}
	for _, tc := range tests {
		resp, code := read(modbus.FuncReadInputRegisters, tc.addr, tc.n)
		if code != tc.wantExcept {
			t.Errorf("%s: exception %v, want %v (%v)", tc.name, code, tc.wantExcept, resp)
		}
	}
	if resp, _ := read(modbus.FuncReadInputRegisters, 44, 2); !isRegs(resp, 0, 0) {
		t.Errorf("gap 30045-30046 reads %v, want zeros", resp)
	}
	if resp, _ := read(modbus.FuncReadInputRegisters, 400, 1); !isRegs(resp, 7) {
		t.Errorf("explicit block reads %v, want 7", resp)
	}
	id, _ := d.Handle(must(modbus.ReadDeviceIDRequest(modbus.DeviceIDBasic, 0)))
	if exCode(id) != 0 || !strings.Contains(string(id.Data), "Eastron") {
		t.Errorf("identity % X", id.Data)
	}
	sid, _ := d.Handle(modbus.ReportServerIDRequest())
	if !strings.Contains(string(sid.Data), "Eastron SDM630") {
		t.Errorf("server ID % X", sid.Data)
	}

	// A writable point takes a new value; a measured one refuses it.
	p, _ := lib.Get("eastron-sdm630")
	pt, _ := p.Point("demand_period")
	regs, err := pt.Encode(15.0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if w, _ := d.Handle(must(modbus.WriteMultipleRegistersRequest(pt.Address, regs))); exCode(w) != 0 {
		t.Fatalf("write demand_period: %v", w)
	}
	resp, _ := read(modbus.FuncReadHoldingRegisters, pt.Address, 2)
	if !isRegs(resp, regs...) {
		t.Fatalf("demand_period reads %v after writing %v", resp, regs)
	}
	if w, _ := d.Handle(modbus.WriteSingleRegisterRequest(0, 1)); exCode(w) != modbus.ExIllegalDataAddress {
		t.Fatalf("write to an input register: %v", w)
	}
}

// isRegs reports whether a read reply carries exactly the registers want.
func isRegs(p modbus.PDU, want ...uint16) bool {
	if exCode(p) != 0 || len(p.Data) != 1+2*len(want) {
		return false
	}
	for i, w := range want {
		if uint16(p.Data[1+2*i])<<8|uint16(p.Data[2+2*i]) != w {
			return false
		}
	}
	return true
}

// A plant from YAML declares devices by profile.
func TestParsePlantProfile(t *testing.T) {
	y := "buses:\n  - name: gw\n    kind: tcp\n    listen: 127.0.0.1:0\n    devices:\n" +
		"      - unit: 1\n        profile: eastron-sdm120\n" +
		"      - unit: 2\n        profile: schneider-atv320\n        max_registers: 10\n"
	p, err := ParsePlant([]byte(y), "plant.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r, err := Start(context.Background(), *p)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ep, _ := r.Endpoint("gw")
	c, err := modbus.DialURL(context.Background(), ep.URL, modbus.DialOptions{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	regs, err := c.ReadInputRegisters(ctx, 1, 0, 2)
	if v := math.Float32frombits(uint32(regs[0])<<16 | uint32(regs[1])); err != nil || v < 200 || v > 260 {
		t.Fatalf("SDM120 voltage %v, %v", v, err)
	}
	if _, err := c.ReadHoldingRegisters(ctx, 2, 3201, 11); !isException(err, modbus.ExIllegalDataValue) {
		t.Fatalf("max_registers 10 overrides the profile's 63: %v", err)
	}
	if err := c.WriteSingleRegister(ctx, 2, 8502, 500); err != nil {
		t.Fatalf("write LFR: %v", err)
	}
	if got, err := c.ReadHoldingRegisters(ctx, 2, 8502, 1); err != nil || got[0] != 500 {
		t.Fatalf("LFR reads %v, %v", got, err)
	}
}

// isException reports whether err is the Modbus exception code.
func isException(err error, code modbus.ExceptionCode) bool {
	var ex *modbus.ExceptionError
	return errors.As(err, &ex) && ex.Code == code
}
