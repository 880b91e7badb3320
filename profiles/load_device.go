package profiles

import (
	"regexp"
	"time"

	"github.com/goccy/go-yaml/ast"
)

// device reads the device limits into d.
func (r *reader) device(e entry, base int, d *DeviceLimits) {
	f, ok := r.fields(e.val, e.path, deviceKeys())
	if !ok {
		return
	}
	if v, ok := f["max_registers"]; ok {
		if n, ok := r.integer(v, 1, MaxReadRegisters); ok {
			d.MaxRegisters = int(n)
		}
	}
	if v, ok := f["max_bits"]; ok {
		if n, ok := r.integer(v, 1, MaxReadBits); ok {
			d.MaxBits = int(n)
		}
	}
	if v, ok := f["single_point_reads"]; ok {
		d.SinglePointReads, _ = r.boolean(v)
	}
	if v, ok := f["pause"]; ok {
		d.Pause = r.duration(v)
	}
	if v, ok := f["holes"]; ok {
		items, paths, _ := r.list(v)
		for i, it := range items {
			if h, ok := r.hole(entry{val: it, path: paths[i]}, base); ok {
				d.Holes = append(d.Holes, h)
			}
		}
	}
}

// duration reads a non-negative duration such as "50ms" (or the number 0).
func (r *reader) duration(e entry) time.Duration {
	if e.val == nil {
		return 0
	}
	if n, ok := intOf(e.val); ok && n == 0 {
		return 0
	}
	s, isStr := e.val.(*ast.StringNode)
	if !isStr {
		r.errAt(e.val, e.path, "want a duration such as 50ms, got %s", describe(e.val))
		return 0
	}
	d, err := time.ParseDuration(s.Value)
	if err != nil || d < 0 {
		r.errAt(e.val, e.path, "bad duration %s (want e.g. 0ms, 50ms, 1s)", quote(s.Value))
		return 0
	}
	return d
}

// hole reads one {table, address, count} range.
func (r *reader) hole(e entry, base int) (Hole, bool) {
	f, ok := r.fields(e.val, e.path, holeKeys())
	if !ok {
		return Hole{}, false
	}
	r.require(f, e.path, "address", "count")
	h := Hole{}
	var table Table
	if v, ok := f["table"]; ok {
		table = r.table(v, TableUnset)
	}
	var addr int
	addrOK := false
	if v, ok := f["address"]; ok {
		var nt Table
		nt, addr, addrOK = r.address(v, base)
		table = r.agree(f, table, nt)
	}
	if table == TableUnset {
		if _, given := f["table"]; !given {
			r.errPath(e.path, "missing required key %q (or use \"40001\" notation for address)", "table")
		}
		return Hole{}, false
	}
	cnt, cntOK := int64(0), false
	if v, ok := f["count"]; ok {
		cnt, cntOK = r.integer(v, 1, 65536)
	}
	if !addrOK || !cntOK {
		return Hole{}, false
	}
	if addr+int(cnt) > 65536 {
		r.errPath(join(e.path, "count"), "hole at %d with %d addresses runs past 65535", addr, cnt)
		return Hole{}, false
	}
	h.Table, h.Address, h.Count = table, uint16(addr), int(cnt)
	return h, true
}

// agree reconciles an explicit table with the one an address notation
// implies, reporting a contradiction.
func (r *reader) agree(f map[string]entry, explicit, notation Table) Table {
	if notation == TableUnset {
		return explicit
	}
	if explicit != TableUnset && explicit != notation {
		e := f["table"]
		r.errAt(e.val, e.path, "table %s contradicts address %s, which is in the %s table",
			explicit, quote(scalarText(f["address"].val)), notation)
	}
	return notation
}

// identify reads the identification rules into id.
func (r *reader) identify(e entry, id *Identify) {
	f, ok := r.fields(e.val, e.path, identifyKeys())
	if !ok {
		return
	}
	if v, ok := f["fc43"]; ok {
		if ff, ok := r.fields(v.val, v.path, fc43Keys()); ok {
			rule := &FC43Rule{Vendor: r.regexp(ff, "vendor"), Product: r.regexp(ff, "product")}
			if len(ff) == 0 {
				r.errAt(v.val, v.path, "fc43 needs vendor or product")
			}
			id.FC43 = rule
		}
	}
	if v, ok := f["fingerprints"]; ok {
		items, paths, _ := r.list(v)
		for i, it := range items {
			ff, ok := r.fields(it, paths[i], fingerprintKeys())
			if !ok {
				continue
			}
			r.require(ff, paths[i], "point", "range")
			fp := Fingerprint{}
			okP, okR := false, false
			if pe, ok := ff["point"]; ok {
				fp.Point, okP = r.word(pe)
			}
			if re, ok := ff["range"]; ok {
				fp.Range, okR = r.rangeOf(re)
			}
			if okP && okR {
				id.Fingerprints = append(id.Fingerprints, fp)
				r.fpPaths = append(r.fpPaths, join(paths[i], "point"))
			}
		}
	}
	if v, ok := f["sunspec_models"]; ok {
		items, paths, _ := r.list(v)
		for i, it := range items {
			if n, ok := r.integer(entry{val: it, path: paths[i]}, 1, 65534); ok {
				id.SunSpecModels = append(id.SunSpecModels, int(n))
			}
		}
	}
}

// regexp compiles an optional pattern field.
func (r *reader) regexp(f map[string]entry, key string) *regexp.Regexp {
	e, ok := f[key]
	if !ok {
		return nil
	}
	s, ok := r.text(e)
	if !ok {
		return nil
	}
	re, err := regexp.Compile(s)
	if err != nil {
		r.errAt(e.val, e.path, "bad regular expression: %v", err)
		return nil
	}
	return re
}
