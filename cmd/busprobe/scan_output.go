package main

// The output of every `scan` subcommand (tcp, serial): one writer, so the
// human table, --json, --ndjson, -o FILE, the progress line and the exit
// codes are the same whatever bus was scanned.
//
// Use from a scan subcommand:
//
//	var out scanOutputFlags
//	out.register(cmd)                       // --json --ndjson -o/--output --force --no-progress
//	...
//	RunE: func(cmd *cobra.Command, args []string) error {
//		return out.run(cmd.Context(), e, func(ctx context.Context, emit func(probes.Event)) (probes.ScanResult, error) {
//			return probes.ScanSomething(ctx, cfg, emit)
//		})
//	}
//
// The scan function sends "progress" and "found" events through emit (from
// any goroutine; run serialises them); run writes "done" itself from the
// returned result. run returns nil when devices were found (exit 0), a
// codedError with exitNotFound (3) when none were, the scan's error
// otherwise (exit 1, or 130 when ctx was cancelled: the partial result is
// still written).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/busprobe/busprobe/probes"
	"github.com/spf13/cobra"
)

// scanOutputFlags are the output flags every scan subcommand shares.
type scanOutputFlags struct {
	json       bool
	ndjson     bool
	output     string
	force      bool
	noProgress bool
}

func (f *scanOutputFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.BoolVar(&f.json, "json", false, "print the result as one JSON document (schema_version, devices)")
	fl.BoolVar(&f.ndjson, "ndjson", false, "print one JSON event per line as the scan runs (progress, found, done)")
	fl.StringVarP(&f.output, "output", "o", "", "also save the scan as JSON to `FILE` (for export and the TUI)")
	fl.BoolVar(&f.force, "force", false, "let -o overwrite an existing file")
	fl.BoolVar(&f.noProgress, "no-progress", false, "no progress line on stderr")
}

// check validates the flags before the scan starts.
func (f scanOutputFlags) check() error {
	if f.json && f.ndjson {
		return usagef("--json and --ndjson exclude each other")
	}
	if f.force && f.output == "" {
		return usagef("--force only applies to -o FILE")
	}
	if f.output != "" && !f.force {
		if _, err := os.Lstat(f.output); err == nil {
			return &codedError{code: exitError, err: fmt.Errorf("%s exists: refusing to overwrite it (use --force)", f.output)}
		}
	}
	return nil
}

// run runs scan and writes its events and result; see the file comment.
func (f scanOutputFlags) run(ctx context.Context, e *env, scan func(ctx context.Context, emit func(probes.Event)) (probes.ScanResult, error)) error {
	if err := f.check(); err != nil {
		return err
	}
	var mu sync.Mutex
	prog := newProgressLine(e.stderr, !f.noProgress)
	emit := func(ev probes.Event) {
		mu.Lock()
		defer mu.Unlock()
		switch ev.Type {
		case "done":
			return // written below from the returned result
		case "progress":
			if ev.Progress != nil {
				prog.update(*ev.Progress)
			}
		case "found":
			if ev.Device != nil && !f.json && !f.ndjson {
				prog.found(*ev.Device)
			}
		}
		if f.ndjson {
			writeNDJSON(e.stdout, ev)
		}
	}
	res, scanErr := scan(ctx, emit)
	mu.Lock()
	defer mu.Unlock()
	prog.clear()
	if res.Devices == nil {
		res.Devices = []probes.Device{}
	}
	if res.SchemaVersion == 0 {
		res.SchemaVersion = probes.ScanSchemaVersion
	}
	if scanErr != nil && ctx.Err() == nil && len(res.Devices) == 0 && res.Probes == 0 {
		return scanErr // nothing was scanned: a bad target, a port that cannot open…
	}
	switch {
	case f.ndjson:
		r := res
		writeNDJSON(e.stdout, probes.Event{Type: "done", Result: &r})
	case f.json:
		if err := writeJSON(e.stdout, res); err != nil {
			return err
		}
	default:
		writeScanTable(e.stdout, res)
	}
	if f.output != "" {
		if err := saveJSONFile(f.output, res, f.force); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "saved %s\n", f.output)
	}
	if scanErr != nil {
		return scanErr
	}
	if len(res.Devices) == 0 {
		return &codedError{code: exitNotFound, err: errors.New("no devices found")}
	}
	return nil
}

