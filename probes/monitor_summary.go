package probes

import (
	"maps"
	"slices"
	"sort"
	"time"

	"github.com/busprobe/busprobe/protocols/modbus"
)

// maxLatencySamples bounds the latencies kept per unit for the median: the
// most recent ones, so a sniffer left running for hours uses constant memory.
const maxLatencySamples = 4096

// UnitTraffic is what the traffic of one unit showed: the summary line of
// the monitor and the sniffer.
type UnitTraffic struct {
	Unit       byte `json:"unit"`
	Requests   int  `json:"requests"`
	Replies    int  `json:"replies"`    // normal replies
	Exceptions int  `json:"exceptions"` // exception replies
	CRCErrors  int  `json:"crc_errors"` // damaged replies (or requests) of this unit
	Unanswered int  `json:"unanswered"` // requests without reply: timeouts
	Unexpected int  `json:"unexpected"` // replies to no pending request (late, stale)
	// ExceptionCodes counts exception replies by code ("02": 3).
	ExceptionCodes map[string]int `json:"exception_codes,omitempty"`
	// LatencyP50 and LatencyMax are over the answered requests: request end to
	// reply start (the turnaround as seen on the wire).
	LatencyP50 time.Duration `json:"latency_p50_ns"`
	LatencyMax time.Duration `json:"latency_max_ns"`
}

// TrafficSummary sums up a stretch of traffic per unit.
type TrafficSummary struct {
	Units   []UnitTraffic `json:"units"`   // by unit ID
	Frames  int           `json:"frames"`  // frames seen
	Garbage int           `json:"garbage"` // frames nobody could decode (noise, wrong settings)
	Echoes  int           `json:"echoes"`  // RS-485 local echoes
	// Span is from the first frame's start to the last frame's end.
	Span time.Duration `json:"span_ns"`
}

// Unit returns the summary of one unit, and whether it was seen.
func (s TrafficSummary) Unit(id byte) (UnitTraffic, bool) {
	for _, u := range s.Units {
		if u.Unit == id {
			return u, true
		}
	}
	return UnitTraffic{}, false
}

// unitAcc accumulates one unit's traffic.
type unitAcc struct {
	UnitTraffic
	lat  []time.Duration // ring of the most recent latencies
	next int
}

// TrafficStats accumulates traffic events (from the monitor's tap or the
// sniffer) into per-unit figures. It is not safe for concurrent use.
type TrafficStats struct {
	units       map[byte]*unitAcc
	frames      int
	garbage     int
	echoes      int
	first, last time.Time
}

// NewTrafficStats returns empty statistics.
func NewTrafficStats() *TrafficStats { return &TrafficStats{units: map[byte]*unitAcc{}} }

// Add counts one event.
func (s *TrafficStats) Add(ev modbus.TrafficEvent) {
	if ev.Kind != modbus.EventUnanswered {
		s.frames++
		if s.first.IsZero() || ev.Frame.Start.Before(s.first) {
			s.first = ev.Frame.Start
		}
		if ev.Frame.End.After(s.last) {
			s.last = ev.Frame.End
		}
	}
	switch ev.Kind {
	case modbus.EventGarbage:
		s.garbage++
		return
	case modbus.EventEcho:
		s.echoes++
		return
	}
	u := s.unit(ev.Unit)
	switch ev.Kind {
	case modbus.EventRequest:
		u.Requests++
	case modbus.EventReply:
		u.Replies++
		u.latency(ev.Turnaround)
	case modbus.EventException:
		u.Exceptions++
		if u.ExceptionCodes == nil {
			u.ExceptionCodes = map[string]int{}
		}
		u.ExceptionCodes[ev.Exception.String()[:2]]++
		u.latency(ev.Turnaround)
	case modbus.EventCRCError:
		u.CRCErrors++
	case modbus.EventUnanswered:
		u.Unanswered++
	case modbus.EventUnexpected:
		u.Unexpected++
	}
}

// unit returns the accumulator of a unit, creating it.
func (s *TrafficStats) unit(id byte) *unitAcc {
	u, ok := s.units[id]
	if !ok {
		u = &unitAcc{UnitTraffic: UnitTraffic{Unit: id}}
		s.units[id] = u
	}
	return u
}

// latency records one answered request's turnaround.
func (u *unitAcc) latency(d time.Duration) {
	u.LatencyMax = max(u.LatencyMax, d)
	if len(u.lat) < maxLatencySamples {
		u.lat = append(u.lat, d)
		return
	}
	u.lat[u.next] = d
	u.next = (u.next + 1) % maxLatencySamples
}

// Summary returns the figures so far.
func (s *TrafficStats) Summary() TrafficSummary {
	sum := TrafficSummary{Frames: s.frames, Garbage: s.garbage, Echoes: s.echoes}
	if !s.first.IsZero() && s.last.After(s.first) {
		sum.Span = s.last.Sub(s.first)
	}
	for _, u := range s.units {
		ut := u.UnitTraffic
		if len(u.lat) > 0 {
			l := slices.Clone(u.lat)
			slices.Sort(l)
			ut.LatencyP50 = l[(len(l)-1)/2]
		}
		if u.ExceptionCodes != nil {
			ut.ExceptionCodes = maps.Clone(u.ExceptionCodes)
		}
		sum.Units = append(sum.Units, ut)
	}
	sort.Slice(sum.Units, func(i, j int) bool { return sum.Units[i].Unit < sum.Units[j].Unit })
	return sum
}
