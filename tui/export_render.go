package tui

import (
	"strconv"
	"strings"
)

// ExportView is what the export screen shows.
type ExportView struct {
	Title      string   // "Export  3 devices, 70 points → native YAML"
	Formats    []string // the format names, in key order
	Format     int      // the chosen one
	Status     string   // the last action's outcome, skipped devices, warnings
	Header     string   // what the list below is
	Lines      []string // the preview, every line (only the visible ones are drawn)
	ShowVerify bool     // the verification table instead of the preview
	Verify     []VerifyRow
	Offset     int    // the first line or row shown
	Message    string // instead of everything, e.g. when nothing can be exported
	Dialog     string // the path input or the overwrite question, over the rest
}

// ExportRowsVisible is how many preview lines or verification rows fit the
// export screen's body of height h.
func ExportRowsVisible(h int) int { return max(1, h-4) }

// RenderExport renders the export screen's body in w×h cells.
func RenderExport(s Styles, v ExportView, w, h int) string {
	var b strings.Builder
	b.Grow(w * h * 2)
	b.WriteString(s.Title.Render(fit(v.Title, w)) + "\n")
	var f strings.Builder
	f.WriteString(" format")
	for i, name := range v.Formats {
		f.WriteByte(' ')
		if i == v.Format {
			f.WriteString(s.TabActive.Render("[" + name + "]"))
		} else {
			f.WriteString(" " + name + " ")
		}
	}
	b.WriteString(fit(f.String(), w) + "\n")
	if v.Message != "" {
		b.WriteString(s.Faint.Render(fit(" "+v.Message, w)))
		return b.String()
	}
	b.WriteString(fit(" "+v.Status, w) + "\n")
	rows := ExportRowsVisible(h)
	if v.ShowVerify {
		b.WriteString(renderVerify(s, v, w, rows))
	} else {
		b.WriteString(s.Header.Render(fit(" "+v.Header, w)))
		for i := v.Offset; i < len(v.Lines) && i-v.Offset < rows; i++ {
			b.WriteString("\n" + fit("  "+v.Lines[i], w))
		}
	}
	out := b.String()
	if v.Dialog != "" {
		out = overlay(s, out, v.Dialog, w, h)
	}
	return out
}

// verifyColumns are the verification table's widths at width w.
func verifyColumns(w int) (dev, unit, point, status, value int) {
	unit, status = 4, 15
	rest := w - 2 - unit - status - 4
	dev = min(24, max(8, rest*34/100))
	point = min(28, max(8, rest*28/100))
	value = max(6, rest-dev-point)
	return
}

// renderVerify renders the header and the visible rows of the
// verification: "!" marks a point that failed.
func renderVerify(s Styles, v ExportView, w, rows int) string {
	cd, cu, cp, cs, cv := verifyColumns(w)
	var b strings.Builder
	b.WriteString(s.Header.Render(fit(" "+v.Header, w)) + "\n")
	b.WriteString(s.Header.Render(fit("  "+fit("DEVICE", cd)+" "+fitRight("UNIT", cu)+" "+fit("POINT", cp)+" "+
		fit("STATUS", cs)+" "+fit("VALUE / DETAIL", cv), w)))
	for i := v.Offset; i < len(v.Verify) && i-v.Offset < rows-1; i++ {
		r := v.Verify[i]
		mark := " "
		if r.Status != VerifyOK {
			mark = "!"
		}
		detail := r.Value
		if r.Detail != "" {
			if detail != "" {
				detail += " · "
			}
			detail += r.Detail
		}
		line := fit(mark+" "+fit(r.Device, cd)+" "+fitRight(strconv.Itoa(r.Unit), cu)+" "+fit(r.Point, cp)+" "+
			fit(r.Status, cs)+" "+fit(detail, cv), w)
		if r.Status != VerifyOK {
			line = s.Error.Render(line)
		}
		b.WriteString("\n" + line)
	}
	return b.String()
}
