package interop

import (
	"io"
	"log"
	"slices"
	"testing"
	"time"

	"github.com/busprobe/busprobe/protocols/modbus"
	"github.com/busprobe/busprobe/sim"
	sv "github.com/simonvetter/modbus"
)

// TestSimonvetterSimTCP: github.com/simonvetter/modbus's client reads our
// simulator's Modbus/TCP gateway, and writes that our client reads back.
func TestSimonvetterSimTCP(t *testing.T) {
	t.Parallel()
	const unit = 9
	r := startSim(t, sim.Plant{Buses: []sim.Bus{{
		Name: "gw", Kind: sim.BusTCP, Listen: "127.0.0.1:0",
		Devices: []sim.DeviceConfig{simDevice(unit)},
	}}})
	ep := endpoint(t, r, "gw")

	svc, err := sv.NewClient(&sv.ClientConfiguration{
		URL:     "tcp://" + ep.Address,
		Timeout: 2 * time.Second,
		Logger:  log.New(io.Discard, "", 0), // its default logs to stdout
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Open(); err != nil {
		t.Fatalf("simonvetter open: %v", err)
	}
	t.Cleanup(func() { _ = svc.Close() })
	if err := svc.SetUnitId(unit); err != nil {
		t.Fatal(err)
	}

	regReads := []struct {
		name string
		typ  sv.RegType
		addr uint16
		want []int
	}{
		{"holding", sv.HOLDING_REGISTER, 0, wantHolding},
		{"input", sv.INPUT_REGISTER, 100, wantInput},
	}
	for _, rr := range regReads {
		got, err := svc.ReadRegisters(rr.addr, uint16(len(rr.want)), rr.typ)
		if want := u16s(rr.want...); err != nil || !slices.Equal(got, want) {
			t.Errorf("simonvetter %s: %v, %v; want %v", rr.name, got, err, want)
		}
	}
	if got, err := svc.ReadCoils(0, uint16(len(wantCoils))); err != nil || !slices.Equal(got, wantCoils) {
		t.Errorf("simonvetter coils: %v, %v; want %v", got, err, wantCoils)
	}
	if got, err := svc.ReadDiscreteInputs(10, uint16(len(wantDiscrete))); err != nil || !slices.Equal(got, wantDiscrete) {
		t.Errorf("simonvetter discrete inputs: %v, %v; want %v", got, err, wantDiscrete)
	}

	// simonvetter writes (FC06, FC16); our client reads back over its own connection.
	if err := svc.WriteRegister(3, 4321); err != nil {
		t.Fatalf("simonvetter FC06: %v", err)
	}
	multi := u16s(7, 8, 0xFFFF)
	if err := svc.WriteRegisters(10, multi); err != nil {
		t.Fatalf("simonvetter FC16: %v", err)
	}
	ctx := testCtx(t)
	c := dial(t, ctx, ep.URL, modbus.DialOptions{Timeout: 2 * time.Second})
	if got, err := c.ReadHoldingRegisters(ctx, unit, 3, 1); err != nil || !slices.Equal(got, u16s(4321)) {
		t.Errorf("our read of register 3 after simonvetter's FC06: %v, %v; want [4321]", got, err)
	}
	if got, err := c.ReadHoldingRegisters(ctx, unit, 10, 3); err != nil || !slices.Equal(got, multi) {
		t.Errorf("our read of registers 10..12 after simonvetter's FC16: %v, %v; want %v", got, err, multi)
	}

	// And the other way: our write, simonvetter's read.
	if err := c.WriteSingleRegister(ctx, unit, 4, 0x0BAD); err != nil {
		t.Fatalf("our FC06: %v", err)
	}
	if got, err := svc.ReadRegister(4, sv.HOLDING_REGISTER); err != nil || got != 0x0BAD {
		t.Errorf("simonvetter read of register 4 after our FC06: %v, %v; want %d", got, err, 0x0BAD)
	}
}
