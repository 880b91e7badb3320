package tui

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/busprobe/busprobe/probes"
	"github.com/busprobe/busprobe/protocols/modbus"
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
	var b strings.Builder
	b.WriteString(s.Title.Render("busprobe"))
	for sc := ScreenConnect; sc <= ScreenMonitor; sc++ {
		label := fmt.Sprintf("%d %s", int(sc)+1, sc)
		b.WriteByte(' ')
		if sc == active {
			b.WriteString(s.TabActive.Render("[" + label + "]"))
		} else {
			b.WriteString(s.Tab.Render(" " + label + " "))
		}
	}
	return fit(b.String(), w)
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

// MonitorView is what the traffic monitor shows.
type MonitorView struct {
	Frames []Frame // already filtered, oldest first
	Paused bool
	Unit   int    // the unit filter, -1 for all
	Search string // the search text, or the input's view while typing
	Health Health
	Offset int // lines scrolled back from the newest
}

// Health are the bus figures the monitor computes from the frames it saw.
type Health struct {
	Requests, Replies   int
	Exceptions          int
	CRCErrors, Garbage  int
	Echoes, Late        int
	MeanLatency, MaxLat time.Duration
}

// ComputeHealth counts requests, replies, errors and latencies of frames.
func ComputeHealth(frames []Frame) Health {
	var h Health
	var sum time.Duration
	var n int
	for _, f := range frames {
		if f.Dir == modbus.TX {
			h.Requests++
			continue
		}
		low := strings.ToLower(f.Note + " " + f.Text)
		switch {
		case strings.Contains(low, "crc"):
			h.CRCErrors++
		case strings.Contains(low, "garbage"):
			h.Garbage++
		case f.Note == "echo":
			h.Echoes++
		case strings.Contains(low, "stale") || strings.Contains(low, "late"):
			h.Late++
		default:
			h.Replies++
			if strings.Contains(low, "exception") {
				h.Exceptions++
			}
			if f.Latency > 0 {
				sum += f.Latency
				n++
				h.MaxLat = max(h.MaxLat, f.Latency)
			}
		}
	}
	if n > 0 {
		h.MeanLatency = sum / time.Duration(n)
	}
	return h
}

// RenderMonitor renders the traffic log's body: health figures, then the
// newest frames that fit.
func RenderMonitor(s Styles, v MonitorView, w, h int) string {
	var b strings.Builder
	state := "live"
	if v.Paused {
		state = "PAUSED"
	}
	unit := "all units"
	if v.Unit >= 0 {
		unit = fmt.Sprintf("unit %d", v.Unit)
	}
	search := v.Search
	if search == "" {
		search = "-"
	}
	b.WriteString(s.Title.Render(fit(fmt.Sprintf("Monitor  %s  %s  search: %s", state, unit, search), w)) + "\n")
	hl := v.Health
	silent := max(0, hl.Requests-hl.Replies-hl.CRCErrors-hl.Garbage-hl.Late)
	b.WriteString(fit(fmt.Sprintf(" requests %d  replies %d  no reply %d  exceptions %d  CRC %d  garbage %d  late %d",
		hl.Requests, hl.Replies, silent, hl.Exceptions, hl.CRCErrors, hl.Garbage, hl.Late), w) + "\n")
	b.WriteString(fit(fmt.Sprintf(" latency mean %s  max %s", msText(hl.MeanLatency), msText(hl.MaxLat)), w) + "\n")
	b.WriteString(s.Header.Render(fit(" TIME         DIR  FRAME", w)))
	rows := h - 4
	end := len(v.Frames) - v.Offset
	start := max(0, end-rows)
	if len(v.Frames) == 0 {
		b.WriteString("\n" + s.Faint.Render(" no traffic yet"))
	}
	for i := start; i < end && i >= 0; i++ {
		f := v.Frames[i]
		dir := "→"
		if f.Dir != modbus.TX {
			dir = "←"
		}
		text := f.Text
		if f.Note != "" && !strings.Contains(strings.ToLower(text), strings.ToLower(f.Note)) {
			text += " [" + f.Note + "]"
		}
		if f.Latency > 0 {
			text += "  " + msText(f.Latency)
		}
		line := fit(" "+f.Start.Format("15:04:05.000")+" "+dir+"  "+text, w)
		low := strings.ToLower(text)
		if strings.Contains(low, "crc") || strings.Contains(low, "garbage") || strings.Contains(low, "exception") {
			line = s.Warn.Render(line)
		}
		b.WriteString("\n" + line)
	}
	return b.String()
}

func msText(d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64) + "ms"
}

// ConnectItem is one choice of the connect screen.
type ConnectItem struct {
	Section string // "Serial ports", "TCP", "Recent"
	Label   string
	Detail  string
}

// ConnectView is what the connect screen shows.
type ConnectView struct {
	Items    []ConnectItem
	Cursor   int
	Input    string // the TCP input's view
	Settings string // line settings choice: "auto" or "9600 8N1"
	Units    string
	Note     string
}

// RenderConnect renders the connect screen's body.
func RenderConnect(s Styles, v ConnectView, w, h int) string {
	var b strings.Builder
	b.WriteString(s.Title.Render(fit("Connect  pick a serial port or type TCP targets, then enter to scan", w)))
	section := ""
	lines := 1
	for i, it := range v.Items {
		if lines >= h-3 {
			break
		}
		if it.Section != section {
			section = it.Section
			b.WriteString("\n" + s.Header.Render(fit(" "+section, w)))
			lines++
		}
		label := it.Label
		if it.Section == "TCP" && it.Label == "" {
			label = v.Input
		}
		line := "   " + label
		if it.Detail != "" {
			line = fit(line, max(24, w/3)) + "  " + it.Detail
		}
		line = fit(line, w)
		if i == v.Cursor {
			line = s.Selected.Render(fit(" > "+strings.TrimPrefix(line, "   "), w))
		}
		b.WriteString("\n" + line)
		lines++
	}
	b.WriteString("\n\n" + fit(fmt.Sprintf(" serial line settings: %s  (←/→ to change)    units: %s", v.Settings, v.Units), w))
	if v.Note != "" {
		b.WriteString("\n" + s.Faint.Render(fit(" "+v.Note, w)))
	}
	return b.String()
}

// RenderHelpOverlay puts the full help of a key map in a dialog over body.
func RenderHelpOverlay(s Styles, body, help string, w, h int) string {
	return overlay(s, body, help, w, h)
}
