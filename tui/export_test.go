package tui

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/busprobe/busprobe/gateway"
	"github.com/busprobe/busprobe/probes"
	"github.com/busprobe/busprobe/sim"
)

// update runs one message through the root model and returns its command.
func update(t *testing.T, m Model, msg tea.Msg) (Model, tea.Cmd) {
	t.Helper()
	nm, cmd := m.Update(msg)
	return nm.(Model), cmd
}

// exportOpen is the golden scan with the export screen shown.
func exportOpen(t *testing.T, c *Common) Model {
	return step(scanned(t, c), keyPress("6"))
}

// TestExportBuildsFromTheDevices: the devices with a profile become the
// config; the one without is named as skipped; every format renders.
func TestExportBuildsFromTheDevices(t *testing.T) {
	m := exportOpen(t, fixedCommon(t))
	if m.Screen() != ScreenExport {
		t.Fatalf("6 shows %v", m.Screen())
	}
	x := m.export.plan
	if len(x.cfg.Devices) != 3 || len(x.cfg.Buses) != 2 {
		t.Fatalf("%d devices on %d buses, want 3 on 2", len(x.cfg.Devices), len(x.cfg.Buses))
	}
	if len(x.skipped) != 1 || !strings.Contains(x.skipped[0], "unit 17") {
		t.Errorf("skipped %q, want unit 17 (no profile)", x.skipped)
	}
	want := map[ExportFormat]string{
		ExportYAML: "schema_version: 1", ExportJSON: `"schema_version": 1`, ExportTelegraf: "[[inputs.modbus]]",
		ExportEdgeX: "# ─── devices/busprobe-devices.yaml", ExportHomeAssistant: "modbus:",
	}
	for f := ExportYAML; f < exportFormats; f++ {
		if m.export.format != f {
			t.Fatalf("the format key reached %v, want %v", m.export.format, f)
		}
		if got := strings.Join(m.export.lines, "\n"); !strings.Contains(got, want[f]) {
			t.Errorf("%v preview lacks %q:\n%.400s", f, want[f], got)
		}
		m = step(m, keyPress("f"))
	}
	if m.export.format != ExportYAML {
		t.Errorf("f after the last format shows %v, want the first", m.export.format)
	}
	if m = step(m, keyPress("left")); m.export.format != ExportHomeAssistant {
		t.Errorf("← from the first format shows %v, want the last", m.export.format)
	}
}

// TestExportPreviewScrolls: ↓ and pgdn move through the preview, bounded.
func TestExportPreviewScrolls(t *testing.T) {
	m := exportOpen(t, fixedCommon(t))
	m = step(m, keyPress("down"), keyPress("down"))
	if m.export.offset != 2 {
		t.Errorf("offset %d after ↓↓, want 2", m.export.offset)
	}
	for i := 0; i < 100; i++ {
		m = step(m, keyPress("pgdown"))
	}
	last := len(m.export.lines) - ExportRowsVisible(m.export.h)
	if m.export.offset != last {
		t.Errorf("offset %d after many pgdn, want %d", m.export.offset, last)
	}
	if s := m.Render(); !strings.Contains(s, "of "+strconv.Itoa(len(m.export.lines))) {
		t.Errorf("the header does not say how long the preview is:\n%s", s)
	}
	if m = step(m, keyPress("esc")); m.Screen() != ScreenDevices {
		t.Errorf("esc on the export shows %v, want the devices", m.Screen())
	}
}

