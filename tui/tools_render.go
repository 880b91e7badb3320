package tui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/busprobe/busprobe/probes"
	"github.com/busprobe/busprobe/protocols/modbus"
)

// ToolsView is what the tools screen shows: a list to choose from, the
// diff table, or the frames heard with the per-unit summary.
type ToolsView struct {
	Title  string
	Status string
	Header string   // what the list is
	Items  []string // the list to choose from
	Cursor int      // the item under the cursor (-1: none)
	Offset int      // the first item, diff row or frame shown

	Diff *probes.SnapshotDiff // the diff table, when set

	Sniff   bool     // the capture view
	Frames  []string // one line per event (SniffLine)
	Summary *probes.TrafficSummary
}

// ToolsRowsVisible is how many list items or diff rows fit the body of height h.
func ToolsRowsVisible(h int) int { return max(1, h-4) }

// SniffFramesVisible is how many frame lines fit above a summary of units units.
func SniffFramesVisible(h, units int) int { return max(1, h-3-sniffSummaryHeight(h, units)) }

// DiffRowsVisible is how many changed points fit the body of height h
// (with notes: one line fewer).
func DiffRowsVisible(h int, notes bool) int {
	if notes {
		return max(1, h-6)
	}
	return max(1, h-5)
}

// sniffSummaryHeight is the summary's lines: a header, a column header
// and the units, taking at most half the body.
func sniffSummaryHeight(h, units int) int { return min(2+max(1, units), max(3, h/2)) }

// SniffLine formats one event of a capture:
// "09:26:53.120 REQ  u1   fc03  +12ms   read holding 0-1".
func SniffLine(ev modbus.TrafficEvent) string {
	var kind string
	switch ev.Kind {
	case modbus.EventRequest:
		kind = "REQ"
	case modbus.EventReply:
		kind = "RSP"
	case modbus.EventException:
		kind = "EXC!"
	case modbus.EventCRCError:
		kind = "CRC!"
	case modbus.EventGarbage:
		kind = "???"
	case modbus.EventUnanswered:
		kind = "LOST!"
	case modbus.EventUnexpected:
		kind = "UNEX"
	case modbus.EventEcho:
		kind = "ECHO"
	default:
		kind = ev.Kind.String()
	}
	timing := ""
	switch {
	case ev.Turnaround > 0:
		timing = "⏱" + ms(ev.Turnaround)
	case ev.Gap > 0:
		timing = "+" + ms(ev.Gap)
	}
	fn := ""
	if ev.Function != 0 {
		fn = fmt.Sprintf("fc%02d", byte(ev.Function))
	}
	at := ev.Frame.Start
	if at.IsZero() {
		at = ev.Frame.End
	}
	return fmt.Sprintf("%s %-5s u%-3d %-4s %-8s %s", at.Format("15:04:05.000"), kind, ev.Unit, fn, timing, ev.Meaning)
}

// RenderTools renders the tools screen's body in w×h cells.
func RenderTools(s Styles, v ToolsView, w, h int) string {
	var b strings.Builder
	b.WriteString(s.Title.Render(fit(v.Title, w)) + "\n")
	b.WriteString(fit(" "+v.Status, w) + "\n")
	switch {
	case v.Diff != nil:
		b.WriteString(renderDiff(s, *v.Diff, v.Offset, w, h))
	case v.Sniff:
		b.WriteString(renderSniff(s, v, w, h))
	default:
		b.WriteString(s.Header.Render(fit(" "+v.Header, w)))
		rows := ToolsRowsVisible(h)
		for i := v.Offset; i < len(v.Items) && i-v.Offset < rows; i++ {
			mark := "  "
			line := fit(mark+v.Items[i], w)
			if i == v.Cursor {
				line = s.Selected.Render(fit("> "+v.Items[i], w))
			}
			b.WriteString("\n" + line)
		}
	}
	return b.String()
}

// diffColumns are the diff table's widths at width w.
func diffColumns(w int) (point, kind, before, after, delta int) {
	kind, delta = 8, 10
	rest := w - 2 - kind - delta - 4
	point = min(32, max(8, rest*36/100))
	before = max(6, (rest-point)/2)
	after = max(6, rest-point-before)
	return
}

