package profiles

import (
	"math"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// pointKeys lists the keys a point accepts.
func pointKeys() []string {
	return []string{"name", "label", "table", "address", "type", "byte_order", "length",
		"string_order", "scale", "offset", "scale_factor", "unit", "access", "enum", "bits",
		"bit", "range", "not_implemented", "description"}
}

// pointMeta remembers where a loaded point came from, for cross checks.
type pointMeta struct {
	path string           // e.g. "points[3]"
	f    map[string]entry // the keys the point gave
}

// points reads the list of points; it returns the points that loaded
// without error and their metadata, index for index.
func (r *reader) points(e entry, p *Profile) ([]Point, []pointMeta) {
	items, paths, ok := r.list(e)
	if !ok {
		return nil, nil
	}
	if len(items) == 0 && len(p.Identify.SunSpecModels) == 0 {
		r.errAt(e.val, e.path, "no points (a profile needs points, or identify.sunspec_models)")
	}
	var pts []Point
	var metas []pointMeta
	for i, it := range items {
		if it == nil {
			continue
		}
		if pt, f, ok := r.point(it, paths[i], &p.Defaults); ok {
			pts = append(pts, pt)
			metas = append(metas, pointMeta{path: paths[i], f: f})
		}
	}
	return pts, metas
}

// point reads one point and checks it on its own; it reports whether the
// point loaded without error.
func (r *reader) point(n ast.Node, path string, d *Defaults) (Point, map[string]entry, bool) {
	before := len(r.errs)
	f, ok := r.fields(n, path, pointKeys())
	if !ok {
		return Point{}, nil, false
	}
	r.require(f, path, "name", "address", "type")
	pt := Point{Scale: d.Scale, ByteOrder: d.ByteOrder, StringOrder: d.StringOrder, SunSpec: d.SunSpec}
	if e, ok := f["name"]; ok {
		if s, ok := r.word(e); ok {
			if !validName(s) {
				r.errAt(e.val, e.path, "point name %s must match [a-z][a-z0-9_]*", quote(s))
			}
			pt.Name = s
		}
	}
	for key, dst := range map[string]*string{"label": &pt.Label, "unit": &pt.Unit, "description": &pt.Description} {
		if e, ok := f[key]; ok {
			*dst, _ = r.text(e)
		}
	}
	explicit := TableUnset
	if e, ok := f["table"]; ok {
		explicit = r.table(e, TableUnset)
	}
	addr, addrOK := 0, false
	if e, ok := f["address"]; ok {
		var nt Table
		nt, addr, addrOK = r.address(e, d.Base)
		explicit = r.agree(f, explicit, nt)
	}
	pt.Table = explicit
	if pt.Table == TableUnset {
		pt.Table = d.Table
	}
	if e, ok := f["type"]; ok {
		if s, ok := r.word(e); ok {
			if pt.Type, ok = ParseType(s); !ok {
				r.errAt(e.val, e.path, "unknown type %s (want one of %s)", quote(s), strings.Join(TypeNames(), " "))
			}
		}
	}
	r.pointFields(f, &pt)
	if pt.Type != TypeUnset {
		r.checkPoint(f, path, &pt)
	}
	if addrOK && pt.Type != TypeUnset && len(r.errs) == before {
		if end := addr + pt.Size(); end > 65536 {
			e := f["address"]
			r.errAt(e.val, e.path, "address %d with %d %s runs past 65535", addr, pt.Size(), unitWord(pt.Table))
		}
	}
	pt.Address = uint16(addr)
	return pt, f, len(r.errs) == before
}

// unitWord names what a table's addresses count.
func unitWord(t Table) string {
	if t.IsBit() {
		return "bits"
	}
	return "registers"
}

// validName reports whether s matches [a-z][a-z0-9_]*.
func validName(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// pointFields reads the optional keys whose meaning does not depend on
// the type.
func (r *reader) pointFields(f map[string]entry, pt *Point) {
	if e, ok := f["byte_order"]; ok {
		pt.ByteOrder = r.byteOrder(e, pt.ByteOrder)
	}
	if e, ok := f["string_order"]; ok {
		pt.StringOrder = r.stringOrder(e, pt.StringOrder)
	}
	if e, ok := f["length"]; ok {
		if n, ok := r.integer(e, 1, MaxReadRegisters); ok {
			pt.Length = int(n)
		}
	}
	if e, ok := f["scale"]; ok {
		pt.Scale = r.scale(e, pt.Scale)
	}
	if e, ok := f["offset"]; ok {
		pt.Offset, _ = r.number(e)
	}
	if e, ok := f["scale_factor"]; ok {
		pt.ScaleFactor, _ = r.word(e)
	}
	if e, ok := f["access"]; ok {
		if s, ok := r.word(e); ok {
			if pt.Access, ok = ParseAccess(s); !ok {
				r.errAt(e.val, e.path, "unknown access %s (want r, rw or w)", quote(s))
			}
		}
	}
	if e, ok := f["bit"]; ok {
		if n, ok := r.integer(e, 0, 15); ok {
			b := int(n)
			pt.Bit = &b
		}
	}
	if e, ok := f["range"]; ok {
		if rg, ok := r.rangeOf(e); ok {
			pt.Range = &rg
		}
	}
}

// keyApplies says whether an optional key makes sense for a point of type
// t in table tb, and if not, why.
func keyApplies(key string, t Type, tb Table) (bool, string) {
	switch key {
	case "name", "label", "table", "address", "type", "unit", "access", "description":
		return true, ""
	}
	if tb.IsBit() {
		return false, key + " does not apply to a " + tb.String() + " point (a single bit)"
	}
	ok := false
	switch key {
	case "byte_order":
		ok = t != TypeString
	case "length":
		ok = t == TypeString || t == TypeBits
	case "string_order":
		ok = t == TypeString
	case "scale", "offset", "scale_factor":
		ok = t.IsNumeric()
	case "range":
		ok = t.IsNumeric() || t == TypeSunSSF
	case "enum":
		ok = t.IsInteger() && t != TypeSunSSF && t != TypeAcc32
	case "bits":
		ok = t == TypeBits
	case "bit":
		ok = t == TypeBool
	case "not_implemented":
		ok = t != TypeString && t != TypeBool
	}
	if ok {
		return true, ""
	}
	return false, key + " does not apply to type " + t.String()
}

// checkPoint checks that the point's keys fit its type and table, and
// reads the keys whose meaning depends on the type.
func (r *reader) checkPoint(f map[string]entry, path string, pt *Point) {
	for _, key := range pointKeys() {
		e, given := f[key]
		if !given {
			continue
		}
		if ok, why := keyApplies(key, pt.Type, pt.Table); !ok {
			r.errAt(e.keyN, e.path, "%s", why)
			delete(f, key)
		}
	}
	if _, ok := f["enum"]; ok {
		for _, k := range []string{"scale", "offset", "scale_factor"} {
			if e, given := f[k]; given {
				r.errAt(e.keyN, e.path, "%s does not apply to a point with enum (enum values are raw)", k)
				delete(f, k)
			}
		}
	}
	if pt.Table.IsBit() && pt.Type != TypeBool {
		e := f["type"]
		r.errAt(e.val, e.path, "type %s cannot be in the %s table (coils and discrete inputs hold single bits: use bool)", pt.Type, pt.Table)
	}
	if e, ok := f["access"]; ok && pt.Access != AccessRead && (pt.Table == TableInput || pt.Table == TableDiscrete) {
		r.errAt(e.val, e.path, "access %s: the %s table is read-only", pt.Access, pt.Table)
	}
	switch pt.Type {
	case TypeString:
		if _, ok := f["length"]; !ok {
			r.errPath(path, "type string needs length (registers, two characters each)")
		}
	case TypeBits:
		if e, ok := f["length"]; ok && pt.Length > 2 {
			r.errAt(e.val, e.path, "type bits takes length 1 or 2 (registers), got %d", pt.Length)
		}
	}
	if _, ok := f["scale_factor"]; ok {
		if s, given := f["scale"]; given {
			r.errAt(s.keyN, s.path, "scale and scale_factor exclude each other")
		}
		pt.Scale = 1
	}
	if e, ok := f["enum"]; ok {
		lo, hi := intRange(pt.Type)
		pt.Enum = r.intMap(e, lo, hi)
	} else if pt.Type == TypeEnum {
		r.errPath(path, "type enum needs an enum map of values to names")
	}
	if e, ok := f["bits"]; ok {
		m := r.intMap(e, 0, int64(16*pt.Size()-1))
		if len(m) > 0 {
			pt.Bits = map[int]string{}
			for k, v := range m {
				pt.Bits[int(k)] = v
			}
		}
	}
	if e, ok := f["not_implemented"]; ok {
		pt.NotImplemented = r.sentinel(e, pt.Size())
	}
}

// intRange returns the raw integer range of an integer type, for enum keys.
func intRange(t Type) (int64, int64) {
	switch t {
	case TypeI16:
		return math.MinInt16, math.MaxInt16
	case TypeI32:
		return math.MinInt32, math.MaxInt32
	case TypeI64:
		return math.MinInt64, math.MaxInt64
	case TypeU16, TypeEnum:
		return 0, math.MaxUint16
	case TypeBCD16:
		return 0, 9999
	case TypeBCD32:
		return 0, 99999999
	case TypeU32:
		return 0, math.MaxUint32
	}
	return 0, math.MaxInt64
}

// intMap reads a mapping of integers to names (enum values, bit names).
func (r *reader) intMap(e entry, lo, hi int64) map[int64]string {
	m, ok := e.val.(*ast.MappingNode)
	if !ok {
		r.errAt(e.val, e.path, "want a mapping of numbers to names, got %s", describe(e.val))
		return nil
	}
	out := map[int64]string{}
	for _, mv := range m.Values {
		kn := r.resolve(mv.Key, e.path)
		if kn == nil {
			continue
		}
		k, ok := intOf(kn)
		if !ok {
			r.errAt(kn, e.path, "key %s: want an integer, got %s", scalarText(kn), describe(kn))
			continue
		}
		p := e.path + "." + scalarText(kn)
		if k < lo || k > hi {
			r.errAt(kn, p, "%d out of range %d..%d", k, lo, hi)
			continue
		}
		if _, dup := out[k]; dup {
			r.errAt(kn, p, "duplicate key %d", k)
			continue
		}
		v := r.resolve(mv.Value, p)
		if s, ok := r.text(entry{val: v, path: p}); ok {
			if strings.TrimSpace(s) == "" {
				r.errAt(v, p, "name must not be empty")
			}
			out[k] = s
		}
	}
	return out
}

// sentinel reads a not_implemented value that must fit size registers;
// negative values are taken as two's complement.
func (r *reader) sentinel(e entry, size int) *uint64 {
	bits := 16 * size
	mask := uint64(math.MaxUint64)
	if bits < 64 {
		mask = 1<<bits - 1
	}
	if u, ok := uintOf(e.val); ok {
		if u > mask {
			r.errAt(e.val, e.path, "not_implemented %s does not fit %d registers", scalarText(e.val), size)
			return nil
		}
		return &u
	}
	if n, ok := intOf(e.val); ok {
		if bits < 64 && n < -(1<<(bits-1)) {
			r.errAt(e.val, e.path, "not_implemented %d does not fit %d registers", n, size)
			return nil
		}
		u := uint64(n) & mask
		return &u
	}
	r.errAt(e.val, e.path, "want an integer (the raw value), got %s", describe(e.val))
	return nil
}
