package tui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/busprobe/busprobe/probes"
	"github.com/busprobe/busprobe/profiles"
	"github.com/busprobe/busprobe/sim"
)

// TestUpdateNavigation sends keys to the root model and checks the screen.
func TestUpdateNavigation(t *testing.T) {
	tests := []struct {
		name string
		keys []string
		want Screen
		help bool
		quit bool
	}{
		{"tabs by number", []string{"3"}, ScreenDevices, false, false},
		{"monitor", []string{"5"}, ScreenMonitor, false, false},
		{"esc from devices goes to scan", []string{"3", "esc"}, ScreenScan, false, false},
		{"esc from scan goes to connect", []string{"esc"}, ScreenConnect, false, false},
		{"esc from monitor without device goes to scan", []string{"5", "esc"}, ScreenScan, false, false},
		{"help opens", []string{"?"}, ScreenScan, true, false},
		{"help swallows screen keys", []string{"?", "3"}, ScreenScan, true, false},
		{"help closes with esc", []string{"?", "esc"}, ScreenScan, false, false},
		{"q quits", []string{"q"}, ScreenScan, false, true},
		{"ctrl+c quits", []string{"ctrl+c"}, ScreenScan, false, true},
		{"q is typed into the picker filter", []string{"3", "p", "q"}, ScreenDevices, false, false},
		{"ctrl+c quits from the picker", []string{"3", "p", "ctrl+c"}, ScreenDevices, false, true},
		{"q is typed on the connect screen's TCP input", []string{"1", "q"}, ScreenConnect, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := scanned(t, fixedCommon(t))
			for _, k := range tt.keys {
				m = step(m, keyPress(k))
			}
			if m.Screen() != tt.want || m.showHelp != tt.help || m.Quitting() != tt.quit {
				t.Errorf("screen %v help %v quit %v, want %v %v %v", m.Screen(), m.showHelp, m.Quitting(), tt.want, tt.help, tt.quit)
			}
		})
	}
}

// TestUpdateDropsStaleResults: results tagged with an older ID change nothing.
func TestUpdateDropsStaleResults(t *testing.T) {
	c := fixedCommon(t)
	m := scanned(t, c)
	old := m.scan.id
	m = step(m, keyPress("r")) // rescan: a new ID, the list starts empty
	if m.scan.id == old {
		t.Fatal("rescan kept the scan ID")
	}
	d := demoDevices()[0]
	m = step(m, scanEventMsg{id: old, ev: probes.Event{Type: "found", Device: &d}})
	if n := len(m.scan.Devices()); n != 0 {
		t.Errorf("a found event of the old scan added a device: %d", n)
	}

	m = step(m, OpenDeviceMsg{Device: demoDevices()[0]})
	first := m.device.run.id
	m = step(m, OpenDeviceMsg{Device: demoDevices()[1]})
	m = step(m, pollSampleMsg{run: first, sample: fakeSample(m.device.prof, 0, t0)})
	if m.device.polls != 0 {
		t.Errorf("a poll result of the device left behind was taken in")
	}
}

// TestScanCancelKeepsDevices: x cancels the scan and keeps what was found.
func TestScanCancelKeepsDevices(t *testing.T) {
	m := scanned(t, fixedCommon(t))
	m = step(m, keyPress("x"))
	if n := len(m.scan.Devices()); n != 4 {
		t.Errorf("%d devices after cancel, want 4", n)
	}
	if !strings.Contains(m.Render(), "cancelled") {
		t.Errorf("the scan screen does not say it was cancelled:\n%s", m.Render())
	}
	m = step(m, scanFinishedMsg{id: m.scan.id})
	if m.scan.Running() || len(m.devices.Devices()) != 4 {
		t.Errorf("running %v, devices %d", m.scan.Running(), len(m.devices.Devices()))
	}
}

