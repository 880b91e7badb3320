package tui

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/busprobe/busprobe/probes"
)

// Pure renderers: each takes the data of one part of the screen and a
// size, and returns the text. Nothing here reads a model, a clock or a
// device, so golden files pin the output.

// fit pads or cuts s (which may hold ANSI styles) to exactly w cells.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	n := ansi.StringWidth(s)
	if n > w {
		return ansi.Truncate(s, w, "…")
	}
	return s + strings.Repeat(" ", w-n)
}

// fitRight is fit aligned right.
func fitRight(s string, w int) string {
	if w <= 0 {
		return ""
	}
	n := ansi.StringWidth(s)
	if n > w {
		return ansi.Truncate(s, w, "…")
	}
	return strings.Repeat(" ", w-n) + s
}

// RenderLayout stacks the tab bar, the body, the error line and the help
// line into exactly h lines of w cells. The body is cut or padded to fit.
func RenderLayout(tabs, body, errLine, help string, w, h int) string {
	if w < 1 {
		w = 1
	}
	if h < 4 {
		h = 4
	}
	bodyH := h - 3
	lines := strings.Split(body, "\n")
	if len(lines) > bodyH {
		lines = lines[:bodyH]
	}
	var b strings.Builder
	b.Grow((w + 1) * h)
	b.WriteString(fit(tabs, w))
	for _, l := range lines {
		b.WriteByte('\n')
		b.WriteString(fit(l, w))
	}
	for i := len(lines); i < bodyH; i++ {
		b.WriteByte('\n')
		b.WriteString(strings.Repeat(" ", w))
	}
	b.WriteByte('\n')
	b.WriteString(fit(errLine, w))
	b.WriteByte('\n')
	b.WriteString(fit(help, w))
	return b.String()
}

// RenderTabs renders the screen names with the active one marked by
// brackets (and the active style).
func RenderTabs(s Styles, active Screen, w int) string {
	tabs := func(pad string) string {
		var b strings.Builder
		b.WriteString(s.Title.Render("busprobe"))
		for sc := ScreenConnect; sc <= ScreenTools; sc++ {
			label := fmt.Sprintf("%d %s", int(sc)+1, sc)
			b.WriteByte(' ')
			if sc == active {
				b.WriteString(s.TabActive.Render("[" + label + "]"))
			} else {
				b.WriteString(s.Tab.Render(pad + label + pad))
			}
		}
		return b.String()
	}
	full := tabs(" ")
	if ansi.StringWidth(full) > w {
		full = tabs("") // a narrow terminal: no padding around the other tabs
	}
	return fit(full, w)
}

// RenderError renders the error line ("" when there is none).
func RenderError(s Styles, err string) string {
	if err == "" {
		return ""
	}
	return s.Error.Render("! " + err)
}

// Sparkline draws values as a row of block characters scaled between their
// minimum and maximum, the newest value last, in at most w cells.
func Sparkline(values []float64, w int) string {
	if w <= 0 || len(values) == 0 {
		return ""
	}
	if len(values) > w {
		values = values[len(values)-w:]
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	const bars = "▁▂▃▄▅▆▇█"
	runes := []rune(bars)
	var b strings.Builder
	for _, v := range values {
		switch {
		case math.IsNaN(v) || math.IsInf(v, 0):
			b.WriteRune(' ')
		case hi <= lo:
			b.WriteRune(runes[3])
		default:
			i := int((v - lo) / (hi - lo) * float64(len(runes)-1))
			b.WriteRune(runes[max(0, min(i, len(runes)-1))])
		}
	}
	return b.String()
}

// ProgressBar draws done/total as a bar w cells wide.
func ProgressBar(done, total, w int) string {
	if w <= 0 {
		return ""
	}
	frac := 0.0
	if total > 0 {
		frac = math.Min(1, float64(done)/float64(total))
	}
	full := int(frac * float64(w))
	return strings.Repeat("█", full) + strings.Repeat("░", w-full)
}

// FormatDuration prints a duration the way an ETA reads: "42s", "3m05s".
func FormatDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	if d < time.Minute {
		return fmt.Sprintf("%ds", int(math.Ceil(d.Seconds())))
	}
	return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
}

