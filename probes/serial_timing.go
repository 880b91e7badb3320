package probes

import (
	"slices"
	"time"
)

// allowance is the turnaround allowance of a normal window.
func (s *serialScan) allowance() time.Duration {
	if !s.measured {
		return s.cfg.InitialTurnaround
	}
	margin := max(minMargin, 2*s.cur.CharTime())
	return time.Duration(float64(s.maxTurn)*turnaroundFactor) + margin
}

// window is the reply window of one probe, counted from the request's end.
func (s *serialScan) window(slow bool) time.Duration {
	if s.cfg.Timeout > 0 {
		if slow {
			return 2 * s.cfg.Timeout
		}
		return s.cfg.Timeout
	}
	a := s.allowance()
	if slow {
		a = max(slowFactor*a, minSlowAllowance, 2*s.cfg.InitialTurnaround)
	}
	return s.cur.FrameTime(probeReplyLen) + a
}

// progress emits a progress event with an ETA from the current window.
func (s *serialScan) progress() {
	left := max(s.planned-s.done, 0)
	per := s.cur.FrameTime(8) + s.window(false) + s.cur.T35()
	s.emit(Event{Type: "progress", Progress: &Progress{
		Done: s.done, Total: s.done + left, Current: s.cur.String(),
		ETAMS: ms(time.Duration(left) * per), FoundNow: s.foundCount(),
	}})
}

func median(d []time.Duration) time.Duration {
	c := slices.Clone(d)
	slices.Sort(c)
	return c[len(c)/2]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
