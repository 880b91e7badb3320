package probes

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/busprobe/busprobe/profiles"
)

// maxReasons bounds Learned.Reasons (a device that keeps teaching would
// otherwise grow it for ever); later lessons replace the last entry.
const maxReasons = 32

// Learned is what a Poller found out about a device that its profile did
// not say: the limits to add to the profile's when planning reads. It is
// what a gateway configuration needs to poll the device without errors
// (holes, the largest request, one request per point, a pause), and
// Reasons says why, one line per lesson.
type Learned struct {
	// Holes are address ranges the device answers with exception 02 that
	// the profile does not list: gaps between points, and the spans of
	// points the device does not implement (Unreadable).
	Holes []profiles.Hole
	// MaxRegisters and MaxBits are the largest requests the device
	// answered after rejecting (exception 03) or not answering (timeout)
	// larger ones; 0 when nothing was learned.
	MaxRegisters int
	MaxBits      int
	// SinglePointReads: the device answers only requests for exactly one point.
	SinglePointReads bool
	// Pause is the quiet time the device needs between two requests
	// (it answered busy, exception 06, to requests sent back to back).
	Pause time.Duration
	// Unreadable are points that answer exception 02 even when read alone;
	// they are left out of later polls and reported as errors.
	Unreadable []string
	// Reasons explains each lesson, e.g. "holding 0..79 raised exception 03
	// (80 registers); requests now read at most 40".
	Reasons []string
}

// Empty reports whether nothing was learned.
func (l Learned) Empty() bool {
	return len(l.Holes) == 0 && l.MaxRegisters == 0 && l.MaxBits == 0 && !l.SinglePointReads &&
		l.Pause == 0 && len(l.Unreadable) == 0
}

// Limits returns base (the profile's device limits) tightened by what was
// learned: the holes added, the smaller request limits, the longer pause.
func (l Learned) Limits(base profiles.DeviceLimits) profiles.DeviceLimits {
	out := base
	out.Holes = append(slices.Clone(base.Holes), l.Holes...)
	if l.MaxRegisters > 0 && (out.MaxRegisters <= 0 || l.MaxRegisters < out.MaxRegisters) {
		out.MaxRegisters = l.MaxRegisters
	}
	if l.MaxBits > 0 && (out.MaxBits <= 0 || l.MaxBits < out.MaxBits) {
		out.MaxBits = l.MaxBits
	}
	out.SinglePointReads = out.SinglePointReads || l.SinglePointReads
	out.Pause = max(out.Pause, l.Pause)
	return out
}

// clone returns a deep copy.
func (l Learned) clone() Learned {
	l.Holes = slices.Clone(l.Holes)
	l.Unreadable = slices.Clone(l.Unreadable)
	l.Reasons = slices.Clone(l.Reasons)
	return l
}

// addReason appends a lesson's explanation, bounded by maxReasons.
func (l *Learned) addReason(s string) {
	if len(l.Reasons) >= maxReasons {
		l.Reasons[len(l.Reasons)-1] = s
		return
	}
	l.Reasons = append(l.Reasons, s)
}

// addHole adds [address, address+count) of table t unless a learned hole
// already covers it.
func (l *Learned) addHole(t profiles.Table, address uint16, count int) bool {
	for _, h := range l.Holes {
		if h.Table == t && h.Address <= address && int(h.Address)+h.Count >= int(address)+count {
			return false
		}
	}
	l.Holes = append(l.Holes, profiles.Hole{Table: t, Address: address, Count: count})
	return true
}

// learnedHoleJSON is a hole in JSON form.
type learnedHoleJSON struct {
	Table   string `json:"table"`
	Address uint16 `json:"address"`
	Count   int    `json:"count"`
}

// learnedJSON is the JSON form of Learned.
type learnedJSON struct {
	Holes            []learnedHoleJSON `json:"holes,omitempty"`
	MaxRegisters     int               `json:"max_registers,omitempty"`
	MaxBits          int               `json:"max_bits,omitempty"`
	SinglePointReads bool              `json:"single_point_reads,omitempty"`
	PauseMS          float64           `json:"pause_ms,omitempty"`
	Unreadable       []string          `json:"unreadable,omitempty"`
	Reasons          []string          `json:"reasons,omitempty"`
}

// MarshalJSON writes holes with table names and the pause in milliseconds.
func (l Learned) MarshalJSON() ([]byte, error) {
	j := learnedJSON{MaxRegisters: l.MaxRegisters, MaxBits: l.MaxBits, SinglePointReads: l.SinglePointReads,
		PauseMS: millisOf(l.Pause), Unreadable: l.Unreadable, Reasons: l.Reasons}
	for _, h := range l.Holes {
		j.Holes = append(j.Holes, learnedHoleJSON{Table: h.Table.String(), Address: h.Address, Count: h.Count})
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads what MarshalJSON writes.
func (l *Learned) UnmarshalJSON(b []byte) error {
	var j learnedJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*l = Learned{MaxRegisters: j.MaxRegisters, MaxBits: j.MaxBits, SinglePointReads: j.SinglePointReads,
		Pause: time.Duration(j.PauseMS * float64(time.Millisecond)), Unreadable: j.Unreadable, Reasons: j.Reasons}
	for _, h := range j.Holes {
		t, ok := profiles.ParseTable(h.Table)
		if !ok {
			return fmt.Errorf("learned hole: unknown table %q", h.Table)
		}
		l.Holes = append(l.Holes, profiles.Hole{Table: t, Address: h.Address, Count: h.Count})
	}
	return nil
}
