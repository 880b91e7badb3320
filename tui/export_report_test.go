package tui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/busprobe/busprobe/probes"
)

// saveReport presses r, types path and saves, running the save command.
func saveReport(t *testing.T, m Model, path string) Model {
	t.Helper()
	m = step(m, keyPress("r"))
	if !m.export.Typing() || !strings.Contains(m.Render(), "commissioning report of 4 devices") {
		t.Fatalf("r opened no report path input:\n%s", m.Render())
	}
	m.export.input.SetValue(path)
	m, cmd := update(t, m, keyPress("enter"))
	if cmd == nil {
		t.Fatal("enter saved nothing")
	}
	m, cmd = update(t, m, cmd()) // the report, built with the journal's writes
	if cmd == nil {
		t.Fatalf("the built report was not saved: %q", m.export.note)
	}
	return step(m, cmd())
}

// TestExportReportHTMLAndMarkdown: r saves the commissioning report of the
// devices found with the last verification: HTML by default, Markdown for
// .md; a second save asks before overwriting, and n keeps the file.
func TestExportReportHTMLAndMarkdown(t *testing.T) {
	c := fixedCommon(t)
	c.SnapshotDir = t.TempDir()
	c.JournalPath = filepath.Join(t.TempDir(), "journal.ndjson")
	j, err := probes.OpenJournal(c.JournalPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []probes.JournalEntry{
		{Target: "tcp://127.0.0.1:5020", Unit: 1, Point: "demand_period", Input: "15", Result: "ok"},
		{Target: "tcp://10.9.9.9:502", Unit: 1, Point: "elsewhere_point", Input: "1", Result: "ok"}, // not a device found
	} {
		if err := j.Append(e); err != nil {
			t.Fatal(err)
		}
	}
	_ = j.Close()
	m := exportOpen(t, c)
	m = step(m, exportVerifiedMsg{id: m.export.id, rows: goldenVerifyRows(), notes: []string{"hole at 30002"}})

	m = saveReport(t, m, DefaultReportPath)
	html, err := os.ReadFile(filepath.Join(c.SnapshotDir, DefaultReportPath))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<html", "SDM630", "voltage_l1", "231.2 V", "hole at 30002", "rtu:///dev/ttyUSB0", "demand_period"} {
		if !strings.Contains(string(html), want) {
			t.Errorf("the HTML report lacks %q", want)
		}
	}
	if strings.Contains(string(html), "elsewhere_point") {
		t.Error("the report lists a journaled write to a device it does not cover")
	}
	if !strings.Contains(m.export.note, "saved ") {
		t.Errorf("note %q", m.export.note)
	}

	m = saveReport(t, m, "report.md")
	md, err := os.ReadFile(filepath.Join(c.SnapshotDir, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(md), "<html") || !strings.Contains(string(md), "# Commissioning report") || !strings.Contains(string(md), "frequency") {
		t.Errorf("report.md is not the Markdown report:\n%.600s", md)
	}

	if err := os.WriteFile(filepath.Join(c.SnapshotDir, "report.md"), []byte("signed copy\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	m = saveReport(t, m, "report.md")
	if !m.export.Asking() || !strings.Contains(m.Render(), "Overwrite it with the commissioning report?") {
		t.Fatalf("a second report save did not ask:\n%s", m.Render())
	}
	m = step(m, keyPress("n"))
	if got, _ := os.ReadFile(filepath.Join(c.SnapshotDir, "report.md")); string(got) != "signed copy\n" {
		t.Errorf("n overwrote the report: %q", got)
	}
	m = saveReport(t, m, "report.md")
	m, cmd := update(t, m, keyPress("y"))
	step(m, cmd())
	if got, _ := os.ReadFile(filepath.Join(c.SnapshotDir, "report.md")); !strings.Contains(string(got), "frequency") {
		t.Errorf("y did not overwrite the report: %q", got)
	}
}

// TestExportReportUnverified: without a verification the report has the
// devices and no points; with no device at all, r does nothing.
func TestExportReportUnverified(t *testing.T) {
	r := buildReport(demoDevices(), nil, nil, "busprobe test", t0)
	if r.Verified || len(r.Points) != 0 || len(r.Devices) != 4 {
		t.Errorf("verified %v, %d points, %d devices", r.Verified, len(r.Points), len(r.Devices))
	}
	if r.Devices[2].Line != "9600 8N1" || r.Devices[0].Identity[0].Key != "ProductCode" || r.Devices[1].Identity[0].Key != "FC17" {
		t.Errorf("devices %+v", r.Devices)
	}
	m := step(New(fixedCommon(t), Options{}), ShowScreenMsg{Screen: ScreenExport}, keyPress("r"))
	if m.export.Typing() {
		t.Error("r with no device opened the path input")
	}
}
