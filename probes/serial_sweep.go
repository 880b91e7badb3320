package probes

import (
	"context"
	"slices"
)

// sweep is phase 2: every unit at the current settings, common IDs first.
func (s *serialScan) sweep(ctx context.Context) error {
	var order []byte
	for _, u := range s.common() {
		order = append(order, u)
	}
	for _, u := range s.cfg.Units {
		if !slices.Contains(order, byte(u)) {
			order = append(order, byte(u))
		}
	}
	todo := order[:0:0]
	for _, u := range order {
		if st, ok := s.units[u]; !ok || st.tries == 0 {
			todo = append(todo, u)
		}
	}
	s.planned = s.done + len(todo)
	for _, u := range todo {
		if err := s.probeUnit(ctx, u); err != nil {
			return err
		}
	}
	// Units asked in phase 1 at these settings that came back garbled get
	// their tries completed here.
	for _, u := range order {
		if st, ok := s.units[u]; ok && !st.found && st.garbled > 0 && st.tries < garbleTries {
			if err := s.probeUnit(ctx, u); err != nil {
				return err
			}
		}
	}
	return nil
}

// probeUnit asks u until it answers cleanly, stays silent (after the
// configured retries) or has come back garbled garbleTries times.
func (s *serialScan) probeUnit(ctx context.Context, u byte) error {
	st := s.state(u)
	silent := 0
	for range garbleTries + s.cfg.Retries + 1 {
		if st.found || st.tries >= garbleTries+s.cfg.Retries+1 {
			break
		}
		r, err := s.ask(ctx, u, false)
		if err != nil {
			return err
		}
		switch r.kind {
		case probeAnswer:
			return nil
		case probeGarbled, probeGarbage:
			if st.garbled >= garbleTries {
				break
			}
			if r.kind == probeGarbage {
				s.strayGarbage(u) // might be a late reply colliding with this request
			}
			continue
		default:
			silent++
			if silent > s.cfg.Retries {
				if st.garbled > 0 {
					st.suspect = true
				}
				return nil
			}
			continue
		}
		break
	}
	if !st.found && st.garbled > 0 {
		st.suspect = true
	}
	return nil
}

// linger listens one slow window after the last probe, so that a late reply
// to it is not lost.
func (s *serialScan) linger(ctx context.Context) error {
	if s.prober == nil {
		return nil
	}
	r, err := s.prober.idle(ctx, s.window(true))
	if err != nil {
		return err
	}
	for _, sf := range r.strays {
		s.stray(sf)
	}
	if len(r.drained) > 0 {
		s.strayGarbage(0)
	}
	return nil
}

// secondPass asks the suspects (units that showed a sign of life without a
// clean answer) and the units found only by a late reply, with a slow window.
func (s *serialScan) secondPass(ctx context.Context) error {
	for round := range maxSecondRounds {
		var todo []byte
		for _, st := range s.units {
			if (st.suspect && !st.found && st.garbled < garbleTries) || (st.found && st.late && !st.confirmed && st.tries < 3+round) {
				todo = append(todo, st.unit)
			}
		}
		if len(todo) == 0 {
			return nil
		}
		slices.Sort(todo)
		s.planned = s.done + 2*len(todo)
		for _, u := range todo {
			st := s.state(u)
			st.suspect = false
			for range 2 {
				r, err := s.ask(ctx, u, true)
				if err != nil {
					return err
				}
				if r.kind == probeAnswer {
					break
				}
			}
		}
		if err := s.linger(ctx); err != nil {
			return err
		}
	}
	return nil
}
