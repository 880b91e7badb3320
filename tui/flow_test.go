package tui

import (
	"context"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/busprobe/busprobe/probes"
	"github.com/busprobe/busprobe/sim"
)

// startPlant starts a plant for one test.
func startPlant(t testing.TB, p sim.Plant) *sim.Running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r, err := sim.Start(ctx, p)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); cancel() })
	return r
}

// tcpJob is a scan of a plant's TCP bus.
func tcpJob(t testing.TB, r *sim.Running, bus string, units []int) ScanJob {
	t.Helper()
	ep, ok := r.Endpoint(bus)
	if !ok {
		t.Fatalf("no bus %s", bus)
	}
	host, port, err := net.SplitHostPort(ep.Address)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(port)
	return ScanJob{Label: ep.URL, TCP: &probes.TCPScanConfig{Targets: []string{host}, Ports: []int{n}, Units: units}}
}

// TestFlowDemoScanDeviceBack drives the whole flow on the demo plant's
// gateway: the scan starts by itself, the devices appear, enter opens the
// first one, its values arrive, esc goes back, q quits.
func TestFlowDemoScanDeviceBack(t *testing.T) {
	r := startPlant(t, sim.DemoPlant("127.0.0.1:0"))
	c := testCommon(t)
	req := ScanRequest{Jobs: []ScanJob{tcpJob(t, r, sim.DemoGateway, nil)}}
	d := newDriver(t, New(c, Options{Scan: &req}))
	d.send(tea_WindowSize(100, 30))

	d.until("the scan to find 3 devices", 20*time.Second, func(m Model) bool {
		return m.Screen() == ScreenScan && len(m.scan.Devices()) == 3 && !m.scan.Running()
	})
	if got := len(d.m.devices.Devices()); got != 3 {
		t.Fatalf("devices screen has %d devices, want 3", got)
	}
	screen := d.m.Render()
	for _, want := range []string{"eastron-sdm630", "advantech-adam-6024", "done"} {
		if !strings.Contains(screen, want) {
			t.Errorf("scan screen lacks %q:\n%s", want, screen)
		}
	}

	d.send(keyPress("enter"))
	d.until("the device screen", time.Second, func(m Model) bool { return m.Screen() == ScreenDevice })
	d.until("values of the first device", 10*time.Second, func(m Model) bool {
		return m.device.polls >= 2 && m.device.last.OK > 0
	})
	screen = d.m.Render()
	if !strings.Contains(screen, "voltage") {
		t.Errorf("device screen shows no voltage:\n%s", screen)
	}

	c.SnapshotDir = t.TempDir()
	d.send(keyPress("s"))
	d.until("the snapshot", 10*time.Second, func(m Model) bool { return strings.Contains(m.device.note, "snapshot saved") })
	if files, _ := filepath.Glob(filepath.Join(c.SnapshotDir, "snapshot-unit1-*.json")); len(files) != 1 {
		t.Errorf("snapshot files: %v", files)
	}

	d.send(keyPress("5"))
	d.until("traffic in the monitor", 5*time.Second, func(m Model) bool { return len(m.monitor.frames) > 0 })
	if s := d.m.Render(); !strings.Contains(s, "read") {
		t.Errorf("monitor shows no read request:\n%s", s)
	}
	d.send(keyPress("esc")) // monitor → device
	if d.m.Screen() != ScreenDevice {
		t.Fatalf("esc on the monitor shows %v, want the device", d.m.Screen())
	}
	d.send(keyPress("esc")) // device → devices, polling stops
	if d.m.Screen() != ScreenDevices {
		t.Fatalf("esc on the device shows %v, want the devices", d.m.Screen())
	}
	if d.m.device.cancel != nil {
		t.Error("polling still runs after leaving the device")
	}
	d.send(keyPress("q"))
	if !d.m.Quitting() {
		t.Error("q did not quit")
	}
}
