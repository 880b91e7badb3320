package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/busprobe/busprobe/probes"
	"github.com/busprobe/busprobe/profiles"
)

// writeRun carries one write attempt to its journal line and output.
type writeRun struct {
	e    *env
	f    writeFlags
	j    *probes.Journal
	url  string
	spec probes.WriteSpec
}

// refuse journals a refusal (nothing sent) and returns err.
func (w *writeRun) refuse(err error) error {
	return w.record(nil, nil, probes.WriteRefused, err)
}

// fail journals an attempt that ended before anything was written.
func (w *writeRun) fail(pw *probes.PlannedWrite, res *probes.WriteResult, err error) error {
	var re *probes.RefusedError
	status := probes.WriteFailed
	if errors.As(err, &re) {
		status = probes.WriteRefused
	}
	if err != nil {
		err = &codedError{code: exitError, err: fmt.Errorf("%w (nothing written)", err)}
	}
	return w.record(pw, res, status, err)
}

// record appends the journal line, prints the outcome and returns err (or
// the journal's error when the line could not be written).
func (w *writeRun) record(pw *probes.PlannedWrite, res *probes.WriteResult, status probes.WriteStatus, err error) error {
	entry := probes.NewJournalEntry(w.url, w.spec, pw, res, status, err)
	jerr := w.j.Append(entry)
	if res != nil {
		if w.f.asJSON {
			_ = writeJSON(w.e.stdout, writeOutcomeJSON{SchemaVersion: schemaVersion, JournalEntry: entry, Note: res.Note, Journal: w.j.Path()})
		} else {
			printOutcome(w.e, *res)
		}
	}
	if jerr != nil {
		if err == nil {
			return fmt.Errorf("written, but not journaled: %w", jerr)
		}
		fmt.Fprintln(w.e.stderr, "busprobe: warning: not journaled:", jerr)
	}
	return err
}

// writeOutcomeJSON is what `busprobe write --json` prints.
type writeOutcomeJSON struct {
	SchemaVersion int `json:"schema_version"`
	probes.JournalEntry
	Note    string `json:"note,omitempty"`
	Journal string `json:"journal"`
}

// showPlan prints, on stderr, what is about to be written.
func showPlan(e *env, url string, pw probes.PlannedWrite) {
	tw := tabwriter.NewWriter(e.stderr, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "target\t%s\n", url)
	unit := fmt.Sprint(pw.Spec.Unit)
	if pw.Spec.Unit == 0 {
		unit += " (broadcast: every device on the line)"
	}
	fmt.Fprintf(tw, "unit\t%s\n", unit)
	if pw.Point != nil {
		fmt.Fprintf(tw, "point\t%s  [%s]\n", pw.Point, pw.Spec.Profile.ID)
	}
	fmt.Fprintf(tw, "old\t%s\n", oldLine(pw))
	fmt.Fprintf(tw, "new\t%s\n", valueLine(pw.New, pw.NewRegs, pw.NewBits))
	fmt.Fprintf(tw, "request\t%s: %s %s = %s\n", pw.Function, pw.Table, span(pw.Address, max(len(pw.NewRegs), len(pw.NewBits))), probes.RawString(pw.NewRegs, pw.NewBits))
	tw.Flush()
}

// oldLine is the old value, or why there is none.
func oldLine(pw probes.PlannedWrite) string {
	switch {
	case pw.Spec.Unit == 0:
		return "(not read: broadcast)"
	case pw.OldRegs == nil && pw.OldBits == nil:
		return "(not read: write-only point)"
	}
	return valueLine(pw.Old, pw.OldRegs, pw.OldBits)
}

// valueLine formats a value and its raw registers, e.g. "60 min  [4270 0000]".
func valueLine(v *profiles.Value, regs []uint16, bits []bool) string {
	raw := "[" + probes.RawString(regs, bits) + "]"
	if v == nil {
		return raw
	}
	return v.Display + "  " + raw
}

// span formats an address range, e.g. "2..3", or "2".
func span(a uint16, n int) string {
	if n <= 1 {
		return fmt.Sprint(a)
	}
	return fmt.Sprintf("%d..%d", a, int(a)+n-1)
}

// stdinIsTerminal reports whether r is a terminal: an *os.File with
// terminal settings (not merely a character device: /dev/null is one),
// or a reader that says so itself (IsTerminal() bool), as the fake
// terminals of tests do.
func stdinIsTerminal(r io.Reader) bool { return terminal(r) }

// confirm asks on stderr and reads the answer from stdin: yes or y.
func confirm(e *env) bool {
	fmt.Fprint(e.stderr, "Write? [y/N] ")
	line, _ := bufio.NewReader(e.stdin).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true
	}
	return false
}

// printOutcome prints the result on stdout, e.g.
// "demand_period: 60 min -> 15 min, read back 15 min: ok".
func printOutcome(e *env, res probes.WriteResult) {
	pw := res.Plan
	what := fmt.Sprintf("%s %s", pw.Table, span(pw.Address, max(len(pw.NewRegs), len(pw.NewBits))))
	if pw.Point != nil {
		what = pw.Point.Name
	}
	before := "?"
	if pw.OldRegs != nil || pw.OldBits != nil {
		before = shortValue(pw.Old, pw.OldRegs, pw.OldBits)
	}
	line := fmt.Sprintf("%s: %s -> %s", what, before, shortValue(pw.New, pw.NewRegs, pw.NewBits))
	if res.ReadRegs != nil || res.ReadBits != nil {
		line += ", read back " + shortValue(res.ReadBack, res.ReadRegs, res.ReadBits)
	}
	line += ": " + string(res.Status)
	if res.Note != "" {
		line += " (" + res.Note + ")"
	}
	fmt.Fprintln(e.stdout, line)
}

// shortValue is the display form of a point value, or the raw values.
func shortValue(v *profiles.Value, regs []uint16, bits []bool) string {
	if v != nil {
		return v.Display
	}
	return "[" + probes.RawString(regs, bits) + "]"
}
