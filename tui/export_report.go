package tui

import (
	"bytes"
	"path/filepath"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/busprobe/busprobe/gateway"
	"github.com/busprobe/busprobe/probes"
)

// The export screen's commissioning report (as `busprobe report` writes
// it from a scan file): built from the devices found and the last
// verification. Nothing here does I/O.

// DefaultReportPath is where the report key saves unless the user types
// another path; a path ending in .md or .markdown saves Markdown.
const DefaultReportPath = "busprobe-report.html"

// reportIsMarkdown says whether path asks for the Markdown report.
func reportIsMarkdown(path string) bool {
	ext := strings.ToLower(filepath.Ext(path))
	return ext == ".md" || ext == ".markdown"
}

// buildReport fills the report's plain data from the devices and the
// verification (rows nil: not verified).
func buildReport(devs []probes.Device, rows []VerifyRow, notes []string, generator string, now time.Time) gateway.Report {
	r := gateway.Report{Title: "Commissioning report", Generator: generator, Generated: now,
		Scan: gateway.ReportScan{Notes: []string{"devices as found in the interactive interface"}}}
	for _, d := range devs {
		r.Devices = append(r.Devices, probes.ReportDevice(d, DeviceSettings(d)))
	}
	if len(rows) > 0 {
		r.Verified, r.Notes = true, notes
		r.Points = probes.ReportPoints(rows)
	}
	return r
}

// renderReport encodes the report for path: Markdown for .md, else HTML.
func renderReport(r gateway.Report, path string) ([]byte, error) {
	var buf bytes.Buffer
	var err error
	if reportIsMarkdown(path) {
		err = gateway.WriteReportMarkdown(&buf, r)
	} else {
		err = gateway.WriteReportHTML(&buf, r)
	}
	return buf.Bytes(), err
}

// buildReportCmd reads the journal's writes for the devices (file I/O, so
// inside the command), builds the report and renders it for path. A journal
// that cannot be read leaves the writes out, with a note in the report.
func (m ExportModel) buildReportCmd(path string) tea.Cmd {
	id, devs, rows, notes, gen, now := m.id, m.devs, m.verified, m.vnotes, m.generator(), m.common.now()
	journal := m.common.JournalPath
	return func() tea.Msg {
		rep := buildReport(devs, rows, notes, gen, now)
		writes, err := probes.JournalReportWrites(journal, devs)
		switch {
		case err != nil:
			rep.Notes = append(rep.Notes, "journal: "+err.Error())
		case journal != "":
			rep.Writes, rep.Journal = writes, journal
		}
		data, err := renderReport(rep, path)
		return reportBuiltMsg{id: id, path: path, data: data, err: err}
	}
}
