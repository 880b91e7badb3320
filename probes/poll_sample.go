package probes

import (
	"fmt"
	"time"

	"github.com/busprobe/busprobe/profiles"
)

// Sample is one event of a Poller: a poll of the device's points, or,
// when Gap is set, a report of polls that were missed or failed. Every
// slot of the poll schedule is accounted for: each has a sample (Seq
// numbers the slots), or lies in a gap whose FirstSeq..LastSeq name it.
type Sample struct {
	Seq      int64         // the slot of the schedule: start + Seq·interval
	Time     time.Time     // when the poll started (gap: when it was reported)
	Duration time.Duration // how long the poll took
	Unit     byte
	Points   []PointSample // the points asked for, in profile order (nil for a gap)
	OK       int           // points read in this poll
	Requests int           // requests this poll sent, retries included
	Gap      *Gap          // non-nil: a gap report, not a poll
	Notes    []string      // what the poller learned during this poll
	Stats    Stats         // the device's figures so far
	Bus      Stats         // the bus's figures so far (every device on it)
	Line     BusStatus     // the line's state
}

// IsGap reports whether the sample is a gap report.
func (s Sample) IsGap() bool { return s.Gap != nil }

// PointSample is one point of a Sample: its fresh value, or the last good
// value marked stale with the error that kept this poll from reading it.
type PointSample struct {
	Name    string
	Unit    string
	Point   *profiles.Point
	Value   profiles.Value // fresh, or the last good value when Stale
	Err     error          // why this poll has no fresh value
	Stale   bool           // Value is from an earlier poll (at Updated)
	Updated time.Time      // when Value was read; zero when never
}

// HasValue reports whether the point has a value, fresh or stale.
func (p PointSample) HasValue() bool { return p.Err == nil || p.Stale }

// Gap reports schedule slots without a usable poll: Missed slots were
// not polled at all (a poll, or the consumer of samples, took longer than
// the interval), Failed slots were polled but no point was read (the
// device stopped answering, the line went down). A gap of failed polls
// is reported when the device answers again (or when the watch stops);
// those polls were also emitted as samples with their errors.
type Gap struct {
	FirstSeq, LastSeq int64
	From, To          time.Time // scheduled times of the first and last slot
	Missed            int64
	Failed            int64
	Reason            string
}

// String formats as "gap: 12 polls failed (seq 40..51, 1.1s): line down …".
func (g Gap) String() string {
	what := fmt.Sprintf("%d polls missed", g.Missed)
	if g.Failed > 0 {
		what = fmt.Sprintf("%d polls failed", g.Failed)
	}
	span := fmt.Sprintf("seq %d..%d", g.FirstSeq, g.LastSeq)
	if d := g.To.Sub(g.From); d > 0 {
		span += ", " + d.Round(time.Millisecond).String()
	}
	return fmt.Sprintf("gap: %s (%s): %s", what, span, g.Reason)
}

// RawProfile returns a profile of count u16 registers (or bits) of table
// from address on, named "TABLE_ADDRESS" (e.g. "holding_100"): how a
// Poller watches raw registers without a device profile.
func RawProfile(table profiles.Table, address uint16, count int) *profiles.Profile {
	p := &profiles.Profile{ID: "raw", Vendor: "raw", Model: table.String()}
	for i := range count {
		a := int(address) + i
		if a > 0xFFFF {
			break
		}
		pt := profiles.Point{Name: fmt.Sprintf("%s_%d", table, a), Table: table, Address: uint16(a),
			Type: profiles.TypeU16, Scale: 1, Access: profiles.AccessRead}
		if table.IsBit() {
			pt.Type = profiles.TypeBool
		}
		p.Points = append(p.Points, pt)
	}
	return p
}
