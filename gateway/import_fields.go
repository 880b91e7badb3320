package gateway

import (
	"fmt"
	"strings"

	"github.com/busprobe/busprobe/profiles"
)

// impPoint is one imported field.
type impPoint struct {
	Name        string   `yaml:"name"`
	Table       string   `yaml:"table"`
	Address     int      `yaml:"address"`
	Type        string   `yaml:"type"`
	ByteOrder   string   `yaml:"byte_order,omitempty"`
	Length      int      `yaml:"length,omitempty"`
	StringOrder string   `yaml:"string_order,omitempty"`
	Bit         *int     `yaml:"bit,omitempty"`
	Scale       *float64 `yaml:"scale,omitempty"`
}

// telegrafTypes maps request-style field types to profile types.
func telegrafType(t string) (string, bool) {
	m := map[string]string{"INT16": "i16", "UINT16": "u16", "INT32": "i32", "UINT32": "u32", "INT64": "i64",
		"UINT64": "u64", "FLOAT32": "f32", "FLOAT64": "f64", "STRING": "string", "BIT": "bool"}
	v, ok := m[strings.ToUpper(t)]
	return v, ok
}

// telegrafOrder maps Telegraf byte orders (2, 4 and 8 letters) to
// busprobe's.
func telegrafOrder(o string) (string, bool) {
	m := map[string]string{"AB": "ABCD", "BA": "BADC", "ABCD": "ABCD", "CDAB": "CDAB", "BADC": "BADC", "DCBA": "DCBA",
		"ABCDEFGH": "ABCD", "GHEFCDAB": "CDAB", "BADCFEHG": "BADC", "HGFEDCBA": "DCBA"}
	v, ok := m[strings.ToUpper(o)]
	return v, ok
}

// add names and appends a point: its name made a profile name, unique in
// the device. The original name is not kept as a label: Telegraf's export
// could not carry it back, and import → export → import must be identical.
func (d *impDevice) add(p impPoint, original string) {
	p.Name = Slug(original)
	base := p.Name
	for i := 2; d.names[p.Name]; i++ {
		p.Name = fmt.Sprintf("%s_%d", base, i)
	}
	d.names[p.Name] = true
	d.points = append(d.points, p)
}

// requests imports the [[inputs.modbus.request]] sections of an input.
func (im *importer) requests(s *TOMLTable, dev func(int, string) *impDevice) error {
	rv, _ := s.Get("request")
	reqs, _ := rv.V.([]*TOMLTable)
	for _, r := range reqs {
		unit := tomlInt(r, "slave_id", 0)
		if unit < 1 || unit > 255 {
			return im.errAt(r.Line, "request: slave_id %d: want 1..255", unit)
		}
		table, ok := profiles.ParseTable(tomlStr(r, "register", "holding"))
		if !ok {
			v, _ := r.Get("register")
			return im.errAt(v.Line, "register %v: want coil, discrete, holding or input", v.V)
		}
		order, ok := telegrafOrder(tomlStr(r, "byte_order", "ABCD"))
		if !ok {
			v, _ := r.Get("byte_order")
			return im.errAt(v.Line, "byte_order %v: want ABCD, CDAB, BADC or DCBA", v.V)
		}
		tag := ""
		if tv, ok := r.Get("tags"); ok {
			if tt, ok := tv.V.(*TOMLTable); ok {
				tag = tomlStr(tt, "device", "")
			}
		}
		d := dev(unit, tag)
		fv, _ := r.Get("fields")
		fields, _ := fv.V.([]TOMLValue)
		for _, f := range fields {
			ft, ok := f.V.(*TOMLTable)
			if !ok {
				return im.errAt(f.Line, "fields: want inline tables { address=…, name=…, type=… }")
			}
			if omit, _ := ft.Values["omit"].V.(bool); omit {
				continue
			}
			if err := im.requestField(d, ft, table, order); err != nil {
				return err
			}
		}
	}
	return nil
}

// requestField imports one field of a request section.
func (im *importer) requestField(d *impDevice, f *TOMLTable, table profiles.Table, order string) error {
	name := tomlStr(f, "name", "")
	av, ok := f.Get("address")
	addr, isInt := av.V.(int64)
	if name == "" || !ok || !isInt || addr < 0 || addr > 65535 {
		return im.errAt(f.Line, "field: want a name and an address 0..65535")
	}
	p := impPoint{Table: table.String(), Address: int(addr)}
	if table.IsBit() {
		p.Type = "bool"
		d.add(p, name)
		return nil
	}
	typ, ok := telegrafType(tomlStr(f, "type", ""))
	if !ok {
		return im.errAt(f.Line, "field %s: type %q: busprobe imports INT16…UINT64, FLOAT32, FLOAT64, STRING and BIT", name, tomlStr(f, "type", ""))
	}
	p.Type = typ
	switch typ {
	case "string":
		p.Length = tomlInt(f, "length", 0)
		if p.Length < 1 {
			return im.errAt(f.Line, "field %s: STRING needs a length", name)
		}
		switch order {
		case "ABCD":
		case "BADC":
			p.StringOrder = "swapped"
		default:
			return im.errAt(f.Line, "field %s: STRING in byte order %s: busprobe reads packed (ABCD) or swapped (BADC) strings", name, order)
		}
	case "bool":
		b := tomlInt(f, "bit", -1)
		if b < 0 || b > 15 {
			return im.errAt(f.Line, "field %s: BIT needs a bit 0..15", name)
		}
		p.Bit = &b
	default:
		p.ByteOrder = order
		if sv, ok := f.Get("scale"); ok {
			sc, ok := tomlFloat(sv)
			if !ok || sc == 0 {
				return im.errAt(sv.Line, "field %s: scale %v: want a non-zero number", name, sv.V)
			}
			if sc != 1 {
				p.Scale = &sc
			}
		}
	}
	d.add(p, name)
	return nil
}

