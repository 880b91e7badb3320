package sunspec_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/busprobe/busprobe/profiles/sunspec"
	"github.com/busprobe/busprobe/protocols/modbus"
	"github.com/busprobe/busprobe/sim"
)

// TestDiscoverSimulatedInverter walks the simulator's SunSpec inverter
// over Modbus/TCP.
func TestDiscoverSimulatedInverter(t *testing.T) {
	plant := sim.Plant{Name: "sunspec", Buses: []sim.Bus{{
		Name: "gw", Kind: sim.BusTCP, Listen: "127.0.0.1:0",
		Devices: []sim.DeviceConfig{sim.SunSpecInverterDevice(3)},
	}}}
	run, err := sim.Start(context.Background(), plant)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { run.Close() })
	ep, _ := run.Endpoint("gw")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := modbus.DialURL(ctx, ep.URL, modbus.DialOptions{Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	dev, err := sunspec.Discover(ctx, c, 3)
	if err != nil {
		t.Fatal(err)
	}
	if dev.Base != 40000 || len(dev.Notes) != 0 {
		t.Errorf("base %d notes %q", dev.Base, dev.Notes)
	}
	var ids []int
	for _, m := range dev.Models {
		ids = append(ids, m.ID)
	}
	if !slices.Equal(ids, []int{1, 103, 64000}) || !slices.Equal(dev.Unknown(), []int{64000}) {
		t.Fatalf("models %v, unknown %v", ids, dev.Unknown())
	}
	tests := []struct {
		model          int
		point, display string
	}{
		{1, "Mn", "busprobe"},
		{1, "Md", "SIM-INV-10K"},
		{1, "Opt", ""},
		{1, "Vr", "1.2.0"},
		{1, "SN", "SIM0001"},
		{1, "DA", "3"},
		{103, "A", "43.50 A"},
		{103, "AphA", "14.50 A"},
		{103, "PPVphBC", "400.2 V"},
		{103, "PhVphA", "230.1 V"},
		{103, "W", "10000 W"},
		{103, "Hz", "50.01 Hz"},
		{103, "VA", "10020 VA"},
		{103, "VAr", "500 var"},
		{103, "PF", "99.8 Pct"},
		{103, "DCA", "13.20 A"},
		{103, "DCV", "780.0 V"},
		{103, "DCW", "10300 W"},
		{103, "TmpCab", "41.2 C"},
		{103, "TmpSnk", "45.5 C"},
		{103, "TmpTrns", "n/a"},
		{103, "St", "MPPT"},
		{103, "StVnd", "n/a"},
		{103, "Evt1", "-"},
	}
	for _, tt := range tests {
		m, _ := dev.Model(tt.model)
		p, ok := m.Point(tt.point)
		if !ok || p.Value.Display != tt.display {
			t.Errorf("%d.%s: %q (found %v), want %q", tt.model, tt.point, p.Value.Display, ok, tt.display)
		}
	}
	inv, _ := dev.Model(103)
	if wh, _ := inv.Point("WH"); wh.Value.Number < 12345678 || wh.Value.Number > 12345678+3*60 {
		t.Errorf("WH %v", wh.Value.Number)
	}
	if u := dev.Models[2]; u.Address != 40122 || u.Length != 4 {
		t.Errorf("unknown model at %d L %d", u.Address, u.Length)
	}
}
