package probes

import (
	"context"
	"fmt"
	"time"
)

// unitState is what the scan knows about one unit at the locked settings.
type unitState struct {
	unit       byte
	found      bool
	late       bool // found only through a reply that came after its window
	exc        byte
	turns      []time.Duration
	tries      int
	garbled    int
	dup        bool
	sentAt     time.Time
	suspect    bool // showed a sign of life without a clean answer: second pass
	confirmed  bool // a late-found unit answered in a window
	secondSeen bool
	silent     int // tries that got nothing back in their window (a late reply may still come)
}

func (s *serialScan) state(u byte) *unitState {
	st := s.units[u]
	if st == nil {
		st = &unitState{unit: u}
		s.units[u] = st
	}
	return st
}

// ask sends one probe to u and books what came back.
func (s *serialScan) ask(ctx context.Context, u byte, slow bool) (probeResult, error) {
	r, err := s.prober.probe(ctx, u, s.window(slow), s.allowance())
	s.res.Probes++
	s.done++
	if err != nil {
		return r, err
	}
	st := s.state(u)
	// A second reply means a duplicate unit ID only when no earlier request
	// to the unit is still unanswered (its late reply could be the second).
	cleanBefore := st.silent == 0
	if r.kind == probeSilent {
		st.silent++
	}
	st.sentAt = r.sent
	st.tries++
	s.order = append(s.order, u)
	if r.echo && !s.echo {
		s.echo = true
		s.notes = append(s.notes, "RS-485 local echo: the adapter returns every request on its receive line (harmless; busprobe discards it)")
	}
	for _, sf := range r.strays {
		s.stray(sf)
	}
	if len(r.drained) > 0 {
		s.strayGarbage(u)
	}
	switch r.kind {
	case probeAnswer:
		s.answered(st, r, cleanBefore)
	case probeGarbled, probeGarbage:
		st.garbled++
	}
	s.progress()
	return r, nil
}

// answered books a clean answer from st's unit.
func (s *serialScan) answered(st *unitState, r probeResult, cleanBefore bool) {
	st.turns = append(st.turns, r.turnaround)
	st.exc = r.exc
	if st.late {
		st.confirmed = true
	}
	if r.second && cleanBefore && !st.secondSeen {
		st.secondSeen, st.dup = true, true
	}
	if !s.measured || r.turnaround > s.maxTurn {
		s.maxTurn = r.turnaround
	}
	s.measured = true
	s.markFound(st, false)
}

// stray books a well-formed reply that came outside its unit's window.
func (s *serialScan) stray(sf strayFrame) {
	st, ok := s.units[sf.unit]
	if !ok || st.sentAt.IsZero() {
		s.notes = appendOnce(s.notes, fmt.Sprintf("unsolicited reply from unit %d (another master on the bus?)", sf.unit))
		return
	}
	switch {
	case !st.found:
		st.exc = sf.exc
		st.late = true
		s.markFound(st, true)
	case st.silent == 0 && !st.late:
		// Every request to the unit was answered in its window, and yet
		// another reply came: two devices answer to this unit ID.
		st.secondSeen, st.dup = true, true
	}
}

// strayGarbage makes the units asked just before a garbage burst suspects:
// one of them may have answered late into the next request.
func (s *serialScan) strayGarbage(current byte) {
	n := len(s.order)
	for i := max(0, n-suspectLookback); i < n; i++ {
		if u := s.order[i]; u != current {
			s.state(u).suspect = true
		}
	}
}

// markFound records st as found and emits the event.
func (s *serialScan) markFound(st *unitState, late bool) {
	if st.found {
		return
	}
	st.found = true
	st.late = late
	d := s.device(st)
	s.emit(Event{Type: "found", Device: &d})
}

func (s *serialScan) foundCount() int {
	n := 0
	for _, st := range s.units {
		if st.found || st.dup {
			n++
		}
	}
	return n
}
