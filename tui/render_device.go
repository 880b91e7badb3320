package tui

import (
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// PointRow is one line of the device screen, already formatted.
type PointRow struct {
	Name   string
	Value  string // the decoded value, or the error
	Unit   string
	Min    string
	Max    string
	Trend  []float64
	Stale  bool   // no fresh value within three poll intervals
	Failed bool   // the last read of the point failed
	Ref    string // "30001 input f32 CDAB"
	Raw    string // registers as read, hex
}

// DeviceView is what the device screen shows.
type DeviceView struct {
	Title   string // "unit 1 · eastron-sdm630 · tcp://127.0.0.1:5020"
	Status  string // poll figures
	Rows    []PointRow
	Cursor  int
	Offset  int
	Raw     bool   // the raw register view
	Message string // e.g. "no profile: pick one on the devices screen (p)"
	Dialog  string // a confirmation dialog over the table, when open
}

// DeviceRowsVisible is how many point rows fit the device screen's body of
// height h.
func DeviceRowsVisible(h int) int { return max(1, h-3) }

// RenderDevice renders the device screen's body. Only the visible rows are
// formatted, so a profile of hundreds of points renders as fast as a small one.
func RenderDevice(s Styles, v DeviceView, w, h int) string {
	var b strings.Builder
	b.Grow(w * h * 2)
	b.WriteString(s.Title.Render(fit(v.Title, w)) + "\n")
	b.WriteString(fit(" "+v.Status, w) + "\n")
	if v.Message != "" {
		b.WriteString(fit(" "+v.Message, w))
		return b.String()
	}
	// Columns: mark(1) name value unit min max trend
	nameW, valW, unitW, minW, maxW, trendW := deviceTableColumns(w)
	if v.Raw {
		refW := 26
		rawW := max(8, w-2-nameW-refW-2)
		b.WriteString(s.Header.Render(fit("  "+fit("NAME", nameW)+" "+fit("REGISTER", refW)+" "+fit("RAW", rawW), w)))
	} else {
		b.WriteString(s.Header.Render(fit("  "+fit("NAME", nameW)+" "+fitRight("VALUE", valW)+" "+fit("UNIT", unitW)+" "+
			fitRight("MIN", minW)+" "+fitRight("MAX", maxW)+" "+fit("TREND", trendW), w)))
	}
	rows := DeviceRowsVisible(h)
	for i := v.Offset; i < len(v.Rows) && i-v.Offset < rows; i++ {
		r := v.Rows[i]
		mark := " "
		switch {
		case r.Failed:
			mark = "!"
		case r.Stale:
			mark = "~"
		}
		var line string
		if v.Raw {
			refW := 26
			rawW := max(8, w-2-nameW-refW-2)
			line = mark + " " + fit(r.Name, nameW) + " " + fit(r.Ref, refW) + " " + fit(r.Raw, rawW)
		} else if r.Failed {
			line = mark + " " + fit(r.Name, nameW) + " " + fit(r.Value, w-nameW-3)
		} else {
			line = mark + " " + fit(r.Name, nameW) + " " + fitRight(r.Value, valW) + " " + fit(r.Unit, unitW) + " " +
				fitRight(r.Min, minW) + " " + fitRight(r.Max, maxW) + " " + fit(Sparkline(r.Trend, trendW), trendW)
		}
		line = fit(line, w)
		switch {
		case i == v.Cursor:
			line = s.Selected.Render(line)
		case r.Failed:
			line = s.Error.Render(line)
		case r.Stale:
			line = s.Faint.Render(line)
		}
		b.WriteString("\n" + line)
	}
	out := b.String()
	if v.Dialog != "" {
		out = overlay(s, out, v.Dialog, w, h)
	}
	return out
}

// deviceTableColumns are the device table's column widths at width w.
func deviceTableColumns(w int) (name, val, unit, lo, hi, trend int) {
	val, unit, lo, hi = 12, 6, 9, 9
	trend = 10
	if w >= 110 {
		lo, hi, trend = 10, 10, 32
	}
	name = w - 2 - val - unit - lo - hi - trend - 5
	if name < 12 {
		trend = max(4, trend-(12-name))
		name = w - 2 - val - unit - lo - hi - trend - 5
	}
	return
}

// overlay places a bordered dialog in the middle of a w×h body.
func overlay(s Styles, body, dialog string, w, h int) string {
	box := s.Dialog.Render(dialog)
	boxLines := strings.Split(box, "\n")
	lines := strings.Split(body, "\n")
	for len(lines) < h {
		lines = append(lines, "")
	}
	top := max(0, (h-len(boxLines))/2)
	bw := lipgloss.Width(box)
	left := max(0, (w-bw)/2)
	for i, bl := range boxLines {
		if top+i >= len(lines) {
			break
		}
		base := ansi.Strip(lines[top+i])
		base = fit(base, w)
		prefix := ansi.Truncate(base, left, "")
		rest := ansi.TruncateLeft(base, left+bw, "")
		lines[top+i] = fit(prefix+bl+rest, w)
	}
	return strings.Join(lines, "\n")
}
