package gateway

import (
	"fmt"
	"time"

	"github.com/busprobe/busprobe/profiles"
)

// objectSpec names an object of the native config and its keys. The JSON
// Schema states the same key sets; schema_test.go keeps the two in step.
type objectSpec struct {
	name     string   // the schema's $defs name ("config" for the root)
	keys     []string // every key it accepts
	required []string // the keys it needs
}

// objectSpecs returns every object of the native config.
func objectSpecs() []objectSpec {
	return []objectSpec{
		{"config", []string{"schema_version", "generator", "buses", "devices"},
			[]string{"schema_version", "buses", "devices"}},
		{"bus", []string{"name", "kind", "serial", "tcp"}, []string{"name", "kind"}},
		{"serial", []string{"port", "baud", "parity", "stop_bits", "data_bits"}, []string{"port", "baud"}},
		{"tcp", []string{"host", "port", "framing"}, []string{"host", "port"}},
		{"device", []string{"name", "bus", "unit", "profile", "poll_interval", "workarounds", "points", "plan"},
			[]string{"name", "bus", "unit", "points"}},
		{"workarounds", []string{"max_registers", "max_bits", "holes", "single_point_reads", "pause"}, nil},
		{"hole", []string{"table", "address", "count"}, []string{"table", "address", "count"}},
		{"point", []string{"name", "label", "table", "address", "type", "byte_order", "length", "string_order",
			"bit", "scale", "offset", "scale_factor", "unit", "access", "range"},
			[]string{"name", "table", "address", "type"}},
		{"range", []string{"min", "max"}, []string{"min", "max"}},
		{"request", []string{"table", "address", "count", "points"}, []string{"table", "address", "count", "points"}},
	}
}

// spec returns the object spec with the given name.
func spec(name string) objectSpec {
	for _, o := range objectSpecs() {
		if o.name == name {
			return o
		}
	}
	panic("gateway: no object spec " + name)
}

// config checks the whole document.
func (v *validator) config(n *node) {
	f, ok := v.fields(n, "", spec("config"))
	if !ok {
		return
	}
	if sv, ok := f["schema_version"]; ok {
		v.integer(sv, "schema_version", SchemaVersion, SchemaVersion)
	}
	if g, ok := f["generator"]; ok {
		v.str(g, "generator")
	}
	buses := map[string]string{} // name → kind
	v.list(f["buses"], "buses", func(it *node, path string) {
		name, kind := v.bus(it, path)
		if name == "" {
			return
		}
		if _, dup := buses[name]; dup {
			v.errAt(it.vals["name"].at, join(path, "name"), "duplicate bus name %q", name)
		}
		buses[name] = kind
	})
	devices := map[string]bool{}
	units := map[string]bool{}
	v.list(f["devices"], "devices", func(it *node, path string) {
		d, ok := v.fields(it, path, spec("device"))
		if !ok {
			return
		}
		if name, ok := v.name(d["name"], join(path, "name")); ok {
			if devices[name] {
				v.errAt(d["name"].at, join(path, "name"), "duplicate device name %q", name)
			}
			devices[name] = true
		}
		bus, busOK := v.str(d["bus"], join(path, "bus"))
		if busOK {
			if _, known := buses[bus]; !known {
				v.errAt(d["bus"].at, join(path, "bus"), "no bus named %q", bus)
			}
		}
		hi := int64(255)
		if buses[bus] == BusSerial {
			hi = 247
		}
		if unit, ok := v.integer(d["unit"], join(path, "unit"), 1, hi); ok && busOK {
			key := fmt.Sprintf("%s/%d", bus, unit)
			if units[key] {
				v.errAt(d["unit"].at, join(path, "unit"), "a second device with unit %d on bus %q", unit, bus)
			}
			units[key] = true
		}
		v.device(d, path)
	})
}

