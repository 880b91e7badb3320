package probes

import (
	"errors"

	"github.com/busprobe/busprobe/profiles"
)

// asked returns how many of pts (as Profile.Select returned them) the
// caller named: all of them for no names, else the distinct names, which
// Select puts before the scale factors it adds.
func asked(pts []*profiles.Point, names []string) int {
	if len(names) == 0 {
		return len(pts)
	}
	seen := map[string]bool{}
	for _, n := range names {
		seen[n] = true
	}
	return min(len(seen), len(pts))
}

// scaleFactor is a decoded sunssf value, or why there is none.
type scaleFactor struct {
	sf  *int
	err error
}

// decodeAll decodes the points out from the raw data: the scale-factor
// points among all first, so that every point gets its sf.
func decodeAll(out, all []*profiles.Point, raw map[*profiles.Point]rawData) []PointResult {
	sfs := map[string]scaleFactor{}
	for _, pt := range all {
		if pt.Type != profiles.TypeSunSSF {
			continue
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
	res := make([]PointResult, 0, len(out))
	for _, pt := range out {
		r := PointResult{Name: pt.Name, Label: pt.Label, Point: pt, Unit: pt.Unit}
		var sf *int
		if pt.ScaleFactor != "" {
			s := sfs[pt.ScaleFactor]
			sf = s.sf
			if s.err != nil {
				s.err = &ScaleFactorError{Point: pt.Name, ScaleFactor: pt.ScaleFactor, Err: s.err}
			}
			r.Value, r.Err = decodeOne(pt, raw[pt], sf)
			// A value that is itself not implemented needs no scale
			// factor; a failed request is its own reason.
			if s.err != nil && raw[pt].err == nil && (r.Err != nil || r.Value.Implemented) {
				r.Err = s.err
			}
		} else {
			r.Value, r.Err = decodeOne(pt, raw[pt], nil)
		}
		if r.Err != nil {
			r.Value = profiles.Value{Point: pt.Name, Unit: pt.Unit}
		}
		res = append(res, r)
	}
	return res
}

// decodeOne decodes a point's raw data.
func decodeOne(pt *profiles.Point, d rawData, sf *int) (profiles.Value, error) {
	switch {
	case d.err != nil:
		return profiles.Value{}, d.err
	case pt.Table.IsBit():
		return pt.DecodeBits(d.bits)
	case d.regs == nil:
		return profiles.Value{}, errors.New("not read")
	}
	return pt.Decode(d.regs, sf)
}
