package tui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/busprobe/busprobe/protocols/modbus"
)

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
