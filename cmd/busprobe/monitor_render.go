package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/busprobe/busprobe/probes"
	"github.com/busprobe/busprobe/protocols/modbus"
)

// monitorHexBytes is how many bytes of a frame the monitor shows in hex.
const monitorHexBytes = 16

// trafficView renders traffic events as they come and keeps their
// statistics: the monitor's and the sniffer's output, apart from whatever
// produces the frames (a poll loop's tap, a listen-only port). Its methods
// are safe for concurrent use.
type trafficView struct {
	mu      sync.Mutex
	w       io.Writer
	ndjson  bool     // one JSON object per event instead of text lines
	labels  []string // direction labels for TX and RX
	traffic *modbus.Traffic
	stats   *probes.TrafficStats
	err     error // first write error
}

// newTrafficView renders events of framing to w. labels name TX and RX
// ("TX", "RX" for the monitor, which sends; "REQ", "RSP" for the sniffer).
func newTrafficView(w io.Writer, framing modbus.Framing, ndjson bool, tx, rx string) *trafficView {
	return &trafficView{w: w, ndjson: ndjson, labels: []string{tx, rx},
		traffic: modbus.NewTraffic(framing), stats: probes.NewTrafficStats()}
}

// tap takes a frame from a transport's tap.
func (v *trafficView) tap(f modbus.TapFrame) {
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, ev := range v.traffic.Add(f) {
		v.eventLocked(ev)
	}
}

// flush reports the requests still pending as unanswered: the monitor calls
// it when a poll has returned (its timeouts have passed).
func (v *trafficView) flush() {
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, ev := range v.traffic.Flush() {
		v.eventLocked(ev)
	}
}

// event takes an event paired elsewhere (the sniffer pairs its own).
func (v *trafficView) event(ev modbus.TrafficEvent) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.eventLocked(ev)
}

func (v *trafficView) eventLocked(ev modbus.TrafficEvent) {
	v.stats.Add(ev)
	var err error
	if v.ndjson {
		err = json.NewEncoder(v.w).Encode(eventJSON(ev, v.label(ev.Frame.Dir)))
	} else {
		_, err = fmt.Fprintln(v.w, v.line(ev))
	}
	if v.err == nil {
		v.err = err
	}
}

func (v *trafficView) label(d modbus.Direction) string {
	if d == modbus.TX {
		return v.labels[0]
	}
	return v.labels[1]
}

// line formats one event: time, direction, timing (gap since the previous
// frame, or ↳ turnaround for an answer), hex (cut to monitorHexBytes) and
// meaning, then the transport's note:
//
//	15:04:05.000123  TX   +1000.2 ms  01 03 00 00 00 04 44 09    unit 1 read holding 0..3 (40001×4)
//	15:04:05.012001  RX   ↳ 3.2 ms    01 03 08 00 0B 00 16 …     unit 1 reply 4 registers: …
func (v *trafficView) line(ev modbus.TrafficEvent) string {
	f := ev.Frame
	if ev.Kind == modbus.EventUnanswered {
		return fmt.Sprintf("%s  %-4s %s %-*s  %s", f.End.Format("15:04:05.000000"), "--", padRunes("timeout", 13),
			3*monitorHexBytes+2, "", ev.Meaning)
	}
	timing := ""
	switch {
	case ev.Request != nil:
		timing = "↳ " + modbus.Millis(ev.Turnaround)
	case ev.Gap > 0:
		timing = "+" + modbus.Millis(ev.Gap)
	}
	hex := fmt.Sprintf("% X", f.Bytes[:min(len(f.Bytes), monitorHexBytes)])
	if len(f.Bytes) > monitorHexBytes {
		hex += " …"
	}
	line := fmt.Sprintf("%s  %-4s %s %-*s  %s", f.Start.Format("15:04:05.000000"), v.label(f.Dir), padRunes(timing, 13),
		3*monitorHexBytes+2, hex, ev.Meaning)
	if f.Note != "" {
		line += "  [" + f.Note + "]"
	}
	return line
}

