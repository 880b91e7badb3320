package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/busprobe/busprobe/probes"
	"github.com/busprobe/busprobe/protocols/modbus"
)

// watchWriter renders the poller's samples: human (a table redrawn on a
// terminal, else one line per poll) or NDJSON on stdout, optionally a CSV
// log, and the summary at the end. It keeps counters only, never the
// samples, so a watch of hours runs in constant memory.
type watchWriter struct {
	e      *env
	wt     watchTarget
	url    string
	ndjson bool
	tty    bool
	csv    *csvSink
	enc    *json.Encoder

	polls, incomplete, everRead, gaps, missed int64
	firstErr                                  string
	lastGap                                   string
	started                                   time.Time
	err                                       error // first write error
}

func newWatchWriter(e *env, wt watchTarget, url string, ndjson bool, csv *csvSink) *watchWriter {
	enc := json.NewEncoder(e.stdout)
	enc.SetEscapeHTML(false)
	return &watchWriter{e: e, wt: wt, url: url, ndjson: ndjson, tty: !ndjson && isTerminal(e.stdout),
		csv: csv, enc: enc, started: time.Now()}
}

// write renders one sample or gap.
func (w *watchWriter) write(s probes.Sample) {
	for _, n := range s.Notes {
		fmt.Fprintln(w.e.stderr, "busprobe: learned: "+n)
	}
	if s.IsGap() {
		w.gaps++
		w.missed += s.Gap.Missed
		w.lastGap = s.Gap.String()
	} else {
		w.polls++
		if s.OK < len(s.Points) {
			w.incomplete++
			if w.firstErr == "" {
				w.firstErr = firstSampleError(s)
			}
		}
		if s.OK > 0 {
			w.everRead++
		}
	}
	var err error
	switch {
	case w.ndjson:
		err = w.enc.Encode(sampleRecord(s))
	case w.tty:
		err = w.redraw(s)
	default:
		err = w.line(s)
	}
	if err == nil && w.csv != nil {
		err = w.csv.write(s)
	}
	if err != nil && w.err == nil {
		w.err = err
	}
}

// firstSampleError returns the first point error of a sample.
func firstSampleError(s probes.Sample) string {
	for _, p := range s.Points {
		if p.Err != nil {
			return p.Err.Error()
		}
	}
	return ""
}

// line prints a poll as one line: time, values, request count and latency.
func (w *watchWriter) line(s probes.Sample) error {
	if s.IsGap() {
		_, err := fmt.Fprintf(w.e.stdout, "%s %s\n", s.Time.Format("15:04:05.000"), s.Gap)
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s #%d", s.Time.Format("15:04:05.000"), s.Seq)
	for _, p := range s.Points {
		b.WriteString("  " + p.Name + "=" + pointText(p))
	}
	fmt.Fprintf(&b, "  (%d req, %s)", s.Requests, modbus.Millis(s.Duration))
	b.WriteString("\n")
	_, err := io.WriteString(w.e.stdout, b.String())
	return err
}

// pointText is a point's value as shown to a person.
func pointText(p probes.PointSample) string {
	switch {
	case p.Err == nil:
		return p.Value.Display
	case p.Stale:
		return p.Value.Display + " (stale)"
	}
	return "error"
}

// redraw clears the terminal and draws the values table and the figures.
func (w *watchWriter) redraw(s probes.Sample) error {
	if s.IsGap() {
		return nil // shown under the table until the next gap
	}
	var b strings.Builder
	b.WriteString("\033[H\033[2J")
	fmt.Fprintf(&b, "%s  unit %d  %s  poll #%d  %s  (Ctrl-C stops)\n\n", w.wt.profile.ID, w.wt.unit, w.url,
		s.Seq, s.Time.Format("15:04:05.000"))
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tVALUE\tSTATUS")
	for _, p := range s.Points {
		status := "ok"
		switch {
		case p.Stale:
			status = fmt.Sprintf("stale %s: %v", s.Time.Sub(p.Updated).Round(time.Millisecond), p.Err)
		case p.Err != nil:
			status = p.Err.Error()
		}
		val := p.Value.Display
		if !p.HasValue() {
			val = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", p.Name, val, status)
	}
	_ = tw.Flush()
	b.WriteString("\n" + statsLine("device", s.Stats) + "\n")
	if !s.Line.Up {
		fmt.Fprintf(&b, "line down since %s: %s\n", s.Line.Since.Format("15:04:05"), s.Line.LastError)
	}
	if w.lastGap != "" {
		b.WriteString(w.lastGap + "\n")
	}
	_, err := io.WriteString(w.e.stdout, b.String())
	return err
}

// statsLine formats the figures on one line.
func statsLine(what string, st probes.Stats) string {
	exc := "none"
	if len(st.Exceptions) > 0 {
		codes := make([]string, 0, len(st.Exceptions))
		for c, n := range st.Exceptions {
			codes = append(codes, fmt.Sprintf("%s×%d", c, n))
		}
		sort.Strings(codes)
		exc = strings.Join(codes, " ")
	}
	return fmt.Sprintf("%s: %d requests, %d timeouts, %d CRC errors, %d line errors, exceptions %s; latency p50 %.2f ms p95 %.2f ms p99 %.2f ms; line use %.1f %%; up to %.0f polls/s",
		what, st.Requests, st.Timeouts, st.CRCErrors, st.LineErrors, exc, st.P50MS, st.P95MS, st.P99MS,
		100*st.Utilisation, st.PollsPerSecond)
}

// finish prints the summary: on stderr for people, as a last NDJSON record.
func (w *watchWriter) finish(p *probes.Poller) error {
	st, learned := p.Stats(), p.Learned()
	elapsed := time.Since(w.started)
	if w.ndjson {
		if err := w.enc.Encode(summaryRecord{Type: "summary", SchemaVersion: schemaVersion, URL: w.url,
			Unit: int(w.wt.unit), Profile: w.wt.profile.ID, Polls: w.polls, Incomplete: w.incomplete, Gaps: w.gaps,
			Missed: w.missed, ElapsedS: elapsed.Seconds(), Stats: st, Learned: learned}); err != nil && w.err == nil {
			w.err = err
		}
	}
	if w.tty {
		fmt.Fprintln(w.e.stdout)
	}
	fmt.Fprintf(w.e.stderr, "watched %s unit %d at %s: %d polls in %s, %d complete, %d incomplete, %d gaps (%d polls missed)\n",
		w.wt.profile.ID, w.wt.unit, w.url, w.polls, elapsed.Round(time.Millisecond), w.polls-w.incomplete,
		w.incomplete, w.gaps, w.missed)
	fmt.Fprintln(w.e.stderr, statsLine("device", st))
	if !learned.Empty() {
		fmt.Fprintln(w.e.stderr, "learned (what the profile does not say):")
		for _, r := range learned.Reasons {
			fmt.Fprintln(w.e.stderr, "  "+r)
		}
	}
	return w.err
}
