package tui

import (
	"bytes"
	"path/filepath"
	"sort"
	"strings"
	"time"

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
		rd := gateway.ReportDevice{URL: d.URL, Unit: d.Unit, Line: DeviceSettings(d), Profile: d.Profile,
			Confidence: d.Confidence, LatencyMS: d.LatencyMS, Notes: d.Notes}
		if d.Identity != nil {
			keys := make([]string, 0, len(d.Identity.Objects))
			for k := range d.Identity.Objects {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				rd.Identity = append(rd.Identity, gateway.KV{Key: k, Value: d.Identity.Objects[k]})
			}
			if d.Identity.Text != "" {
				rd.Identity = append(rd.Identity, gateway.KV{Key: "FC17", Value: d.Identity.Text})
			}
		}
		r.Devices = append(r.Devices, rd)
	}
	if len(rows) > 0 {
		r.Verified, r.Notes = true, notes
		for _, c := range rows {
			r.Points = append(r.Points, gateway.ReportPoint{Device: c.Device, Unit: c.Unit, Point: c.Point,
				Status: c.Status, Value: c.Value, Detail: c.Detail})
		}
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
