package profiles

import (
	"errors"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// topKeys lists the keys of the document. These lists are the loader's
// contract; the schema test keeps profile.schema.json in step with them.
func topKeys() []string {
	return []string{"id", "vendor", "model", "aliases", "description", "source",
		"defaults", "device", "identify", "points"}
}

// sourceKeys lists the keys of source.
func sourceKeys() []string { return []string{"title", "version", "url", "notes"} }

// defaultsKeys lists the keys of defaults.
func defaultsKeys() []string {
	return []string{"table", "byte_order", "base", "scale", "string_order", "sunspec"}
}

// deviceKeys lists the keys of device.
func deviceKeys() []string {
	return []string{"max_registers", "max_bits", "holes", "single_point_reads", "pause"}
}

// holeKeys lists the keys of a device.holes item.
func holeKeys() []string { return []string{"table", "address", "count"} }

// identifyKeys lists the keys of identify.
func identifyKeys() []string { return []string{"fc43", "fingerprints", "sunspec_models"} }

// fc43Keys lists the keys of identify.fc43.
func fc43Keys() []string { return []string{"vendor", "product"} }

// fingerprintKeys lists the keys of an identify.fingerprints item.
func fingerprintKeys() []string { return []string{"point", "range"} }

// Load parses and validates one profile. name labels the errors (usually
// the file's path). On any problem it returns ValidationErrors holding
// every problem found, each with its line and column.
func Load(name string, data []byte) (*Profile, error) {
	r := newReader(name)
	f, err := parser.ParseBytes(data, 0, parser.AllowDuplicateMapKey())
	if err != nil {
		return nil, ValidationErrors{syntaxError(name, err)}
	}
	var body ast.Node
	for _, d := range f.Docs {
		if d == nil || d.Body == nil {
			continue
		}
		if body != nil {
			r.errAt(d.Body, "", "a file holds one profile; found a second YAML document")
			break
		}
		body = d.Body
	}
	if body == nil {
		return nil, ValidationErrors{{File: name, Line: 1, Column: 1, Msg: "empty file: no profile"}}
	}
	r.collectAnchors(body)
	p, metas := r.profile(body)
	if p != nil && !r.halted {
		r.crossCheck(p, metas)
	}
	if len(r.errs) > 0 {
		r.errs.Sort()
		return nil, r.errs
	}
	p.File = name
	return p, nil
}

// syntaxError converts a go-yaml parse error into a ValidationError.
func syntaxError(name string, err error) *ValidationError {
	e := &ValidationError{File: name, Line: 1, Column: 1, Msg: err.Error()}
	var ye yaml.Error
	if errors.As(err, &ye) {
		e.Msg = "YAML syntax: " + ye.GetMessage()
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			e.Line, e.Column = tk.Position.Line, tk.Position.Column
		}
	}
	return e
}

// require reports the keys of a mapping that are missing.
func (r *reader) require(f map[string]entry, path string, keys ...string) {
	for _, k := range keys {
		if _, ok := f[k]; !ok {
			r.errPath(path, "missing required key %q", k)
		}
	}
}

// profile reads the document's top-level mapping.
func (r *reader) profile(n ast.Node) (*Profile, []pointMeta) {
	f, ok := r.fields(n, "", topKeys())
	if !ok {
		return nil, nil
	}
	r.require(f, "", "id", "vendor", "model", "source")
	p := &Profile{}
	if e, ok := f["id"]; ok {
		if s, ok := r.word(e); ok {
			if msg := checkID(s); msg != "" {
				r.errAt(e.val, e.path, "%s", msg)
			}
			p.ID = s
		}
	}
	p.Vendor = r.nonEmpty(f, "vendor")
	p.Model = r.nonEmpty(f, "model")
	if e, ok := f["description"]; ok {
		p.Description, _ = r.text(e)
	}
	if e, ok := f["aliases"]; ok {
		p.Aliases = r.aliases(e)
	}
	if e, ok := f["source"]; ok {
		p.Source = r.source(e)
	}
	p.Defaults = Defaults{Table: TableHolding, Scale: 1}
	if e, ok := f["defaults"]; ok {
		r.defaults(e, &p.Defaults)
	}
	p.Device = DeviceLimits{MaxRegisters: MaxReadRegisters, MaxBits: MaxReadBits}
	if e, ok := f["device"]; ok {
		r.device(e, p.Defaults.Base, &p.Device)
	}
	if e, ok := f["identify"]; ok {
		r.identify(e, &p.Identify)
	}
	var metas []pointMeta
	e, ok := f["points"]
	switch {
	case ok:
		p.Points, metas = r.points(e, p)
	case len(p.Identify.SunSpecModels) == 0:
		r.errPath("", "missing required key %q (a profile needs points, or identify.sunspec_models)", "points")
	}
	return p, metas
}

