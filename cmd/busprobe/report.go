package main

// `busprobe report --scan SCAN.json [--verify] -o report.html|report.md`:
// the commissioning report. Exit codes: 0 written (and every verified
// point ok); 4 written but --verify found failing points; 2 bad command
// line; 1 an error.

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/busprobe/busprobe/gateway"
	"github.com/busprobe/busprobe/probes"
	"github.com/busprobe/busprobe/protocols/modbus"
	"github.com/spf13/cobra"
)

// reportFlags are the flags of `busprobe report`.
type reportFlags struct {
	scan, output, format, journal, title string
	profileFor                           []string
	verify, force                        bool
	timeout                              time.Duration
	profiles                             profileFlags
}

func newReportCmd(e *env) *cobra.Command {
	var f reportFlags
	cmd := &cobra.Command{
		Use:   "report --scan SCAN.json [--verify] -o report.html|report.md",
		Short: "Write the commissioning report (HTML or Markdown) of a scan",
		Long: `Report writes the commissioning report of a scan: what the scan covered, the
devices with their identities and line settings, the bus health figures the
scan measured (requests, duration, per-device latency), the exported points
with their values at commissioning time (--verify reads them live, as
'busprobe export --verify' does) and the writes the journal holds for these
devices (--journal FILE, else $BUSPROBE_JOURNAL or the default journal).

The format follows the file's extension (.md/.markdown: Markdown, else HTML)
unless --format is given. The HTML is one self-contained, printable page.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runReport(cmd.Context(), e, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.scan, "scan", "", "the scan result (`SCAN.json`)")
	fl.StringVarP(&f.output, "output", "o", "", "write the report to `FILE` (atomically)")
	fl.StringVar(&f.format, "format", "", "html or md (default: by FILE's extension)")
	fl.StringVar(&f.journal, "journal", "", "the write journal (default $"+probes.EnvJournal+" or $XDG_STATE_HOME/busprobe/journal.ndjson)")
	fl.StringVar(&f.title, "title", "Commissioning report", "the report's title")
	fl.StringArrayVar(&f.profileFor, "profile-for", nil, "use profile ID for every device with unit UNIT (`UNIT=ID`, repeatable)")
	fl.BoolVar(&f.verify, "verify", false, "read every exported point from the live devices")
	fl.BoolVar(&f.force, "force", false, "overwrite FILE if it exists")
	fl.DurationVar(&f.timeout, "timeout", 0, "reply timeout for --verify")
	f.profiles.register(cmd, false)
	return cmd
}

// runReport is `busprobe report`.
func runReport(ctx context.Context, e *env, f reportFlags) error {
	if f.format == "" {
		f.format = "html"
		if ext := strings.ToLower(filepath.Ext(f.output)); ext == ".md" || ext == ".markdown" {
			f.format = "md"
		}
	}
	if f.format != "html" && f.format != "md" {
		return usagef("--format %q: want html or md", f.format)
	}
	ef := exportFlags{scan: f.scan, output: f.output, format: formatNative, force: f.force,
		interval: gateway.DefaultPollInterval, profileFor: f.profileFor}
	overrides, err := ef.check()
	if err != nil {
		return err
	}
	scan, err := readScan(f.scan)
	if err != nil {
		return err
	}
	rep := reportFromScan(scan, f.title)
	if f.verify {
		lib, err := f.profiles.library(e)
		if err != nil {
			return err
		}
		ex := buildExport(scan, lib, overrides, gateway.DefaultPollInterval)
		for _, s := range ex.skipped {
			fmt.Fprintln(e.stderr, "busprobe: warning: skipped "+s)
		}
		vr := verifyExport(ctx, ex, f.timeout)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		rep.Verified, rep.Notes = true, vr.Notes
		rep.Points = probes.ReportPoints(vr.Checks)
	}
	path := f.journal
	if path == "" {
		path, _ = probes.DefaultJournalPath(os.Getenv, os.UserHomeDir)
	}
	if rep.Writes, err = probes.JournalReportWrites(path, scan.Devices); err != nil {
		fmt.Fprintln(e.stderr, "busprobe: warning: journal:", err)
	} else if path != "" {
		rep.Journal = path
	}
	var buf bytes.Buffer
	if f.format == "md" {
		err = gateway.WriteReportMarkdown(&buf, rep)
	} else {
		err = gateway.WriteReportHTML(&buf, rep)
	}
	if err != nil {
		return err
	}
	if err := writeFiles([]outFile{{f.output, buf.Bytes()}}, f.force); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "saved %s (%s: %d devices, %d points verified, %d writes)\n", f.output, f.format,
		len(rep.Devices), len(rep.Points), len(rep.Writes))
	if n := rep.Failed(); n > 0 {
		return &codedError{code: exitPartial, err: fmt.Errorf("--verify: %d points failed (the report was written)", n)}
	}
	return nil
}

// reportFromScan converts the scan into the report's plain data.
func reportFromScan(s probes.ScanResult, title string) gateway.Report {
	r := gateway.Report{Title: title, Generator: "busprobe " + readBuildVersion().Version, Generated: time.Now(),
		Scan: gateway.ReportScan{Kind: s.Kind, Target: s.Target, Started: s.Started, DurationMS: s.DurationMS,
			Probes: s.Probes, Interrupted: s.Interrupted, Notes: s.Notes}}
	for _, d := range s.Devices {
		r.Devices = append(r.Devices, probes.ReportDevice(d, lineSettings(d)))
	}
	return r
}

// lineSettings describes how a device is reached, e.g. "9600 8E1".
func lineSettings(d probes.Device) string {
	t, err := modbus.ParseURL(d.URL)
	if err != nil {
		return ""
	}
	if t.Scheme == modbus.SchemeRTU {
		l := t.Line
		return fmt.Sprintf("%s %d %d%s%d", t.Address, orIntDefault(l.Baud, modbus.DefaultBaud), orIntDefault(l.DataBits, 8),
			orStrDefault(l.Parity, "N"), orIntDefault(l.StopBits, 1))
	}
	return t.Scheme + " " + t.Address
}

func orIntDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func orStrDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