// FormatNumber prints an engineering value compactly.
func FormatNumber(v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	return strconv.FormatFloat(v, 'g', 6, 64)
}

// DeviceSettings says where and how a device answers: "9600 8N1" on a
// serial line, "host:port" (and the framing when it is RTU) on TCP.
func DeviceSettings(d probes.Device) string {
	if d.Baud > 0 {
		stop := d.Stop
		if stop == 0 {
			stop = 1
		}
		parity := d.Parity
		if parity == "" {
			parity = "N"
		}
		return fmt.Sprintf("%d 8%s%d", d.Baud, parity, stop)
	}
	s := d.Host
	if d.Port > 0 {
		s = fmt.Sprintf("%s:%d", d.Host, d.Port)
	}
	if s == "" {
		s = d.URL
	}
	if d.Framing == probes.FramingRTU {
		s += " rtu"
	}
	return s
}

// DeviceIdentity is what the device says it is: FC43 vendor and product,
// or its FC17 text, or "?".
func DeviceIdentity(d probes.Device) string {
	if d.Identity == nil {
		return "?"
	}
	o := d.Identity.Objects
	parts := []string{}
	for _, k := range []string{"VendorName", "ProductCode", "ModelName"} {
		if v := strings.TrimSpace(o[k]); v != "" {
			parts = append(parts, v)
		}
		if len(parts) == 2 {
			break
		}
	}
	if len(parts) > 0 {
		return strings.Join(parts, " ")
	}
	if d.Identity.Text != "" {
		return "FC17: " + d.Identity.Text
	}
	if d.Identity.ServerID != "" {
		return "FC17: " + d.Identity.ServerID
	}
	return "?"
}

// DeviceProfile is the matched profile with its confidence, "-" if none.
func DeviceProfile(d probes.Device) string {
	if d.Profile == "" {
		return "-"
	}
	return fmt.Sprintf("%s %d%%", d.Profile, int(math.Round(d.Confidence*100)))
}

// deviceColumns are the widths of the device list's columns at width w.
func deviceColumns(w int) (unit, where, ident, prof, lat int) {
	unit, lat = 4, 7
	rest := w - unit - lat - 5 // 4 gaps and a cursor mark
	where = max(10, rest*24/100)
	prof = max(10, rest*36/100)
	ident = max(8, rest-where-prof)
	return
}

// RenderDeviceList renders devices as a table with a cursor; offset is the
// first row shown, h the lines available (header included).
func RenderDeviceList(s Styles, devs []probes.Device, cursor, offset, w, h int) string {
	cu, cw, ci, cp, cl := deviceColumns(w)
	var b strings.Builder
	b.WriteString(s.Header.Render(fit(" "+fitRight("UNIT", cu)+" "+fit("WHERE", cw)+" "+fit("IDENTITY", ci)+" "+
		fit("PROFILE", cp)+" "+fitRight("LATENCY", cl), w)))
	if len(devs) == 0 {
		b.WriteString("\n" + s.Faint.Render(" no devices yet"))
		return b.String()
	}
	for i := offset; i < len(devs) && i-offset < h-1; i++ {
		d := devs[i]
		mark := " "
		if len(d.Notes) > 0 {
			mark = "*"
		}
		lat := "-"
		if d.LatencyMS > 0 {
			lat = strconv.FormatFloat(d.LatencyMS, 'f', 1, 64) + "ms"
		}
		line := mark + fitRight(strconv.Itoa(d.Unit), cu) + " " + fit(DeviceSettings(d), cw) + " " +
			fit(DeviceIdentity(d), ci) + " " + fit(DeviceProfile(d), cp) + " " + fitRight(lat, cl)
		line = fit(line, w)
		if i == cursor {
			line = s.Selected.Render(line)
		}
		b.WriteString("\n" + line)
	}
	return b.String()
}

// ScanView is what the scan screen shows.
type ScanView struct {
	Target    string // what is scanned
	Job, Jobs int    // 1-based job number and count (a demo scans two buses)
	State     string // "scanning", "cancelled: kept what was found", "done"
	Done      int
	Total     int
	Current   string
	ETA       time.Duration
	Elapsed   time.Duration
	Devices   []probes.Device
	Cursor    int
	Notes     []string
}