// TestWordOrderRedecodes: o switches the point's order and decodes its
// registers again at once, without a poll, and polling starts over with
// the new order.
func TestWordOrderRedecodes(t *testing.T) {
	m := polled(t, fixedCommon(t), 2)
	row := m.device.rows[0]
	pt := m.device.prof.Points[row.pi]
	if pt.Type != profiles.TypeF32 || pt.ByteOrder != profiles.ABCD {
		t.Fatalf("first point is %s %s, want f32 ABCD", pt.Type, pt.ByteOrder)
	}
	before := row.value.Number
	oldProf, oldRun := m.device.prof, m.device.run.id
	m = step(m, keyPress("o"))
	npt := m.device.prof.Points[row.pi]
	if npt.ByteOrder == profiles.ABCD {
		t.Fatal("o left the order")
	}
	if oldProf.Points[row.pi].ByteOrder != profiles.ABCD {
		t.Error("o changed the profile a poll may hold")
	}
	want, err := npt.Decode(row.value.Raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := m.device.rows[0].value.Number
	if got != want.Number || got == before {
		t.Errorf("after o the value is %v, want %v (was %v)", got, want.Number, before)
	}
	if m.device.run.id == oldRun || m.device.run.cancel == nil {
		t.Errorf("o did not start a new poller run (run %d, was %d)", m.device.run.id, oldRun)
	}
	// A sample of the run with the old order, still under way, is dropped.
	m = step(m, pollSampleMsg{run: oldRun, sample: fakeSample(oldProf, 1, t0)})
	if got := m.device.rows[0].value.Number; got != want.Number {
		t.Errorf("a late sample with the old order shows %v, want %v", got, want.Number)
	}
}

// TestWriteNeedsConfirmation: a planned write shows a dialog; n sends
// nothing, y sends it.
func TestWriteNeedsConfirmation(t *testing.T) {
	m := polled(t, fixedCommon(t), 1)
	plan := probes.PlannedWrite{Spec: probes.WriteSpec{Unit: 1, Point: "demand_period"}, NewRegs: []uint16{0x4170, 0}}
	m = step(m, writePlannedMsg{id: m.device.id, plan: plan})
	if !strings.Contains(m.Render(), "y: write") {
		t.Fatalf("no confirmation dialog:\n%s", m.Render())
	}
	nm, cmd := m.Update(keyPress("n"))
	m = nm.(Model)
	if cmd != nil || m.device.plan != nil {
		t.Error("n did not cancel the write")
	}
	m = step(m, writePlannedMsg{id: m.device.id, plan: plan})
	nm, cmd = m.Update(keyPress("q")) // not a confirmation, and not a quit while the dialog is open
	m = nm.(Model)
	if cmd != nil || m.Quitting() || m.device.plan == nil {
		t.Error("q in the dialog did something")
	}
	nm, cmd = m.Update(keyPress("y"))
	m = nm.(Model)
	if cmd == nil || m.device.plan != nil {
		t.Error("y did not send the write")
	}
}

// TestSlowDeviceNeverBlocks: with a device that takes 2 s to answer, a
// poll is under way while keys are pressed, and Update returns at once.
func TestSlowDeviceNeverBlocks(t *testing.T) {
	plant := sim.Plant{Buses: []sim.Bus{{
		Name: "slow", Kind: sim.BusTCP, Listen: "127.0.0.1:0",
		Devices: []sim.DeviceConfig{{Unit: 1, Profile: "eastron-sdm120", Turnaround: 2 * time.Second}},
	}}}
	r := startPlant(t, plant)
	ep, _ := r.Endpoint("slow")
	c := testCommon(t)
	c.Clients.Timeout = 5 * time.Second
	m := New(c, Options{})
	nm, cmd := m.Update(OpenDeviceMsg{Device: probes.Device{URL: ep.URL, Unit: 1, Profile: "eastron-sdm120"}})
	m = nm.(Model)
	if cmd == nil {
		t.Fatal("opening the device started no poll")
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	time.Sleep(100 * time.Millisecond) // the request is on the wire now
	for _, k := range []string{"down", "r", "space", "5", "4", "?", "?", "up"} {
		start := time.Now()
		nm, _ = m.Update(keyPress(k))
		m = nm.(Model)
		if d := time.Since(start); d > 50*time.Millisecond {
			t.Errorf("key %q took %s while a poll was outstanding", k, d)
		}
		_ = m.Render()
	}
	select {
	case <-done:
		t.Fatal("the poll ended before the device could answer: the test proves nothing")
	default:
	}
	// esc leaves the device: the poll is cancelled and its answer dropped.
	start := time.Now()
	nm, _ = m.Update(keyPress("esc"))
	m = nm.(Model)
	if d := time.Since(start); d > 50*time.Millisecond {
		t.Errorf("esc took %s while a poll was outstanding", d)
	}
	var msg tea.Msg
	select {
	case msg = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the poll did not end")
	}
	nm, _ = m.Update(msg)
	if nm.(Model).device.polls != 0 {
		t.Error("a poll result arrived after leaving the device and was taken in")
	}
}

// TestRecentRoundTrip writes and reads the recent targets file atomically.
func TestRecentRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "busprobe", "recent.json")
	r, err := LoadRecent(path)
	if err != nil || len(r.Targets) != 0 {
		t.Fatalf("missing file: %v %v", r.Targets, err)
	}
	var list []RecentTarget
	for i := 0; i < MaxRecent+3; i++ {
		r.Targets = list
		list = r.With(RecentTarget{Kind: "tcp", Target: fmt.Sprintf("10.0.0.%d", i%(MaxRecent+1)), When: t0})
	}
	if len(list) != MaxRecent {
		t.Errorf("%d targets kept, want %d", len(list), MaxRecent)
	}
	if err := SaveRecent(path, list); err != nil {
		t.Fatal(err)
	}
	back, err := LoadRecent(path)
	if err != nil || len(back.Targets) != MaxRecent || back.Targets[0].Target != list[0].Target {
		t.Fatalf("read back %v, %v", back.Targets, err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
}

// TestStartScanRemembersTarget: a scan started from the connect screen is
// remembered, through the injected writer.
func TestStartScanRemembersTarget(t *testing.T) {
	c := fixedCommon(t)
	c.Recent = &Recent{}
	saved := make(chan []RecentTarget, 1)
	ctx, cancel := context.WithCancel(c.Ctx)
	defer cancel()
	c.Ctx = ctx
	m := New(c, Options{SaveRecent: func(ts []RecentTarget) error { saved <- ts; return nil }})
	m = step(m, portsMsg{})
	for _, k := range "127.0.0.1:1" {
		m = step(m, keyPress(string(k)))
	}
	nm, cmd := m.Update(keyPress("enter"))
	m = nm.(Model)
	msg := cmd()
	start, ok := msg.(StartScanMsg)
	if !ok {
		t.Fatalf("enter gave %T, want StartScanMsg", msg)
	}
	if len(start.Req.Jobs) != 1 || start.Req.Jobs[0].TCP.Ports[0] != 1 {
		t.Fatalf("request %+v", start.Req.Jobs)
	}
	nm, cmd = m.Update(start)
	m = nm.(Model)
	cancel() // stop the scan it started
	go runAll(cmd)
	select {
	case ts := <-saved:
		if len(ts) != 1 || ts[0].Target != "127.0.0.1:1" || ts[0].Kind != "tcp" {
			t.Errorf("saved %+v", ts)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the target was not saved")
	}
}

// BenchmarkDeviceView renders the device screen of a 500-point device.
func BenchmarkDeviceView(b *testing.B) {
	c := testCommon(b)
	p := &profiles.Profile{ID: "bench-500", Vendor: "Bench", Model: "500"}
	for i := 0; i < 500; i++ {
		p.Points = append(p.Points, profiles.Point{
			Name: fmt.Sprintf("point_%03d", i), Table: profiles.TableInput, Address: uint16(2 * i),
			Type: profiles.TypeF32, Scale: 1, Unit: "V", Access: profiles.AccessRead,
		})
	}
	c.Lib.Add(p)
	c.Now = func() time.Time { return t0 }
	m := New(c, Options{})
	m = step(m, tea.WindowSizeMsg{Width: 120, Height: 40})
	m = step(m, OpenDeviceMsg{Device: probes.Device{URL: "tcp://127.0.0.1:1", Unit: 1, Profile: "bench-500"}})
	for i := 0; i < 20; i++ {
		m = step(m, pollSampleMsg{run: m.device.run.id, sample: fakeSample(m.device.prof, i, t0)})
	}
	m = step(m, keyPress("pgdown"), keyPress("pgdown"))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = m.View()
	}
}

// runAll runs a command and, for a batch, every command in it.
func runAll(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	if b, ok := cmd().(tea.BatchMsg); ok {
		for _, c := range b {
			go runAll(c)
		}
	}
}
