package probes

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/busprobe/busprobe/protocols/modbus"
)

// finish turns the unit states into the result's devices.
func (s *serialScan) finish() {
	var units []byte
	for u, st := range s.units {
		if st.found || (st.garbled >= dupGarbled && st.tries >= dupGarbled) {
			units = append(units, u)
		}
	}
	slices.Sort(units)
	for _, u := range units {
		st := s.units[u]
		if !st.found {
			st.dup = true
		}
		s.res.Devices = append(s.res.Devices, s.device(st))
	}
	if s.measured {
		s.notes = append(s.notes, fmt.Sprintf("settings %s; reply window %s (slowest turnaround %s)",
			s.cur, modbus.Millis(s.window(false)), modbus.Millis(s.maxTurn)))
	}
}

// device builds the reported device of st.
func (s *serialScan) device(st *unitState) Device {
	t := modbus.Target{Scheme: modbus.SchemeRTU, Address: s.cfg.Port, Line: s.cur}
	if s.echo {
		t.Echo = modbus.EchoOn
	}
	d := Device{
		URL: t.String(), Unit: int(st.unit),
		Baud: s.cur.Baud, Parity: s.cur.Parity, Stop: s.cur.StopBits,
		Framing: "rtu",
	}
	if len(st.turns) > 0 {
		d.LatencyMS = math.Round(ms(median(st.turns))*10) / 10
	}
	if st.exc != 0 {
		d.Notes = append(d.Notes, fmt.Sprintf("answers the probe (FC03 register 0) with exception %s", modbus.ExceptionCode(st.exc)))
	}
	if st.late && !st.confirmed {
		d.Notes = append(d.Notes, "answered only after its reply window (slow or busy device)")
	}
	if st.dup {
		if st.secondSeen {
			d.Notes = append(d.Notes, "duplicate unit ID: two replies came back to one request")
		} else {
			d.Notes = append(d.Notes, fmt.Sprintf("duplicate unit ID suspected: %d of %d replies garbled at settings proven right (colliding replies)", st.garbled, st.tries))
		}
	} else if st.garbled > 0 {
		d.Notes = append(d.Notes, fmt.Sprintf("%d of %d replies garbled (line noise?)", st.garbled, st.tries))
	}
	return d
}

// identify runs Identify for each device over a client on the line. The
// reply timeout allows a reply of the largest size plus the slow allowance.
func (s *serialScan) identify(ctx context.Context) {
	to := s.cur.FrameTime(256) + s.window(true)
	tr := modbus.NewRTUTransport(noClose{s.line}, modbus.RTUConfig{Timeout: to, Tap: s.cfg.Tap})
	c := modbus.NewClient(tr, to)
	for i := range s.res.Devices {
		d := &s.res.Devices[i]
		if ctx.Err() != nil {
			return
		}
		id, err := Identify(ctx, c, byte(d.Unit), s.cfg.Library)
		s.res.Probes += id.Requests
		if err != nil {
			d.Notes = append(d.Notes, "identification failed: "+err.Error())
			continue
		}
		d.Identity, d.Profile, d.Confidence, d.Evidence = id.Identity, id.Profile, id.Confidence, id.Evidence
	}
}

// noClose keeps a client's transport from closing the scan's line.
type noClose struct{ modbus.Line }

func (noClose) Close() error { return nil }