// registers imports the classic register style: coils, discrete_inputs,
// holding_registers and input_registers of one slave_id.
func (im *importer) registers(s *TOMLTable, dev func(int, string) *impDevice) error {
	unit := tomlInt(s, "slave_id", 0)
	if unit < 1 || unit > 255 {
		return im.errAt(s.Line, "slave_id %d: want 1..255", unit)
	}
	d := dev(unit, "")
	for _, key := range []string{"coils", "discrete_inputs", "holding_registers", "input_registers"} {
		v, ok := s.Get(key)
		if !ok {
			continue
		}
		list, ok := v.V.([]TOMLValue)
		if !ok {
			return im.errAt(v.Line, "%s: want an array of inline tables", key)
		}
		table := map[string]profiles.Table{"coils": profiles.TableCoil, "discrete_inputs": profiles.TableDiscrete,
			"holding_registers": profiles.TableHolding, "input_registers": profiles.TableInput}[key]
		for _, e := range list {
			ft, ok := e.V.(*TOMLTable)
			if !ok {
				return im.errAt(e.Line, "%s: want inline tables { name=…, address=[…] }", key)
			}
			if err := im.registerField(d, ft, table); err != nil {
				return err
			}
		}
	}
	return nil
}

// registerField imports one classic-style field.
func (im *importer) registerField(d *impDevice, f *TOMLTable, table profiles.Table) error {
	name := tomlStr(f, "name", "")
	av, _ := f.Get("address")
	list, _ := av.V.([]TOMLValue)
	var addrs []int
	for _, a := range list {
		n, ok := a.V.(int64)
		if !ok || n < 0 || n > 65535 || len(addrs) > 0 && int(n) != addrs[len(addrs)-1]+1 {
			return im.errAt(f.Line, "field %s: address must list consecutive registers 0..65535", name)
		}
		addrs = append(addrs, int(n))
	}
	if name == "" || len(addrs) == 0 {
		return im.errAt(f.Line, "field: want a name and address = [ … ]")
	}
	p := impPoint{Table: table.String(), Address: addrs[0]}
	if table.IsBit() {
		if len(addrs) != 1 {
			return im.errAt(f.Line, "field %s: a bit has one address", name)
		}
		p.Type = "bool"
		d.add(p, name)
		return nil
	}
	dt := strings.ToUpper(tomlStr(f, "data_type", ""))
	sizes := map[int]string{1: "16", 2: "32", 4: "64"}
	bits, ok := sizes[len(addrs)]
	if !ok {
		return im.errAt(f.Line, "field %s: %d registers: want 1, 2 or 4", name, len(addrs))
	}
	switch dt {
	case "INT16", "UINT16", "INT32", "UINT32", "INT64", "UINT64":
		p.Type, _ = telegrafType(dt)
	case "FLOAT32-IEEE", "FLOAT64-IEEE":
		p.Type, _ = telegrafType(strings.TrimSuffix(dt, "-IEEE"))
	case "FIXED":
		p.Type = "i" + bits
	case "UFIXED", "FLOAT32": // FLOAT32 is Telegraf's deprecated name of UFIXED
		p.Type = "u" + bits
	default:
		return im.errAt(f.Line, "field %s: data_type %q not supported", name, dt)
	}
	pt, _ := profiles.ParseType(p.Type)
	if pt.Registers() != len(addrs) {
		return im.errAt(f.Line, "field %s: %s takes %d registers, address lists %d", name, dt, pt.Registers(), len(addrs))
	}
	order, ok := telegrafOrder(tomlStr(f, "byte_order", "ABCD"))
	if !ok {
		return im.errAt(f.Line, "field %s: byte_order %q not supported", name, tomlStr(f, "byte_order", ""))
	}
	p.ByteOrder = order
	if sv, ok := f.Get("scale"); ok {
		sc, ok := tomlFloat(sv)
		if !ok || sc == 0 {
			return im.errAt(sv.Line, "field %s: scale %v: want a non-zero number", name, sv.V)
		}
		if sc != 1 {
			p.Scale = &sc
		}
	}
	d.add(p, name)
	return nil
}