// padRunes pads s with spaces to n runes (fmt pads to n bytes).
func padRunes(s string, n int) string {
	if k := utf8.RuneCountInString(s); k < n {
		return s + strings.Repeat(" ", n-k)
	}
	return s
}

// trafficEventJSON is one NDJSON record of the sniffer or monitor.
type trafficEventJSON struct {
	Type         string   `json:"type"` // "frame"
	Time         string   `json:"time"` // RFC 3339 with nanoseconds: the frame's start
	Dir          string   `json:"dir"`
	Kind         string   `json:"kind"`
	Unit         int      `json:"unit"`
	Function     int      `json:"function,omitempty"`
	Exception    int      `json:"exception,omitempty"`
	Hex          string   `json:"hex"`
	Meaning      string   `json:"meaning"`
	Note         string   `json:"note,omitempty"`
	GapMS        *float64 `json:"gap_ms,omitempty"`
	TurnaroundMS *float64 `json:"turnaround_ms,omitempty"`
}

// eventJSON converts an event to its NDJSON record.
func eventJSON(ev modbus.TrafficEvent, dir string) trafficEventJSON {
	ms := func(d time.Duration) *float64 { v := float64(d.Microseconds()) / 1000; return &v }
	r := trafficEventJSON{Type: "frame", Time: ev.Frame.Start.Format(time.RFC3339Nano), Dir: dir,
		Kind: ev.Kind.String(), Unit: int(ev.Unit), Function: int(ev.Function), Exception: int(ev.Exception),
		Hex: fmt.Sprintf("% X", ev.Frame.Bytes), Meaning: ev.Meaning, Note: ev.Frame.Note}
	if ev.Kind == modbus.EventUnanswered {
		r.Dir, r.Time = "", ev.Frame.End.Format(time.RFC3339Nano)
	}
	if ev.Request != nil && ev.Kind != modbus.EventUnanswered {
		r.TurnaroundMS = ms(ev.Turnaround)
	} else if ev.Gap > 0 {
		r.GapMS = ms(ev.Gap)
	}
	return r
}

// summary returns the statistics so far.
func (v *trafficView) summary() probes.TrafficSummary {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.stats.Summary()
}

// writeTrafficSummary prints the per-unit table that ends a monitor or sniff run.
func writeTrafficSummary(w io.Writer, s probes.TrafficSummary) error {
	fmt.Fprintf(w, "\nsummary: %d frames in %s, %d garbage, %d echoes\n", s.Frames, modbus.Millis(s.Span), s.Garbage, s.Echoes)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "unit\trequests\treplies\texceptions\tcrc errors\ttimeouts\tunexpected\tlatency p50\tlatency max\t")
	for _, u := range s.Units {
		fmt.Fprintf(tw, "%d\t%d\t%d\t%s\t%d\t%d\t%d\t%s\t%s\t\n", u.Unit, u.Requests, u.Replies, exceptionCell(u),
			u.CRCErrors, u.Unanswered, u.Unexpected, latencyCell(u, u.LatencyP50), latencyCell(u, u.LatencyMax))
	}
	return tw.Flush()
}

// exceptionCell is "3 (02×2 06×1)".
func exceptionCell(u probes.UnitTraffic) string {
	if u.Exceptions == 0 {
		return "0"
	}
	var parts []string
	for _, code := range slices.Sorted(maps.Keys(u.ExceptionCodes)) {
		parts = append(parts, fmt.Sprintf("%s×%d", code, u.ExceptionCodes[code]))
	}
	return fmt.Sprintf("%d (%s)", u.Exceptions, strings.Join(parts, " "))
}

// latencyCell is a latency, or "-" for a unit that never answered.
func latencyCell(u probes.UnitTraffic, d time.Duration) string {
	if u.Replies+u.Exceptions == 0 {
		return "-"
	}
	return modbus.Millis(d)
}