// bus checks one bus and returns its name and kind.
func (v *validator) bus(n *node, path string) (string, string) {
	f, ok := v.fields(n, path, spec("bus"))
	if !ok {
		return "", ""
	}
	name, _ := v.name(f["name"], join(path, "name"))
	kind, ok := v.enum(f["kind"], join(path, "kind"), busKinds())
	if !ok {
		return name, ""
	}
	want, other := BusSerial, BusTCP
	if kind == BusTCP {
		want, other = BusTCP, BusSerial
	}
	if o, ok := f[other]; ok {
		v.errAt(n.keyAt[other], join(path, other), "a %s bus takes %s settings, not %s", kind, want, other)
		_ = o
	}
	s, ok := f[want]
	if !ok {
		v.errAt(n.at, path, "a %s bus needs %q settings", kind, want)
		return name, kind
	}
	p := join(path, want)
	if kind == BusSerial {
		g, ok := v.fields(s, p, spec("serial"))
		if !ok {
			return name, kind
		}
		v.str(g["port"], join(p, "port"))
		v.integer(g["baud"], join(p, "baud"), 300, 921600)
		if x, ok := g["parity"]; ok {
			v.enum(x, join(p, "parity"), parities())
		}
		if x, ok := g["stop_bits"]; ok {
			v.integer(x, join(p, "stop_bits"), 1, 2)
		}
		if x, ok := g["data_bits"]; ok {
			v.integer(x, join(p, "data_bits"), 7, 8)
		}
		return name, kind
	}
	g, ok := v.fields(s, p, spec("tcp"))
	if !ok {
		return name, kind
	}
	if h, ok := v.str(g["host"], join(p, "host")); ok && h == "" {
		v.errAt(g["host"].at, join(p, "host"), "empty host")
	}
	v.integer(g["port"], join(p, "port"), 1, 65535)
	if x, ok := g["framing"]; ok {
		v.enum(x, join(p, "framing"), framings())
	}
	return name, kind
}

// device checks a device's settings, points and plan.
func (v *validator) device(d map[string]*node, path string) {
	if x, ok := d["profile"]; ok {
		v.str(x, join(path, "profile"))
	}
	if x, ok := d["poll_interval"]; ok {
		v.duration(x, join(path, "poll_interval"), 10*time.Millisecond)
	}
	var lim profiles.DeviceLimits
	if x, ok := d["workarounds"]; ok {
		lim = v.workarounds(x, join(path, "workarounds"))
	}
	pts := map[string]*profiles.Point{}
	names := map[string]bool{} // every point name given, valid point or not
	ptNodes := map[string]*node{}
	v.list(d["points"], join(path, "points"), func(it *node, p string) {
		if it.kind == kindMap && it.vals["name"] != nil && it.vals["name"].kind == kindString {
			names[it.vals["name"].str] = true
		}
		pt, ok := v.point(it, p)
		if !ok {
			return
		}
		if _, dup := pts[pt.Name]; dup {
			v.errAt(it.vals["name"].at, join(p, "name"), "duplicate point name %q", pt.Name)
			return
		}
		pts[pt.Name], ptNodes[pt.Name] = pt, it
		for _, h := range lim.Holes {
			if h.Overlaps(pt.Table, pt.Address, pt.Size()) {
				v.errAt(it.vals["address"].at, join(p, "address"), "point lies in the hole %s %d..%d",
					h.Table, h.Address, int(h.Address)+h.Count-1)
			}
		}
	})
	for name, pt := range pts {
		if pt.ScaleFactor == "" {
			continue
		}
		n := ptNodes[name].vals["scale_factor"]
		if sf, ok := pts[pt.ScaleFactor]; !ok && !names[pt.ScaleFactor] {
			v.errAt(n.at, "", "point %s: scale_factor %q names no point of the device", name, pt.ScaleFactor)
		} else if ok && sf.Type != profiles.TypeSunSSF {
			v.errAt(n.at, "", "point %s: scale_factor %q is a %s point, not sunssf", name, pt.ScaleFactor, sf.Type)
		}
	}
	if x, ok := d["plan"]; ok {
		v.plan(x, join(path, "plan"), pts, names, lim)
	}
}

// workarounds checks a device's workarounds and returns them as limits.
func (v *validator) workarounds(n *node, path string) profiles.DeviceLimits {
	var lim profiles.DeviceLimits
	f, ok := v.fields(n, path, spec("workarounds"))
	if !ok {
		return lim
	}
	if x, ok := f["max_registers"]; ok {
		lim.MaxRegisters, _ = v.integer(x, join(path, "max_registers"), 1, profiles.MaxReadRegisters)
	}
	if x, ok := f["max_bits"]; ok {
		lim.MaxBits, _ = v.integer(x, join(path, "max_bits"), 1, profiles.MaxReadBits)
	}
	if x, ok := f["single_point_reads"]; ok {
		lim.SinglePointReads = v.boolean(x, join(path, "single_point_reads"))
	}
	if x, ok := f["pause"]; ok {
		v.duration(x, join(path, "pause"), 0)
	}
	v.list(f["holes"], join(path, "holes"), func(it *node, p string) {
		h, ok := v.fields(it, p, spec("hole"))
		if !ok {
			return
		}
		t, tok := v.enum(h["table"], join(p, "table"), tables())
		a, aok := v.integer(h["address"], join(p, "address"), 0, 65535)
		c, cok := v.integer(h["count"], join(p, "count"), 1, 65536)
		if tok && aok && cok {
			tb, _ := profiles.ParseTable(t)
			lim.Holes = append(lim.Holes, profiles.Hole{Table: tb, Address: uint16(a), Count: c})
		}
	})
	return lim
}
