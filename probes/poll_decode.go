package probes

import (
	"errors"

	"github.com/busprobe/busprobe/profiles"
)

// decode decodes the asked points of a poll straight into the sample's
// points (scale factors first, as decodeAll does for ReadPoints, without
// its intermediate results: a watch at a high rate allocates half as much).
// raw, like the scale factors, is by position in all, so the hot path has
// no map; the returned slice is the only allocation of its own.
func (p *Poller) decode(raw []rawData) []PointSample {
	for i, pt := range p.all {
		if pt.Type != profiles.TypeSunSSF {
			continue
		}
		v, err := decodeOne(pt, raw[i], nil)
		switch {
		case err != nil:
			p.sfs[i] = scaleFactor{err: err}
		case !v.Implemented:
			p.sfs[i] = scaleFactor{err: errors.New("not implemented")}
		default:
			// Decode reads *sf and keeps no pointer: the buffer is reused.
			p.sfVals[i] = int(v.Int)
			p.sfs[i] = scaleFactor{sf: &p.sfVals[i]}
		}
	}
	out := make([]PointSample, p.asked)
	for i, pt := range p.all[:p.asked] {
		ps := &out[i]
		ps.Name, ps.Unit, ps.Point = pt.Name, pt.Unit, pt
		d := raw[i]
		if pt.ScaleFactor == "" {
			ps.Value, ps.Err = decodeOne(pt, d, nil)
		} else {
			var s scaleFactor // none polled: decoded without
			if j := p.sfPos[i]; j >= 0 {
				s = p.sfs[j]
			}
			ps.Value, ps.Err = decodeOne(pt, d, s.sf)
			// A value that is itself not implemented needs no scale factor;
			// a failed request is its own reason.
			if s.err != nil && d.err == nil && (ps.Err != nil || ps.Value.Implemented) {
				ps.Err = &ScaleFactorError{Point: pt.Name, ScaleFactor: pt.ScaleFactor, Err: s.err}
			}
		}
		if ps.Err != nil {
			ps.Value = profiles.Value{Point: pt.Name, Unit: pt.Unit}
		}
	}
	return out
}