func writeNDJSON(w io.Writer, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	b = append(b, '\n')
	_, _ = w.Write(b)
}

// writeScanTable prints the devices as a table, then the scan's notes.
func writeScanTable(w io.Writer, res probes.ScanResult) {
	if len(res.Devices) == 0 {
		fmt.Fprintf(w, "no devices found (%d probes, %s)\n", res.Probes, time.Duration(res.DurationMS*float64(time.Millisecond)).Round(time.Millisecond))
	} else {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "URL\tUNIT\tLATENCY\tPROFILE\tCONF\tIDENTITY\tNOTES")
		for _, d := range res.Devices {
			prof, conf := d.Profile, ""
			if prof == "" {
				prof = "-"
			} else {
				conf = fmt.Sprintf("%.2f", d.Confidence)
			}
			fmt.Fprintf(tw, "%s\t%d\t%.1f ms\t%s\t%s\t%s\t%s\n", d.URL, d.Unit, d.LatencyMS, prof, conf, identityLine(d.Identity), strings.Join(d.Notes, "; "))
		}
		tw.Flush()
		fmt.Fprintf(w, "%d device(s), %d probes, %s\n", len(res.Devices), res.Probes, time.Duration(res.DurationMS*float64(time.Millisecond)).Round(time.Millisecond))
	}
	for _, n := range res.Notes {
		fmt.Fprintln(w, "note:", n)
	}
	if res.Interrupted {
		fmt.Fprintln(w, "interrupted: the list above is partial")
	}
}

// identityLine is the short form of what a device says it is.
func identityLine(id *probes.Identity) string {
	if id == nil {
		return "-"
	}
	var parts []string
	for _, k := range []string{"VendorName", "ProductCode", "ModelName", "MajorMinorRevision"} {
		if v := id.Objects[k]; v != "" {
			parts = append(parts, v)
		}
	}
	if len(parts) == 0 && id.Text != "" {
		parts = append(parts, id.Text)
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, " ")
}

// progressLine shows the scan's progress on stderr: one line rewritten in
// place (\r) when stderr is a terminal, else a plain line every 10 s (and
// nothing for scans shorter than that).
type progressLine struct {
	w       io.Writer
	on, tty bool
	last    time.Time
	shown   bool
	start   time.Time
}

func newProgressLine(w io.Writer, on bool) *progressLine {
	return &progressLine{w: w, on: on, tty: isTerminal(w), start: time.Now()}
}

// isTerminal reports whether w is a terminal (not merely a character
// device: /dev/null is one too).
func isTerminal(w io.Writer) bool { return terminal(w) }

func (p *progressLine) update(pr probes.Progress) {
	if !p.on {
		return
	}
	now := time.Now()
	line := fmt.Sprintf("scanning %d/%d  %s  found %d", pr.Done, pr.Total, pr.Current, pr.FoundNow)
	if pr.ETAMS > 0 {
		line += fmt.Sprintf("  ~%s left", (time.Duration(pr.ETAMS) * time.Millisecond).Round(time.Second))
	}
	if p.tty {
		if now.Sub(p.last) < 100*time.Millisecond && pr.Done < pr.Total {
			return
		}
		fmt.Fprintf(p.w, "\r\033[K%s", line)
		p.shown = true
	} else {
		if now.Sub(p.start) < 10*time.Second || now.Sub(p.last) < 10*time.Second {
			return
		}
		fmt.Fprintln(p.w, line)
	}
	p.last = now
}

// found prints a device as it is found (terminal only; the table follows).
func (p *progressLine) found(d probes.Device) {
	if !p.on || !p.tty {
		return
	}
	fmt.Fprintf(p.w, "\r\033[Kfound %s unit %d %s\n", d.URL, d.Unit, d.Profile)
	p.last = time.Time{}
}

func (p *progressLine) clear() {
	if p.shown && p.tty {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