// renderDiff renders the snapshots compared and the changed points.
func renderDiff(s Styles, d probes.SnapshotDiff, offset, w, h int) string {
	var b strings.Builder
	side := func(name string, x probes.DiffSide) string {
		return fmt.Sprintf(" %s %s  %s unit %d %s", name, x.File, x.Time, x.Unit, x.Profile)
	}
	rows := DiffRowsVisible(h, len(d.Notes) > 0)
	b.WriteString(fit(side("A", d.A), w) + "\n")
	b.WriteString(fit(side("B", d.B), w) + "\n")
	if len(d.Notes) > 0 {
		b.WriteString(s.Warn.Render(fit(" ! "+strings.Join(d.Notes, " · "), w)) + "\n")
	}
	cp, ck, cb, ca, cd := diffColumns(w)
	b.WriteString(s.Header.Render(fit("  "+fit("POINT", cp)+" "+fit("CHANGE", ck)+" "+fit("BEFORE", cb)+" "+
		fit("AFTER", ca)+" "+fitRight("DELTA", cd), w)))
	if len(d.Changes) == 0 {
		b.WriteString("\n" + fit("  identical: every one of the "+strconv.Itoa(d.Same)+" points has the same value", w))
	}
	for i := offset; i < len(d.Changes) && i-offset < rows; i++ {
		c := d.Changes[i]
		delta := ""
		if c.Delta != nil {
			delta = strconv.FormatFloat(*c.Delta, 'f', -1, 64)
			if *c.Delta > 0 {
				delta = "+" + delta
			}
		}
		b.WriteString("\n" + fit("  "+fit(c.Name, cp)+" "+fit(string(c.Kind), ck)+" "+fit(c.BeforeShown, cb)+" "+
			fit(c.AfterShown, ca)+" "+fitRight(delta, cd), w))
	}
	return b.String()
}

// renderSniff renders the frames heard, newest last, over the per-unit summary.
func renderSniff(s Styles, v ToolsView, w, h int) string {
	var b strings.Builder
	units := 0
	if v.Summary != nil {
		units = len(v.Summary.Units)
	}
	rows := SniffFramesVisible(h, units)
	header := fmt.Sprintf(" frames %d-%d of %d", min(v.Offset+1, len(v.Frames)), min(len(v.Frames), v.Offset+rows), len(v.Frames))
	if len(v.Frames) == 0 {
		header = " no frame heard yet (another master must poll the line; a wrong baud or parity shows as ???)"
	}
	b.WriteString(s.Header.Render(fit(header, w)))
	for i := 0; i < rows; i++ {
		line := ""
		if j := v.Offset + i; j < len(v.Frames) {
			line = "  " + v.Frames[j]
		}
		b.WriteString("\n" + fit(line, w))
	}
	b.WriteString("\n" + renderSniffSummary(s, v.Summary, w, sniffSummaryHeight(h, units)))
	return b.String()
}

// renderSniffSummary renders the per-unit summary in n lines.
func renderSniffSummary(s Styles, sum *probes.TrafficSummary, w, n int) string {
	var lines []string
	if sum == nil {
		sum = &probes.TrafficSummary{}
	}
	lines = append(lines, s.Header.Render(fit(fmt.Sprintf(" summary: %d frames over %s, %d garbage, %d echoes",
		sum.Frames, FormatDuration(sum.Span), sum.Garbage, sum.Echoes), w)))
	lines = append(lines, s.Header.Render(fit("  UNIT  REQ  RSP  EXC  CRC LOST  p50       max", w)))
	for _, u := range sum.Units {
		line := fmt.Sprintf("  %4d %4d %4d %4d %4d %4d  %-9s %s", u.Unit, u.Requests, u.Replies, u.Exceptions,
			u.CRCErrors, u.Unanswered, latency(u.LatencyP50), latency(u.LatencyMax))
		if u.Exceptions+u.CRCErrors+u.Unanswered > 0 {
			line = "!" + line[1:]
		}
		lines = append(lines, fit(line, w))
	}
	if len(sum.Units) == 0 {
		lines = append(lines, fit("  no unit heard yet", w))
	}
	if len(lines) > n {
		lines = append(lines[:n-1], fit(fmt.Sprintf("  … %d more units", len(lines)-n+1), w))
	}
	return strings.Join(lines, "\n")
}

func latency(d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	return ms(d)
}

// ms formats a wire time in milliseconds: "3.4ms", "1250ms".
func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	if v >= 100 {
		return strconv.FormatFloat(v, 'f', 0, 64) + "ms"
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + "ms"
}
