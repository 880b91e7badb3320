package profiles

import (
	"cmp"
	"fmt"
	"slices"
)

// crossCheck runs the checks that involve several points: unique names,
// overlapping registers, scale-factor and fingerprint references, holes
// and request limits. pts and metas are index for index.
func (r *reader) crossCheck(p *Profile, metas []pointMeta) {
	byName := map[string]int{}
	for i := range p.Points {
		pt := &p.Points[i]
		if j, dup := byName[pt.Name]; dup {
			line, _ := r.lookup(join(metas[j].path, "name"))
			r.errPath(join(metas[i].path, "name"), "duplicate point name %s (first at line %d)", quote(pt.Name), line)
			continue
		}
		byName[pt.Name] = i
	}
	r.checkOverlaps(p.Points, metas)
	for i := range p.Points {
		pt := &p.Points[i]
		if pt.ScaleFactor != "" {
			j, ok := byName[pt.ScaleFactor]
			switch {
			case !ok:
				r.errPath(join(metas[i].path, "scale_factor"), "scale_factor names no point %s", quote(pt.ScaleFactor))
			case p.Points[j].Type != TypeSunSSF:
				r.errPath(join(metas[i].path, "scale_factor"), "scale_factor %s is a %s point, want sunssf",
					quote(pt.ScaleFactor), p.Points[j].Type)
			}
		}
		r.checkLimits(p, pt, metas[i].path)
	}
	for i, fp := range p.Identify.Fingerprints {
		j, ok := byName[fp.Point]
		switch {
		case !ok:
			r.errPath(r.fpPaths[i], "fingerprint names no point %s", quote(fp.Point))
		case !p.Points[j].Type.IsNumeric() && p.Points[j].Type != TypeSunSSF:
			r.errPath(r.fpPaths[i], "fingerprint point %s is of type %s, want a number", quote(fp.Point), p.Points[j].Type)
		case !p.Points[j].Access.CanRead():
			r.errPath(r.fpPaths[i], "fingerprint point %s is write-only", quote(fp.Point))
		}
	}
}

// checkLimits checks a point against the device's holes and request size.
func (r *reader) checkLimits(p *Profile, pt *Point, path string) {
	for _, h := range p.Device.Holes {
		if h.Overlaps(pt.Table, pt.Address, pt.Size()) {
			r.errPath(join(path, "address"), "point lies in a hole (%s %d..%d) that the device refuses to read",
				h.Table, h.Address, int(h.Address)+h.Count-1)
		}
	}
	limit := p.Device.MaxRegisters
	if pt.Table.IsBit() {
		limit = p.Device.MaxBits
	}
	if pt.Size() > limit {
		r.errPath(join(path, "length"), "point needs %d registers but the device reads at most %d per request", pt.Size(), limit)
	}
}

// checkOverlaps reports points of one table whose spans share an address.
// Single-bit bool points may share a register with each other (on distinct
// bits) and with a bits point.
func (r *reader) checkOverlaps(pts []Point, metas []pointMeta) {
	idx := make([]int, len(pts))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		return cmp.Or(cmp.Compare(pts[a].Table, pts[b].Table), cmp.Compare(pts[a].Address, pts[b].Address))
	})
	for x, i := range idx {
		for _, j := range idx[x+1:] {
			a, b := &pts[i], &pts[j]
			if b.Table != a.Table || int(b.Address) >= a.End() {
				break
			}
			if msg := overlapMsg(a, b); msg != "" {
				// Report at the point that comes later in the file.
				later := max(i, j)
				r.errPath(join(metas[later].path, "address"), "%s", msg)
			}
		}
	}
}

// overlapMsg says how two points of one table with overlapping spans
// conflict, or returns "" when their sharing is allowed.
func overlapMsg(a, b *Point) string {
	ab, bb := a.Bit != nil && a.Type == TypeBool, b.Bit != nil && b.Type == TypeBool
	switch {
	case ab && bb && *a.Bit != *b.Bit:
		return ""
	case ab && bb:
		return fmt.Sprintf("points %s and %s both read bit %d of %s register %d", a.Name, b.Name, *a.Bit, a.Table, a.Address)
	case ab && b.Type == TypeBits, bb && a.Type == TypeBits:
		return ""
	}
	return fmt.Sprintf("points %s (%s %s) and %s (%s %s) overlap", a.Name, a.Table, span(a), b.Name, b.Table, span(b))
}

// span formats a point's address range.
func span(p *Point) string {
	if p.Size() == 1 {
		return fmt.Sprint(p.Address)
	}
	return fmt.Sprintf("%d..%d", p.Address, p.End()-1)
}
