package sunspec

import (
	"fmt"

	"github.com/busprobe/busprobe/profiles"
)

// DecodeModel decodes the registers of one model, regs[0] being its ID
// register at address addr (so len(regs) is L+2). Points that do not fit
// in regs are left out with a note; repeating groups with count 0 repeat
// while registers remain. It returns the points in address order and
// notes about the layout.
func DecodeModel(def *ModelDef, addr uint16, regs []uint16) ([]PointValue, []string) {
	d := &decoder{regs: regs, addr: addr}
	d.instance(&def.Group, "", nil)
	if d.pos < len(regs) && !d.short {
		d.note("%d registers after the last defined point were not decoded (L=%d, definition %d)",
			len(regs)-d.pos, len(regs)-2, d.pos-2)
	}
	return d.out, d.notes
}

// decoder walks a model definition over its registers.
type decoder struct {
	regs  []uint16
	addr  uint16
	pos   int // next register, index into regs
	out   []PointValue
	notes []string
	short bool // the registers ended before the definition
}

// values are the decoded points of one group instance, for scale factors
// and counts, chained to the enclosing instance.
type values struct {
	byName map[string]profiles.Value
	parent *values
}

// lookup finds a decoded point by name, nearest instance first.
func (v *values) lookup(name string) (profiles.Value, bool) {
	for ; v != nil; v = v.parent {
		if x, ok := v.byName[name]; ok {
			return x, true
		}
	}
	return profiles.Value{}, false
}

// note records a layout note.
func (d *decoder) note(format string, args ...any) {
	d.notes = append(d.notes, fmt.Sprintf(format, args...))
}

// slot is a point of an instance and where its registers are.
type slot struct {
	def *PointDef
	off int
}

// instance decodes one instance of group g named path; it reports false
// when the registers ran out.
func (d *decoder) instance(g *GroupDef, path string, parent *values) bool {
	vals := &values{byName: map[string]profiles.Value{}, parent: parent}
	var slots []slot
	fits := true
	for i := range g.Points {
		p := &g.Points[i]
		if d.pos+p.Size > len(d.regs) {
			if !onlyPads(g, i) {
				d.shortAt(path, p.Name)
			}
			fits = false
			break
		}
		slots = append(slots, slot{p, d.pos})
		d.pos += p.Size
	}
	res := make([]PointValue, len(slots))
	// Points without a scale factor first, so that sunssf and count points
	// are known before the points that refer to them.
	for pass := 0; pass < 2; pass++ {
		for i, s := range slots {
			if (s.def.SF != "") != (pass == 1) {
				continue
			}
			res[i] = d.point(s, path, vals)
			vals.byName[s.def.Name] = res[i].Value
		}
	}
	for _, r := range res {
		if r.Type != Pad {
			d.out = append(d.out, r)
		}
	}
	if !fits {
		return false
	}
	for i := range g.Groups {
		if !d.repeat(&g.Groups[i], path, vals) {
			return false
		}
	}
	return true
}

// shortAt notes, once, that the model ended before a point.
func (d *decoder) shortAt(path, name string) {
	if d.short {
		return
	}
	d.short = true
	if path != "" {
		name = path + "." + name
	}
	d.note("model length L=%d ends before point %s: it and the points after it are missing", len(d.regs)-2, name)
}

// repeat decodes the instances of a nested group.
func (d *decoder) repeat(g *GroupDef, path string, vals *values) bool {
	prefix := g.Name
	if path != "" {
		prefix = path + "." + g.Name
	}
	n := 1
	switch g.Count {
	case CountFixed:
		n = g.CountN
	case CountFill:
		n = len(d.regs) // bounded by the registers left, below
	case CountPoint:
		v, ok := vals.lookup(g.CountRef)
		if !ok || !v.Implemented {
			d.note("group %s: count point %s missing or not implemented: no instances decoded", prefix, g.CountRef)
			return true
		}
		n = int(min(v.Uint, uint64(len(d.regs))))
	}
	for i := 1; i <= n; i++ {
		if g.Count == CountFill && d.pos >= len(d.regs) {
			break
		}
		start := d.pos
		name := prefix
		if g.Count != CountOne {
			name = fmt.Sprintf("%s[%d]", prefix, i)
		}
		if !d.instance(g, name, vals) {
			return false
		}
		if d.pos == start {
			break // an empty group would repeat forever
		}
	}
	return true
}

// point decodes one point of an instance.
func (d *decoder) point(s slot, path string, vals *values) PointValue {
	p := s.def
	regs := d.regs[s.off : s.off+p.Size]
	pv := PointValue{Name: p.Name, Group: path, Label: p.Label, Address: d.addr + uint16(s.off),
		Type: p.Type, Unit: p.Units}
	pt, ok := profilePoint(p, pv.Address)
	if !ok {
		pv.Value = decodeOwn(p, regs)
		return pv
	}
	var sf *int
	if pt.ScaleFactor != "" {
		sf = d.scaleFactor(p, vals, &pv)
	}
	v, err := pt.Decode(regs, sf)
	if err != nil {
		// Decode fails only on a size mismatch or bad BCD, which the
		// definition rules out; keep the raw registers and say why.
		pv.Note = err.Error()
		v = profiles.Value{Point: p.Name, Raw: append([]uint16(nil), regs...), Unit: p.Units, Display: "?"}
	}
	if !v.Implemented {
		pv.Note = "" // nothing to scale
	}
	pv.Value = v
	return pv
}

// scaleFactor returns the scale factor of p. A missing or unimplemented
// scale factor decodes the value unscaled, with a note.
func (d *decoder) scaleFactor(p *PointDef, vals *values, pv *PointValue) *int {
	if p.FixedSF != nil {
		return p.FixedSF
	}
	zero := 0
	v, ok := vals.lookup(p.SF)
	switch {
	case !ok:
		pv.Note = "scale factor " + p.SF + " missing: unscaled"
		return &zero
	case !v.Implemented:
		pv.Note = "scale factor " + p.SF + " not implemented: unscaled"
		return &zero
	}
	sf := int(v.Int)
	if sf < -10 || sf > 10 {
		pv.Note = fmt.Sprintf("scale factor %s = %d out of range -10..10: unscaled", p.SF, sf)
		return &zero
	}
	return &sf
}

// onlyPads reports whether the points of g from index i on are all pads
// and g has no nested groups: a model that ends there (the common model
// with L = 65 of older editions) lacks nothing.
func onlyPads(g *GroupDef, i int) bool {
	for _, p := range g.Points[i:] {
		if p.Type != Pad {
			return false
		}
	}
	return len(g.Groups) == 0
}