// TestExportSaveAsksBeforeOverwriting: s then enter saves the preview's
// file atomically; a second save finds it and asks; n keeps the file, y
// replaces it. No temporary file is left behind.
func TestExportSaveAsksBeforeOverwriting(t *testing.T) {
	c := fixedCommon(t)
	c.SnapshotDir = t.TempDir()
	m := exportOpen(t, c)
	path := filepath.Join(c.SnapshotDir, ExportYAML.DefaultPath())
	var want bytes.Buffer
	if err := gateway.WriteYAML(&want, m.export.plan.cfg); err != nil {
		t.Fatal(err)
	}

	save := func(m Model) Model {
		t.Helper()
		m = step(m, keyPress("s"))
		if !m.export.Typing() {
			t.Fatal("s opened no path input")
		}
		m, cmd := update(t, m, keyPress("enter"))
		if cmd == nil {
			t.Fatal("enter saved nothing")
		}
		return step(m, cmd())
	}
	m = save(m)
	if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("saved %q (%v), want the YAML preview", got, err)
	}
	if !strings.Contains(m.export.note, "saved "+path) {
		t.Errorf("note %q", m.export.note)
	}

	if err := os.WriteFile(path, []byte("edited by hand\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	m = save(m)
	if !m.export.Asking() || !strings.Contains(m.Render(), "Overwrite it") {
		t.Fatalf("a second save did not ask:\n%s", m.Render())
	}
	if m = step(m, keyPress("q")); m.Quitting() || !m.export.Asking() {
		t.Fatal("q while asking quit or closed the dialog")
	}
	m = step(m, keyPress("n"))
	if got, _ := os.ReadFile(path); string(got) != "edited by hand\n" || m.export.Asking() {
		t.Fatalf("n: file %q, still asking %v", got, m.export.Asking())
	}

	m = save(m)
	m, cmd := update(t, m, keyPress("y"))
	if cmd == nil {
		t.Fatal("y saved nothing")
	}
	m = step(m, cmd())
	if got, _ := os.ReadFile(path); !bytes.Equal(got, want.Bytes()) {
		t.Errorf("y did not overwrite: %q", got)
	}
	if ents, _ := os.ReadDir(c.SnapshotDir); len(ents) != 1 {
		t.Errorf("files left in the folder: %v", ents)
	}
}

// TestExportSaveEdgeXFolder: EdgeX writes its profiles and device list
// under the chosen folder.
func TestExportSaveEdgeXFolder(t *testing.T) {
	c := fixedCommon(t)
	c.SnapshotDir = t.TempDir()
	m := step(exportOpen(t, c), keyPress("f"), keyPress("f"), keyPress("f"), keyPress("s"))
	m, cmd := update(t, m, keyPress("enter"))
	step(m, cmd())
	for _, p := range []string{"edgex/devices/busprobe-devices.yaml", "edgex/profiles"} {
		if _, err := os.Stat(filepath.Join(c.SnapshotDir, p)); err != nil {
			t.Error(err)
		}
	}
}

// TestExportVerifyLive verifies against a live sensor whose humidity
// register is a hole: temperature verifies ok, humidity reports the
// exception, and results of a config since changed are dropped.
func TestExportVerifyLive(t *testing.T) {
	r := startPlant(t, sim.Plant{Name: "holes", Buses: []sim.Bus{{
		Name: "gw", Kind: sim.BusTCP, Listen: "127.0.0.1:0", Absent: sim.AbsentException,
		Devices: []sim.DeviceConfig{{Unit: 3, Profile: "sht20-xy-md02", Seed: 1,
			Holes: []sim.Hole{{Table: sim.TableInput, Address: 2}}}},
	}}})
	ep, _ := r.Endpoint("gw")
	c := testCommon(t)
	m := New(c, Options{})
	m.devices = m.devices.Add(probes.Device{URL: ep.URL, Unit: 3, Profile: "sht20-xy-md02", Confidence: 1})
	d := newDriver(t, m)
	d.send(ShowScreenMsg{Screen: ScreenExport}) // the connect screen shown first types digits
	d.send(keyPress("v"))
	d.until("the verification", 10*time.Second, func(m Model) bool { return !m.export.verifying && len(m.export.verified) > 0 })
	status := map[string]string{}
	for _, row := range d.m.export.verified {
		status[row.Point] = row.Status
	}
	if status["temperature"] != VerifyOK || status["humidity"] != VerifyException {
		t.Errorf("statuses %v, want temperature ok and humidity exception", status)
	}
	screen := d.m.Render()
	for _, want := range []string{"verified 4 points: 3 ok, 1 exception", "! sht20_xy_md02_u3", "humidity"} {
		if !strings.Contains(screen, want) {
			t.Errorf("screen lacks %q:\n%s", want, screen)
		}
	}

	old := d.m.export.id
	d.m.export = d.m.export.SetDevices(nil)
	d.send(exportVerifiedMsg{id: old, rows: []VerifyRow{{Point: "x", Status: VerifyOK}}})
	if len(d.m.export.verified) != 0 {
		t.Error("a verification of the previous config was taken in")
	}
}
