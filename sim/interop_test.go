//go:build linux

package sim

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/busprobe/busprobe/protocols/modbus"
)

// The protocols/modbus client against the simulator: every endpoint kind.
func TestClientInterop(t *testing.T) {
	p := DemoPlant("")
	rtuOverTCP := Bus{Name: "rtu-gw", Kind: BusTCP, Listen: "127.0.0.1:0", Framing: FramingRTU,
		Devices: []DeviceConfig{demoDevice(1, "eastron-sdm630", time.Millisecond, 0)}}
	p.Buses = append(p.Buses, rtuOverTCP)
	r, err := Start(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	gw, _ := r.Endpoint(DemoGateway)
	field, _ := r.Endpoint(DemoRTU)
	over, _ := r.Endpoint("rtu-gw")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	tests := []struct {
		name string
		url  string
		unit byte
	}{
		{"tcp", gw.URL, 1},
		{"rtu over tcp", over.URL, 1},
		{"rtu pty", field.URL, 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := modbus.DialURL(ctx, tc.url, modbus.DialOptions{Timeout: 500 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			regs, err := c.ReadInputRegisters(ctx, tc.unit, 0, 12)
			if err != nil || len(regs) != 12 {
				t.Fatalf("voltages %v, %v", regs, err)
			}
			// Eastron float32, high word first: about 230 V.
			if v := math.Float32frombits(uint32(regs[0])<<16 | uint32(regs[1])); v < 200 || v > 260 {
				t.Fatalf("voltage %v from %v", v, regs)
			}
			if _, err := c.ReadDeviceIdentification(ctx, tc.unit, modbus.DeviceIDRegular); err != nil {
				t.Fatalf("identification: %v", err)
			}
			_, err = c.ReadHoldingRegisters(ctx, tc.unit, 0, 10)
			var ex *modbus.ExceptionError
			if !errors.As(err, &ex) || ex.Code != modbus.ExIllegalDataAddress {
				t.Fatalf("hole: %v, want exception 02", err)
			}
		})
	}

	// In-process line: a parity mismatch never yields a valid reply, the
	// right settings do.
	bus, _ := r.RTUBus(DemoRTU)
	for _, parity := range []string{"E", "O", "N"} {
		line := NewLine(bus, modbus.LineSettings{Baud: 9600, Parity: parity})
		c := modbus.NewClient(modbus.NewRTUTransport(line, modbus.RTUConfig{Timeout: 200 * time.Millisecond}), 200*time.Millisecond)
		_, err := c.ReadInputRegisters(ctx, 11, 0, 4)
		c.Close()
		if (parity == "N") != (err == nil) {
			t.Fatalf("parity %s: %v", parity, err)
		}
	}
}
