package tui

import (
	"fmt"
	"math"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/busprobe/busprobe/profiles"
)

// orderable says whether a point's value depends on its byte order.
func orderable(pt *profiles.Point) bool {
	if pt.Table.IsBit() || pt.Bit != nil || pt.Type == profiles.TypeString {
		return false
	}
	return true
}

// cycleOrder switches the selected point to the next byte order and
// decodes its last registers again at once. The profile copy is replaced,
// never changed in place (the poller under way holds the old one), and
// polling starts over with the new one: the old run is cancelled, so no
// sample decoded with the old order comes in after this.
func (m DeviceModel) cycleOrder() (DeviceModel, tea.Cmd) {
	pt := m.selected()
	if pt == nil || !orderable(pt) {
		return m, nil
	}
	orders := profiles.ByteOrders()
	next := orders[0]
	for i, o := range orders {
		if o == pt.ByteOrder {
			next = orders[(i+1)%len(orders)]
		}
	}
	m.prof = cloneProfile(m.prof)
	pi := m.rows[m.cursor].pi
	m.prof.Points[pi].ByteOrder = next
	m.rows = append([]pointState(nil), m.rows...)
	r := m.rows[m.cursor]
	r.has, r.trend, r.lo, r.hi = false, nil, 0, 0
	if len(r.value.Raw) > 0 {
		npt := &m.prof.Points[pi]
		v, err := npt.Decode(r.value.Raw, m.scaleFactor(npt))
		if err != nil {
			r.failed, r.err = true, err.Error()
		} else {
			r.failed, r.err = false, ""
			r = observe(r, v, r.lastOK)
		}
	}
	m.rows[m.cursor] = r
	m.note = fmt.Sprintf("%s now read as %s", pt.Name, next)
	m = m.stopRun()
	if m.paused {
		return m, nil // resuming starts a run with the new order
	}
	return m.startRun()
}

// scaleFactor returns the last value of pt's scale factor point.
func (m DeviceModel) scaleFactor(pt *profiles.Point) *int {
	if pt.ScaleFactor == "" {
		return nil
	}
	i, ok := m.byName[pt.ScaleFactor]
	if !ok || !m.rows[i].has {
		return nil
	}
	sf := int(m.rows[i].value.Int)
	return &sf
}

// observe records a value: min, max and trend of numbers.
func observe(r pointState, v profiles.Value, at time.Time) pointState {
	r.value = v
	r.lastOK = at
	n, ok := numberOf(v)
	r.numeric = ok
	if ok {
		if !r.has {
			r.lo, r.hi = n, n
		} else {
			r.lo, r.hi = math.Min(r.lo, n), math.Max(r.hi, n)
		}
		t := append([]float64(nil), r.trend...)
		t = append(t, n)
		if len(t) > trendLen {
			t = t[len(t)-trendLen:]
		}
		r.trend = t
	}
	r.has = true
	return r
}

// numberOf returns the number a value stands for, if any.
func numberOf(v profiles.Value) (float64, bool) {
	if !v.Implemented {
		return 0, false
	}
	switch v.Kind {
	case profiles.KindNumber:
		return v.Number, !math.IsNaN(v.Number)
	case profiles.KindBool:
		if v.Bool {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}