// checkID returns why s is not a valid profile ID, or "".
func checkID(s string) string {
	ok := s != "" && !strings.HasPrefix(s, "-") && !strings.HasSuffix(s, "-") && !strings.Contains(s, "--")
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			ok = false
		}
	}
	if !ok {
		return quote(s) + " must be lowercase vendor-model: letters a-z, digits and single hyphens, e.g. eastron-sdm630"
	}
	return ""
}

// quote quotes a string for messages.
func quote(s string) string { return `"` + s + `"` }

// nonEmpty reads a required text field that must not be empty.
func (r *reader) nonEmpty(f map[string]entry, key string) string {
	e, ok := f[key]
	if !ok {
		return ""
	}
	s, ok := r.text(e)
	if ok && strings.TrimSpace(s) == "" {
		r.errAt(e.val, e.path, "%s must not be empty", key)
	}
	return s
}

// aliases reads the list of other names.
func (r *reader) aliases(e entry) []string {
	items, paths, ok := r.list(e)
	if !ok {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	for i, it := range items {
		s, ok := r.text(entry{val: it, path: paths[i]})
		if !ok {
			continue
		}
		switch k := strings.ToLower(strings.TrimSpace(s)); {
		case k == "":
			r.errAt(it, paths[i], "alias must not be empty")
		case seen[k]:
			r.errAt(it, paths[i], "duplicate alias %s", quote(s))
		default:
			seen[k] = true
			out = append(out, s)
		}
	}
	return out
}

// source reads the cited document.
func (r *reader) source(e entry) Source {
	f, ok := r.fields(e.val, e.path, sourceKeys())
	if !ok {
		return Source{}
	}
	r.require(f, e.path, "title", "version")
	s := Source{Title: r.nonEmpty(f, "title"), Version: r.nonEmpty(f, "version")}
	if u, ok := f["url"]; ok {
		if v, ok := r.text(u); ok {
			if !strings.HasPrefix(v, "https://") && !strings.HasPrefix(v, "http://") {
				r.errAt(u.val, u.path, "url %s must start with https:// or http://", quote(v))
			}
			s.URL = v
		}
	}
	if n, ok := f["notes"]; ok {
		s.Notes, _ = r.text(n)
	}
	return s
}

// defaults reads the defaults mapping into d.
func (r *reader) defaults(e entry, d *Defaults) {
	f, ok := r.fields(e.val, e.path, defaultsKeys())
	if !ok {
		return
	}
	if v, ok := f["table"]; ok {
		d.Table = r.table(v, d.Table)
	}
	if v, ok := f["byte_order"]; ok {
		d.ByteOrder = r.byteOrder(v, d.ByteOrder)
	}
	if v, ok := f["base"]; ok {
		if b, ok := r.integer(v, 0, 1); ok {
			d.Base = int(b)
		}
	}
	if v, ok := f["scale"]; ok {
		d.Scale = r.scale(v, d.Scale)
	}
	if v, ok := f["string_order"]; ok {
		d.StringOrder = r.stringOrder(v, d.StringOrder)
	}
	if v, ok := f["sunspec"]; ok {
		d.SunSpec, _ = r.boolean(v)
	}
}

// table reads a table name, returning def after an error.
func (r *reader) table(e entry, def Table) Table {
	s, ok := r.word(e)
	if !ok {
		return def
	}
	t, ok := ParseTable(s)
	if !ok {
		r.errAt(e.val, e.path, "unknown table %s (want coil, discrete, input or holding)", quote(s))
		return def
	}
	return t
}

// byteOrder reads a byte order, returning def after an error.
func (r *reader) byteOrder(e entry, def ByteOrder) ByteOrder {
	s, ok := r.word(e)
	if !ok {
		return def
	}
	o, ok := ParseByteOrder(s)
	if !ok {
		r.errAt(e.val, e.path, "unknown byte_order %s (want ABCD, CDAB, BADC or DCBA)", quote(s))
		return def
	}
	return o
}

// stringOrder reads a string order, returning def after an error.
func (r *reader) stringOrder(e entry, def StringOrder) StringOrder {
	s, ok := r.word(e)
	if !ok {
		return def
	}
	o, ok := ParseStringOrder(s)
	if !ok {
		r.errAt(e.val, e.path, "unknown string_order %s (want packed or swapped)", quote(s))
		return def
	}
	return o
}

// scale reads a non-zero scale, returning def after an error.
func (r *reader) scale(e entry, def float64) float64 {
	v, ok := r.number(e)
	if !ok {
		return def
	}
	if v == 0 {
		r.errAt(e.val, e.path, "scale must not be 0")
		return def
	}
	return v
}
