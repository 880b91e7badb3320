package gateway

import (
	"maps"
	"slices"

	"github.com/busprobe/busprobe/profiles"
)

// point checks one point and returns it as a profile point; ok is false
// when it has errors.
func (v *validator) point(n *node, path string) (*profiles.Point, bool) {
	before := len(v.errs)
	f, ok := v.fields(n, path, spec("point"))
	if !ok {
		return nil, false
	}
	pt := &profiles.Point{Scale: 1}
	pt.Name, _ = v.name(f["name"], join(path, "name"))
	for _, k := range []string{"label", "unit"} {
		if x, ok := f[k]; ok {
			v.str(x, join(path, k))
		}
	}
	if s, ok := v.enum(f["table"], join(path, "table"), tables()); ok {
		pt.Table, _ = profiles.ParseTable(s)
	}
	addr, addrOK := v.integer(f["address"], join(path, "address"), 0, 65535)
	pt.Address = uint16(addr)
	if s, ok := v.enum(f["type"], join(path, "type"), typeNames()); ok {
		pt.Type, _ = profiles.ParseType(s)
	}
	if x, ok := f["byte_order"]; ok {
		if s, ok := v.enum(x, join(path, "byte_order"), byteOrders()); ok {
			pt.ByteOrder, _ = profiles.ParseByteOrder(s)
		}
	}
	if x, ok := f["string_order"]; ok {
		if s, ok := v.enum(x, join(path, "string_order"), stringOrders()); ok {
			pt.StringOrder, _ = profiles.ParseStringOrder(s)
		}
	}
	if x, ok := f["length"]; ok {
		pt.Length, _ = v.integer(x, join(path, "length"), 1, profiles.MaxReadRegisters)
	}
	if x, ok := f["bit"]; ok {
		b, _ := v.integer(x, join(path, "bit"), 0, 15)
		pt.Bit = &b
	}
	if x, ok := f["scale"]; ok {
		if s, ok := v.number(x, join(path, "scale")); ok {
			if s == 0 {
				v.errAt(x.at, join(path, "scale"), "scale must not be 0")
			}
			pt.Scale = s
		}
	}
	if x, ok := f["offset"]; ok {
		pt.Offset, _ = v.number(x, join(path, "offset"))
	}
	if x, ok := f["scale_factor"]; ok {
		pt.ScaleFactor, _ = v.name(x, join(path, "scale_factor"))
	}
	if x, ok := f["access"]; ok {
		if s, ok := v.enum(x, join(path, "access"), accesses()); ok {
			pt.Access, _ = profiles.ParseAccess(s)
		}
	}
	if x, ok := f["range"]; ok {
		p := join(path, "range")
		if r, ok := v.fields(x, p, spec("range")); ok {
			lo, lok := v.number(r["min"], join(p, "min"))
			hi, hok := v.number(r["max"], join(p, "max"))
			if lok && hok && lo > hi {
				v.errAt(x.at, p, "min %g is above max %g", lo, hi)
			}
			pt.Range = &profiles.Range{Min: lo, Max: hi}
		}
	}
	if len(v.errs) > before {
		return nil, false
	}
	v.pointSemantics(n, f, path, pt, addrOK)
	return pt, len(v.errs) == before
}

