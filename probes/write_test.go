package probes

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/busprobe/busprobe/profiles"
	"github.com/busprobe/busprobe/protocols/modbus"
	"github.com/busprobe/busprobe/sim"
)

// valveProfile is a test profile with every kind of writable point.
const valveProfile = `id: test-valve
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

func valve(t *testing.T) *profiles.Profile {
	t.Helper()
	p, err := profiles.Load("test-valve.yaml", []byte(valveProfile))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// writeBus is a Transport that serves one simulated device in-process and
// records every request. With lie set, writes are acknowledged but not
// applied, as a device that silently refuses a value does.
type writeBus struct {
	mu   sync.Mutex
	dev  *sim.Device
	lie  bool
	reqs []modbus.FunctionCode
}

func (b *writeBus) RoundTrip(_ context.Context, unit byte, req modbus.PDU) (modbus.PDU, error) {
	b.mu.Lock()
	b.reqs = append(b.reqs, req.Function)
	lie := b.lie
	b.mu.Unlock()
	if unit == 0 {
		b.dev.Broadcast(req)
		return modbus.PDU{}, nil
	}
	if unit != b.dev.Unit() {
		return modbus.PDU{}, &modbus.TimeoutError{Unit: unit}
	}
	if lie && isWrite(req.Function) {
		r, err := modbus.ParseRequest(req)
		if err != nil {
			return modbus.PDU{}, err
		}
		return modbus.WriteResponse(r), nil
	}
	resp, _ := b.dev.Handle(req)
	return resp, nil
}

func (b *writeBus) SetTap(modbus.Tap) {}
func (b *writeBus) Close() error      { return nil }

// writes returns the write requests sent.
func (b *writeBus) writes() []modbus.FunctionCode {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []modbus.FunctionCode
	for _, f := range b.reqs {
		if isWrite(f) {
			out = append(out, f)
		}
	}
	return out
}

func isWrite(f modbus.FunctionCode) bool {
	switch f {
	case modbus.FuncWriteSingleCoil, modbus.FuncWriteSingleRegister, modbus.FuncWriteMultipleCoils, modbus.FuncWriteMultipleRegisters:
		return true
	}
	return false
}

// valveDevice is unit 4 holding: setpoint 50.0 %, register 1 = 0x00F1,
// level 3.00 m (sf -2), speed, status 7, a command register, a coil, and
// a read-only block at 100.
func valveDevice(t *testing.T) (*writeBus, *modbus.Client) {
	t.Helper()
	dev, err := sim.NewDevice(sim.DeviceConfig{Unit: 4,
		HoldingRegisters: []sim.RegBlock{{Address: 0, Values: []int{500, 0x00F1, 300, -2, 0, 0, 7, 0}},
			{Address: 100, Values: []int{1}, ReadOnly: true}},
		Coils:          []sim.BitBlock{{Address: 0, Values: []bool{false, true}}},
		InputRegisters: []sim.RegBlock{{Address: 0, Values: []int{215}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	b := &writeBus{dev: dev}
	return b, modbus.NewClient(b, 0)
}

// holding reads registers straight from the device.
func holding(t *testing.T, c *modbus.Client, addr, n uint16) []uint16 {
	t.Helper()
	regs, err := c.ReadHoldingRegisters(context.Background(), 4, addr, n)
	if err != nil {
		t.Fatal(err)
	}
	return regs
}

func TestCheckWrite(t *testing.T) {
	p := valve(t)
	tests := []struct {
		name string
		spec WriteSpec
		ok   bool
		why  string
	}{
		{"rw point", WriteSpec{Unit: 1, Profile: p, Point: "setpoint"}, true, ""},
		{"read-only point", WriteSpec{Unit: 1, Profile: p, Point: "status"}, false, "read-only in profile test-valve"},
		{"input table", WriteSpec{Unit: 1, Profile: p, Point: "temperature"}, false, "input table is read-only"},
		{"unknown point", WriteSpec{Unit: 1, Profile: p, Point: "nope"}, false, `no point "nope"`},
		{"unit 0 without broadcast", WriteSpec{Unit: 0, Profile: p, Point: "setpoint"}, false, "unit 0 is broadcast"},
		{"broadcast to unit 3", WriteSpec{Unit: 3, Broadcast: true, Profile: p, Point: "setpoint"}, false, "not unit 3"},
		{"broadcast a point", WriteSpec{Unit: 0, Broadcast: true, Profile: p, Point: "setpoint"}, true, ""},
		{"broadcast a bit", WriteSpec{Unit: 0, Broadcast: true, Profile: p, Point: "flag_b3"}, false, "read-modify-write"},
		{"broadcast a scaled point", WriteSpec{Unit: 0, Broadcast: true, Profile: p, Point: "level"}, false, "scaled by level_sf"},
		{"raw holding", WriteSpec{Unit: 1, Table: profiles.TableHolding, Address: 9, Registers: []uint16{1, 2}}, true, ""},
		{"raw input", WriteSpec{Unit: 1, Table: profiles.TableInput, Registers: []uint16{1}}, false, "read-only"},
		{"raw too many", WriteSpec{Unit: 1, Table: profiles.TableHolding, Registers: make([]uint16, 124)}, false, "1..123"},
		{"raw past the end", WriteSpec{Unit: 1, Table: profiles.TableHolding, Address: 65535, Registers: []uint16{1, 2}}, false, "past address 65535"},
		{"raw coils", WriteSpec{Unit: 1, Table: profiles.TableCoil, Bits: []bool{true}}, true, ""},
		{"raw coils with registers", WriteSpec{Unit: 1, Table: profiles.TableCoil, Registers: []uint16{1}}, false, "take bits"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := CheckWrite(tc.spec)
			if tc.ok != (err == nil) {
				t.Fatalf("err = %v, want ok %v", err, tc.ok)
			}
			var re *RefusedError
			if err != nil && (!errors.As(err, &re) || !strings.Contains(err.Error(), tc.why)) {
				t.Errorf("err = %v, want a RefusedError with %q", err, tc.why)
			}
		})
	}
}

func TestWritePoints(t *testing.T) {
	p := valve(t)
	tests := []struct {
		name     string
		point    string
		value    string
		fn       modbus.FunctionCode
		addr     uint16
		sent     []uint16
		sentBits []bool
		old      string
		readBack string
		status   WriteStatus
	}{
		{"scaled u16", "setpoint", "42.5", modbus.FuncWriteSingleRegister, 0, []uint16{425}, nil, "50.0 %", "42.5 %", WriteOK},
		{"set a bit, keep the others", "flag_b3", "on", modbus.FuncWriteSingleRegister, 1, []uint16{0x00F9}, nil, "off", "on", WriteOK},
		{"scale factor read first", "level", "12.34", modbus.FuncWriteSingleRegister, 2, []uint16{1234}, nil, "3.00 m", "12.34 m", WriteOK},
		{"f32 word-swapped", "speed", "1500", modbus.FuncWriteMultipleRegisters, 4, []uint16{0x8000, 0x44BB}, nil, "0 rpm", "1500 rpm", WriteOK},
		{"coil", "relay", "on", modbus.FuncWriteSingleCoil, 0, nil, []bool{true}, "off", "on", WriteOK},
		{"write-only: no old value, no read-back", "command", "3", modbus.FuncWriteSingleRegister, 7, []uint16{3}, nil, "", "", WriteUnverified},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bus, c := valveDevice(t)
			ctx := context.Background()
			pw, err := PlanWrite(ctx, c, WriteSpec{Unit: 4, Profile: p, Point: tc.point, Value: tc.value})
			if err != nil {
				t.Fatalf("plan: %v", err)
			}
			if len(bus.writes()) != 0 {
				t.Fatalf("planning sent writes: %v", bus.writes())
			}
			if pw.Function != tc.fn || pw.Address != tc.addr || !slices.Equal(pw.NewRegs, tc.sent) || !slices.Equal(pw.NewBits, tc.sentBits) {
				t.Errorf("plan %s at %d %v %v, want %s at %d %v %v", pw.Function, pw.Address, pw.NewRegs, pw.NewBits, tc.fn, tc.addr, tc.sent, tc.sentBits)
			}
			if got := display(pw.Old); got != tc.old {
				t.Errorf("old = %q, want %q", got, tc.old)
			}
			res, err := ExecuteWrite(ctx, c, pw)
			if err != nil {
				t.Fatalf("execute: %v", err)
			}
			if res.Status != tc.status || display(res.ReadBack) != tc.readBack {
				t.Errorf("status %s, read back %q; want %s, %q", res.Status, display(res.ReadBack), tc.status, tc.readBack)
			}
			if got := bus.writes(); len(got) != 1 || got[0] != tc.fn {
				t.Errorf("writes sent %v, want one %s", got, tc.fn)
			}
			if tc.point == "flag_b3" {
				if got := holding(t, c, 0, 3); got[0] != 500 || got[1] != 0x00F9 || got[2] != 300 {
					t.Errorf("registers after the bit write %v: neighbours or other bits changed", got)
				}
			}
		})
	}
}

func TestWriteRawAndBroadcast(t *testing.T) {
	bus, c := valveDevice(t)
	ctx := context.Background()
	pw, err := PlanWrite(ctx, c, WriteSpec{Unit: 4, Table: profiles.TableHolding, Address: 6, Registers: []uint16{8, 9}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(pw.OldRegs, []uint16{7, 0}) || pw.Function != modbus.FuncWriteMultipleRegisters {
		t.Errorf("old %v, function %s", pw.OldRegs, pw.Function)
	}
	if res, err := ExecuteWrite(ctx, c, pw); err != nil || res.Status != WriteOK || !slices.Equal(res.ReadRegs, []uint16{8, 9}) {
		t.Errorf("raw write: %v, %+v", err, res)
	}
	pw, err = PlanWrite(ctx, c, WriteSpec{Unit: 4, Table: profiles.TableHolding, Address: 6, Registers: []uint16{5}, MultiWrite: true})
	if err != nil || pw.Function != modbus.FuncWriteMultipleRegisters {
		t.Errorf("--fc16: %v, %s", err, pw.Function)
	}
	before := len(bus.reqs)
	pw, err = PlanWrite(ctx, c, WriteSpec{Unit: 0, Broadcast: true, Table: profiles.TableHolding, Address: 0, Registers: []uint16{111}})
	if err != nil || pw.OldRegs != nil || len(bus.reqs) != before {
		t.Fatalf("broadcast plan read something: %v %v", err, pw.OldRegs)
	}
	res, err := ExecuteWrite(ctx, c, pw)
	if err != nil || res.Status != WriteSent || res.ReadRegs != nil {
		t.Errorf("broadcast: %v %+v", err, res)
	}
	if got := holding(t, c, 0, 1); got[0] != 111 || bus.dev.Stats().Broadcasts != 1 {
		t.Errorf("broadcast not applied: %v, %+v", got, bus.dev.Stats())
	}
}

func TestWriteFailures(t *testing.T) {
	p := valve(t)
	ctx := context.Background()
	t.Run("out of range refused, nothing sent", func(t *testing.T) {
		bus, c := valveDevice(t)
		_, err := PlanWrite(ctx, c, WriteSpec{Unit: 4, Profile: p, Point: "setpoint", Value: "150"})
		var re *RefusedError
		if !errors.As(err, &re) || !strings.Contains(err.Error(), "plausible range 0..100") || len(bus.writes()) != 0 {
			t.Errorf("err %v, writes %v", err, bus.writes())
		}
		if _, err := PlanWrite(ctx, c, WriteSpec{Unit: 4, Profile: p, Point: "setpoint", Value: "150", OutOfRange: true}); err != nil {
			t.Errorf("OutOfRange: %v", err)
		}
	})
	t.Run("bad value", func(t *testing.T) {
		_, c := valveDevice(t)
		_, err := PlanWrite(ctx, c, WriteSpec{Unit: 4, Profile: p, Point: "setpoint", Value: "fast"})
		var se *WriteStageError
		if !errors.As(err, &se) || se.Stage != "encode" {
			t.Errorf("err %v, want an encode error", err)
		}
	})
	t.Run("device keeps the old value", func(t *testing.T) {
		bus, c := valveDevice(t)
		pw, err := PlanWrite(ctx, c, WriteSpec{Unit: 4, Profile: p, Point: "setpoint", Value: "10"})
		if err != nil {
			t.Fatal(err)
		}
		bus.lie = true
		res, err := ExecuteWrite(ctx, c, pw)
		var me *MismatchError
		if !errors.As(err, &me) || res.Status != WriteMismatch || !strings.Contains(err.Error(), "read back 50.0 % [01F4] after writing 10.0 % [0064]") {
			t.Errorf("err %v, status %s", err, res.Status)
		}
	})
	t.Run("device refuses the write", func(t *testing.T) {
		_, c := valveDevice(t)
		pw, err := PlanWrite(ctx, c, WriteSpec{Unit: 4, Table: profiles.TableHolding, Address: 100, Registers: []uint16{2}})
		if err != nil {
			t.Fatal(err)
		}
		res, err := ExecuteWrite(ctx, c, pw)
		var exc *modbus.ExceptionError
		if !errors.As(err, &exc) || exc.Code != modbus.ExIllegalDataAddress || res.Status != WriteFailed {
			t.Errorf("err %v, status %s", err, res.Status)
		}
	})
	t.Run("silent unit", func(t *testing.T) {
		_, c := valveDevice(t)
		_, err := PlanWrite(ctx, c, WriteSpec{Unit: 9, Profile: p, Point: "setpoint", Value: "10"})
		var se *WriteStageError
		if !errors.As(err, &se) || se.Stage != "read old value" || !errors.Is(err, modbus.ErrTimeout) {
			t.Errorf("err %v", err)
		}
	})
}

func display(v *profiles.Value) string {
	if v == nil {
		return ""
	}
	return v.Display
}
