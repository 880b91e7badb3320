package probes

import (
	"errors"

	"github.com/busprobe/busprobe/profiles"
)

// decode decodes the asked points of a poll straight into the sample's
// points (scale factors first, as decodeAll does for ReadPoints, without
// its intermediate results: a watch at a high rate allocates half as much).
func (p *Poller) decode(raw map[*profiles.Point]rawData) []PointSample {
	var sfs map[string]scaleFactor
	for _, pt := range p.all {
		if pt.Type != profiles.TypeSunSSF {
			continue
		}
		if sfs == nil {
			sfs = map[string]scaleFactor{}
		}
		v, err := decodeOne(pt, raw[pt], nil)
		switch {
		case err != nil:
			sfs[pt.Name] = scaleFactor{err: err}
		case !v.Implemented:
			sfs[pt.Name] = scaleFactor{err: errors.New("not implemented")}
		default:
			n := int(v.Int)
			sfs[pt.Name] = scaleFactor{sf: &n}
		}
	}
	out := make([]PointSample, p.asked)
	for i, pt := range p.all[:p.asked] {
		ps := &out[i]
		ps.Name, ps.Unit, ps.Point = pt.Name, pt.Unit, pt
		d := raw[pt]
		if pt.ScaleFactor == "" {
			ps.Value, ps.Err = decodeOne(pt, d, nil)
		} else {
			s := sfs[pt.ScaleFactor]
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
