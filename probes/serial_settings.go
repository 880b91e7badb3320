package probes

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/busprobe/busprobe/protocols/modbus"
)

// SerialSettingsOrder returns the candidate settings in the order a scan
// tries them before any evidence: for each baud (in the given order) the
// parities N and E (as given), then every baud with the remaining parities
// (O): baud rate is the likelier mistake, odd parity the rarest setting.
func SerialSettingsOrder(bauds []int, parities []string, stops []int) []modbus.LineSettings {
	var first, later []string
	for _, p := range parities {
		if p == "O" && len(parities) > 1 {
			later = append(later, p)
		} else {
			first = append(first, p)
		}
	}
	var out []modbus.LineSettings
	add := func(ps []string) {
		for _, b := range bauds {
			for _, p := range ps {
				for _, s := range stops {
					out = append(out, modbus.LineSettings{Baud: b, DataBits: 8, Parity: p, StopBits: s})
				}
			}
		}
	}
	add(first)
	add(later)
	return out
}

// evidence is garbage seen at some settings.
type evidence struct {
	at   modbus.LineSettings
	unit byte
	n    int // bytes of garbage
}

// findSettings is phase 1: it asks the common unit IDs at each candidate
// setting, steered by garbage, until a clean reply locks the settings.
func (s *serialScan) findSettings(ctx context.Context, cands []modbus.LineSettings) (bool, error) {
	tried := map[modbus.LineSettings]bool{}
	var evid []evidence
	var garbledAt *modbus.LineSettings // setting where replies came back structured but garbled
	common := s.common()
	for range len(cands) {
		c, ok := nextSettings(cands, tried, evid)
		if !ok {
			break
		}
		tried[c] = true
		if err := s.use(ctx, c); err != nil {
			return false, err
		}
		order := evidenceUnits(evid)
		for _, u := range common {
			if !slices.Contains(order, u) {
				order = append(order, u)
			}
		}
		s.planned -= len(common) // replanned below as asked
		s.planned += len(order)
	units:
		for _, u := range order {
			r, err := s.ask(ctx, u, false)
			if err != nil {
				return false, err
			}
			if s.foundCount() > 0 {
				return true, nil
			}
			switch r.kind {
			case probeGarbage:
				evid = append(evid, evidence{at: c, unit: u, n: len(r.junk)})
				break units
			case probeGarbled:
				// Header right, CRC wrong: probably the right settings and a
				// noisy reply (or a duplicate unit ID). Ask again.
				for range garbleTries - 1 {
					r2, err := s.ask(ctx, u, false)
					if err != nil {
						return false, err
					}
					if r2.kind == probeAnswer || s.foundCount() > 0 {
						return true, nil
					}
				}
				if garbledAt == nil {
					cc := c
					garbledAt = &cc
				}
				evid = append(evid, evidence{at: c, unit: u, n: probeReplyLen})
				break units
			}
			if len(r.drained) > 0 {
				evid = append(evid, evidence{at: c, unit: u, n: len(r.drained)})
			}
		}
	}
	if garbledAt != nil {
		if err := s.use(ctx, *garbledAt); err != nil {
			return false, err
		}
		s.notes = append(s.notes, fmt.Sprintf("no clean reply at any setting; %s gave well-framed replies with bad CRCs: scanning there", garbledAt))
		return true, nil
	}
	if len(evid) > 0 {
		var at []string
		for _, e := range evid {
			at = appendOnce(at, e.at.String())
		}
		s.notes = append(s.notes, "garbage (right wire, wrong settings?) at "+strings.Join(at, ", ")+" but no clean reply at any setting tried")
	}
	return false, nil
}

// evidenceUnits returns the units that produced garbage, most recent first.
func evidenceUnits(ev []evidence) []byte {
	var out []byte
	for i := len(ev) - 1; i >= 0; i-- {
		if !slices.Contains(out, ev[i].unit) {
			out = append(out, ev[i].unit)
		}
	}
	return out
}

// nextSettings picks the next setting to try: without evidence the next
// untried candidate in order; after garbage the untried candidate nearest
// to what the latest garbage suggests.
func nextSettings(cands []modbus.LineSettings, tried map[modbus.LineSettings]bool, ev []evidence) (modbus.LineSettings, bool) {
	var left []int
	for i, c := range cands {
		if !tried[c] {
			left = append(left, i)
		}
	}
	if len(left) == 0 {
		return modbus.LineSettings{}, false
	}
	if len(ev) == 0 {
		return cands[left[0]], true
	}
	e := ev[len(ev)-1]
	// Estimated bus baud: a reply of probeReplyLen characters read at the
	// wrong rate yields about probeReplyLen × client/bus characters.
	est := float64(e.at.Baud)
	if e.n > 0 && abs(e.n-probeReplyLen) > 1 {
		est = float64(e.at.Baud) * probeReplyLen / float64(e.n)
	}
	score := func(i int) float64 {
		c := cands[i]
		d := math.Abs(math.Log2(float64(c.Baud) / est))
		if abs(e.n-probeReplyLen) <= 1 && c.Baud == e.at.Baud {
			d = -1 // as many bytes as a reply: same baud, another parity
		}
		if e.n > probeReplyLen+1 && c.Baud >= e.at.Baud || e.n < probeReplyLen-1 && c.Baud <= e.at.Baud {
			d += 4 // the garbage says the bus is on the other side
		}
		return d*1000 + float64(i) // ties: the likelihood order
	}
	sort.SliceStable(left, func(a, b int) bool { return score(left[a]) < score(left[b]) })
	return cands[left[0]], true
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