// RenderScan renders the scan screen's body in w×h cells.
func RenderScan(s Styles, v ScanView, w, h int) string {
	var b strings.Builder
	title := "Scan " + v.Target
	if v.Jobs > 1 {
		title += fmt.Sprintf("  (bus %d of %d)", v.Job, v.Jobs)
	}
	b.WriteString(s.Title.Render(fit(title, w)) + "\n")
	pct := 0
	if v.Total > 0 {
		pct = min(100, v.Done*100/v.Total)
	}
	tail := fmt.Sprintf(" %3d%%  %d/%d  ETA %s", pct, v.Done, v.Total, FormatDuration(v.ETA))
	barW := max(10, w-ansi.StringWidth(tail)-1)
	b.WriteString(" " + ProgressBar(v.Done, v.Total, barW) + tail + "\n")
	cur := v.Current
	if cur == "" {
		cur = "-"
	}
	b.WriteString(fit(fmt.Sprintf(" trying: %s", cur), w) + "\n")
	b.WriteString(fit(fmt.Sprintf(" %s  elapsed %s  found %d", v.State, FormatDuration(v.Elapsed), len(v.Devices)), w) + "\n")
	b.WriteString("\n")
	used := 5
	notes := v.Notes
	if len(notes) > 2 {
		notes = notes[len(notes)-2:]
	}
	listH := h - used - len(notes)
	offset := 0
	if v.Cursor >= listH-1 && listH > 1 {
		offset = v.Cursor - (listH - 2)
	}
	b.WriteString(RenderDeviceList(s, v.Devices, v.Cursor, offset, w, listH))
	for _, n := range notes {
		b.WriteString("\n" + s.Faint.Render(fit(" note: "+n, w)))
	}
	return b.String()
}

// DevicesView is what the devices screen shows.
type DevicesView struct {
	Devices []probes.Device
	Cursor  int
	Picker  *PickerView // the profile picker, when open
}

// PickerView is the filterable profile list.
type PickerView struct {
	Device string   // which device it is for
	Input  string   // the filter input's view
	Items  []string // the profiles that match, "id — vendor model"
	Cursor int
	Total  int
}

// RenderDevices renders the devices screen's body.
func RenderDevices(s Styles, v DevicesView, w, h int) string {
	head := s.Title.Render(fit(fmt.Sprintf("Devices  %d found", len(v.Devices)), w))
	if v.Picker != nil {
		return head + "\n" + RenderPicker(s, *v.Picker, w, h-1)
	}
	listH := h - 2
	offset := 0
	if v.Cursor >= listH-1 && listH > 1 {
		offset = v.Cursor - (listH - 2)
	}
	body := RenderDeviceList(s, v.Devices, v.Cursor, offset, w, listH)
	var notes string
	if v.Cursor >= 0 && v.Cursor < len(v.Devices) {
		d := v.Devices[v.Cursor]
		var parts []string
		parts = append(parts, d.URL)
		parts = append(parts, d.Notes...)
		for _, e := range d.Evidence {
			if e.OK {
				parts = append(parts, e.Detail)
				break
			}
		}
		notes = s.Faint.Render(fit(" "+strings.Join(parts, " · "), w))
	}
	return head + "\n" + body + "\n" + notes
}

// RenderPicker renders the profile picker in w×h cells.
func RenderPicker(s Styles, v PickerView, w, h int) string {
	var b strings.Builder
	b.WriteString(fit(" Profile for "+v.Device+" (type to filter, enter to pick, esc to cancel)", w) + "\n")
	b.WriteString(fit(" "+v.Input, w) + "\n")
	b.WriteString(s.Faint.Render(fit(fmt.Sprintf(" %d of %d profiles", len(v.Items), v.Total), w)))
	listH := h - 3
	offset := 0
	if v.Cursor >= listH && listH > 0 {
		offset = v.Cursor - listH + 1
	}
	for i := offset; i < len(v.Items) && i-offset < listH; i++ {
		line := fit("  "+v.Items[i], w)
		if i == v.Cursor {
			line = s.Selected.Render(fit("> "+v.Items[i], w))
		}
		b.WriteString("\n" + line)
	}
	return b.String()
}