// pointSemantics checks that a well-formed point's keys fit its type and
// table.
func (v *validator) pointSemantics(n *node, f map[string]*node, path string, pt *profiles.Point, addrOK bool) {
	if pt.Table.IsBit() {
		if pt.Type != profiles.TypeBool {
			v.errAt(f["type"].at, join(path, "type"), "type %s cannot be in the %s table (a single bit: use bool)", pt.Type, pt.Table)
		}
		for _, k := range []string{"byte_order", "length", "string_order", "bit", "scale", "offset", "scale_factor", "range"} {
			if _, ok := f[k]; ok {
				v.errAt(n.keyAt[k], join(path, k), "%s does not apply to a %s point (a single bit)", k, pt.Table)
			}
		}
	}
	if (pt.Table == profiles.TableInput || pt.Table == profiles.TableDiscrete) && pt.Access != profiles.AccessRead {
		v.errAt(f["access"].at, join(path, "access"), "access %s: the %s table is read-only", pt.Access, pt.Table)
	}
	switch pt.Type {
	case profiles.TypeString:
		if _, ok := f["length"]; !ok {
			v.errAt(n.at, path, "type string needs length (registers, two characters each)")
		}
	case profiles.TypeBits:
		if pt.Length > 2 {
			v.errAt(f["length"].at, join(path, "length"), "type bits takes length 1 or 2, got %d", pt.Length)
		}
	default:
		if x, ok := f["length"]; ok {
			v.errAt(n.keyAt["length"], join(path, "length"), "length does not apply to type %s", pt.Type)
			_ = x
		}
	}
	if _, ok := f["bit"]; ok && (pt.Type != profiles.TypeBool || pt.Table.IsBit()) && !pt.Table.IsBit() {
		v.errAt(n.keyAt["bit"], join(path, "bit"), "bit applies to a bool point of a register table only")
	}
	if !pt.Type.IsNumeric() {
		for _, k := range []string{"scale", "offset", "scale_factor"} {
			if _, ok := f[k]; ok && !pt.Table.IsBit() {
				v.errAt(n.keyAt[k], join(path, k), "%s does not apply to type %s", k, pt.Type)
			}
		}
	}
	if _, ok := f["scale_factor"]; ok && pt.Scale != 1 {
		v.errAt(n.keyAt["scale"], join(path, "scale"), "scale and scale_factor exclude each other")
	}
	if addrOK && pt.Size() > 0 && pt.End() > 65536 {
		v.errAt(f["address"].at, join(path, "address"), "address %d with %d registers runs past 65535", pt.Address, pt.Size())
	}
}

// plan checks a device's request plan against its points and limits.
func (v *validator) plan(n *node, path string, pts map[string]*profiles.Point, names map[string]bool, lim profiles.DeviceLimits) {
	read := map[string]bool{}
	before := len(v.errs)
	v.list(n, path, func(it *node, p string) {
		f, ok := v.fields(it, p, spec("request"))
		if !ok {
			return
		}
		ts, tok := v.enum(f["table"], join(p, "table"), tables())
		tb, _ := profiles.ParseTable(ts)
		addr, aok := v.integer(f["address"], join(p, "address"), 0, 65535)
		count, cok := 0, false
		if tok {
			count, cok = v.integer(f["count"], join(p, "count"), 1, int64(lim.Limit(tb)))
		}
		if !(tok && aok && cok) {
			return
		}
		for _, h := range lim.Holes {
			if h.Overlaps(tb, uint16(addr), count) {
				v.errAt(it.at, p, "the request %s %d..%d reads the hole %d..%d", tb, addr, addr+count-1,
					h.Address, int(h.Address)+h.Count-1)
			}
		}
		v.list(f["points"], join(p, "points"), func(pn *node, pp string) {
			name, ok := v.str(pn, pp)
			if !ok {
				return
			}
			pt, ok := pts[name]
			switch {
			case !ok && names[name]:
				// the point has errors of its own
			case !ok:
				v.errAt(pn.at, pp, "no point named %q", name)
			case pt.Table != tb:
				v.errAt(pn.at, pp, "point %s is in the %s table, the request reads %s", name, pt.Table, tb)
			case int(pt.Address) < addr || pt.End() > addr+count:
				v.errAt(pn.at, pp, "point %s (%d..%d) lies outside the request (%d..%d)", name,
					pt.Address, pt.End()-1, addr, addr+count-1)
			default:
				read[name] = true
			}
		})
	})
	if len(v.errs) > before {
		return // a broken request would make every point look unplanned
	}
	for _, name := range slices.Sorted(maps.Keys(pts)) {
		if pts[name].Access.CanRead() && !read[name] {
			v.errAt(n.at, path, "point %s is read by no request of the plan", name)
		}
	}
}
