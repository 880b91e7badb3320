package tui

import (
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/busprobe/busprobe/probes"
	"github.com/busprobe/busprobe/sim"
)

// Whole flows through a real tea.Program (teatest/v2): its event loop,
// its command runner, its renderer writing to a terminal stream. The
// model is wrapped so the test can read the last frame as plain text; the
// terminal stream itself is checked too.

// frames keeps the last frame the program rendered.
type frames struct {
	mu   sync.Mutex
	last string
	n    int
}

func (f *frames) set(s string) {
	f.mu.Lock()
	f.last = s
	f.n++
	f.mu.Unlock()
}

func (f *frames) get() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.last
}

// framed is the root model recording every frame it renders.
type framed struct {
	Model
	frames *frames
}

func (m framed) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	nm, cmd := m.Model.Update(msg)
	m.Model = nm.(Model)
	return m, cmd
}

func (m framed) View() tea.View {
	m.frames.set(m.Render())
	return m.Model.View()
}

// flow is one program under test.
type flow struct {
	t      *testing.T
	tm     *teatest.TestModel
	frames *frames
}

func startFlow(t *testing.T, m Model, w, h int) *flow {
	f := &flow{t: t, frames: &frames{}}
	f.tm = teatest.NewTestModel(t, framed{Model: m, frames: f.frames}, teatest.WithInitialTermSize(w, h))
	t.Cleanup(func() { _ = f.tm.Quit() })
	return f
}

// waitFrame polls the rendered frames until ok holds (bounded).
func (f *flow) waitFrame(what string, timeout time.Duration, ok func(string) bool) string {
	f.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s := f.frames.get()
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("after %s no frame shows %s; last frame:\n%s", timeout, what, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (f *flow) key(k string) { f.tm.Send(keyPress(k)) }

// quit sends q and checks the program ends with the root model quitting.
func (f *flow) quit() {
	f.t.Helper()
	f.key("q")
	fm := f.tm.FinalModel(f.t, teatest.WithFinalTimeout(10*time.Second))
	if m, ok := fm.(framed); !ok || !m.Quitting() {
		f.t.Errorf("the program ended with %T, not quitting", fm)
	}
}

func hasAll(want ...string) func(string) bool {
	return func(s string) bool {
		for _, w := range want {
			if !strings.Contains(s, w) {
				return false
			}
		}
		return true
	}
}

// TestTeaFlowDemoScanDeviceBack: the demo's gateway is scanned as soon as
// the program starts; enter opens the SDM630 and its values arrive with
// units; esc goes back to the device list; q ends the program.
func TestTeaFlowDemoScanDeviceBack(t *testing.T) {
	r := startPlant(t, sim.DemoPlant("127.0.0.1:0"))
	c := testCommon(t)
	req := ScanRequest{Jobs: []ScanJob{tcpJob(t, r, sim.DemoGateway, nil)}}
	f := startFlow(t, New(c, Options{Scan: &req}), 80, 24)

	f.waitFrame("the scan done with the plant's devices", 20*time.Second,
		hasAll("[2 Scan]", "done", "eastron-sdm630", "advantech-adam-6024", "sht20-xy-md02"))
	teatest.WaitFor(t, f.tm.Output(), func(b []byte) bool { return strings.Contains(string(b), "eastron-sdm630") },
		teatest.WithDuration(5*time.Second))

	f.key("enter")
	volts := regexp.MustCompile(`voltage_l1 +\d+(\.\d+)? V `)
	screen := f.waitFrame("live voltages with their unit", 10*time.Second, func(s string) bool {
		return strings.Contains(s, "[4 Device]") && volts.MatchString(s)
	})
	if strings.Contains(screen, "! ") {
		t.Errorf("a point of the healthy demo shows an error:\n%s", screen)
	}

	f.key("esc")
	f.waitFrame("the devices screen", 5*time.Second, hasAll("[3 Devices]", "Devices  3 found"))
	f.quit()
}

// TestTeaFlowWatchFaultRecovers watches a sensor that answers half its
// requests with exception 06 (busy): the device screen marks a failing
// point with "!" and the error, then shows its value again, unmarked, once
// a poll gets through.
func TestTeaFlowWatchFaultRecovers(t *testing.T) {
	plant := sim.Plant{Name: "faulty", Buses: []sim.Bus{{
		Name: "gw", Kind: sim.BusTCP, Listen: "127.0.0.1:0", Absent: sim.AbsentException,
		Devices: []sim.DeviceConfig{{Unit: 3, Profile: "sht20-xy-md02", Seed: 7, BusyRate: 0.5}},
	}}}
	r := startPlant(t, plant)
	ep, ok := r.Endpoint("gw")
	if !ok {
		t.Fatal("no bus gw")
	}
	c := testCommon(t)
	c.Clients.Timeout = 300 * time.Millisecond
	f := startFlow(t, New(c, Options{}), 100, 30)

	// What enter on the sensor's row of the scan or devices list sends.
	f.tm.Send(OpenDeviceMsg{Device: probes.Device{URL: ep.URL, Unit: 3, Profile: "sht20-xy-md02", Confidence: 1}})

	failing := regexp.MustCompile(`(?m)^! (\w+) +error: .*(busy|06)`)
	screen := f.waitFrame("a point marked failing", 15*time.Second, failing.MatchString)
	name := failing.FindStringSubmatch(screen)[1]
	recovered := regexp.MustCompile(`(?m)^  ` + name + ` +-?\d+(\.\d+)? `)
	t.Logf("failing:\n%s", screen)
	screen = f.waitFrame(name+" recovered: unmarked, with a value", 15*time.Second, recovered.MatchString)
	t.Logf("recovered:\n%s", screen)
	f.quit()
}
