//go:build linux

package probes

import (
	"slices"
	"testing"
	"time"

	"github.com/busprobe/busprobe/sim"
)

// TestScanSerialPty scans a simulator bus served on a pty through the real
// serial port code (modbus.OpenSerial). A pty carries the baud rate (the
// simulator reads it from termios and garbles replies at another rate) but
// never the parity, so only the baud is detected here.
func TestScanSerialPty(t *testing.T) {
	plant := sim.Plant{Name: "pty scan", Buses: []sim.Bus{{
		Name: "rs485", Kind: sim.BusRTU, Serve: sim.ServePty,
		Line:    &sim.LineConfig{Baud: 19200, Parity: "N", StopBits: 1},
		Devices: []sim.DeviceConfig{dev(1, 3*time.Millisecond), dev(7, 5*time.Millisecond), dev(30, 4*time.Millisecond)},
	}}}
	ctx := scanCtx(t)
	running, err := sim.Start(ctx, plant)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() { _ = running.Close() })
	ep, _ := running.Endpoint("rs485")
	cfg := SerialScanConfig{Port: ep.Address, Bauds: []int{9600, 19200, 38400}, Parities: []string{"N"},
		Units: rangeUnits(1, 40), NoIdentify: true}
	res, err := ScanSerial(ctx, SerialPortOpener(ep.Address), cfg, nil)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	if got := units(res); !slices.Equal(got, []int{1, 7, 30}) {
		t.Fatalf("units = %v, want [1 7 30]; notes %v", got, res.Notes)
	}
	for _, d := range res.Devices {
		if d.Baud != 19200 {
			t.Errorf("unit %d at %d baud, want 19200", d.Unit, d.Baud)
		}
	}
	if st, _ := running.Stats("rs485"); st.Garbage == 0 {
		t.Errorf("no garbled reply at 9600: the baud was not found by evidence (stats %+v)", st)
	}
}

func rangeUnits(lo, hi int) []int {
	var u []int
	for i := lo; i <= hi; i++ {
		u = append(u, i)
	}
	return u
}
