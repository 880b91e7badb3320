package gateway

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/busprobe/busprobe/profiles"
)

// Format is a native config's file format.
type Format int

// Formats of the native config.
const (
	FormatYAML Format = iota
	FormatJSON
)

// DetectFormat guesses the format from the file name (.json) or, failing
// that, from the first non-blank byte ('{' is JSON).
func DetectFormat(name string, data []byte) Format {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".json":
		return FormatJSON
	case ".yaml", ".yml":
		return FormatYAML
	}
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) > 0 && t[0] == '{' {
		return FormatJSON
	}
	return FormatYAML
}

// Parse validates a native config (YAML or JSON, see DetectFormat) and
// decodes it. name labels the errors. Every problem found is returned at
// once as ValidationErrors, each located by line and column.
func Parse(name string, data []byte) (*Config, error) {
	var root *node
	var errs ValidationErrors
	if DetectFormat(name, data) == FormatJSON {
		root, errs = parseJSON(name, data)
	} else {
		root, errs = parseYAML(name, data)
	}
	if root != nil {
		v := &validator{file: name}
		v.config(root)
		errs = append(errs, v.errs...)
	}
	if len(errs) > 0 {
		errs.Sort()
		return nil, errs
	}
	b, err := json.Marshal(root.plain())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var c Config
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("%s: decode: %w", name, err)
	}
	return &c, nil
}

// validator checks a node tree against the native config's rules (the
// same rules the JSON Schema states, plus cross references).
type validator struct {
	file string
	errs ValidationErrors
}

func (v *validator) errAt(at pos, path, format string, args ...any) {
	v.errs = append(v.errs, &ValidationError{File: v.file, Line: at.line, Column: at.col, Path: path,
		Msg: fmt.Sprintf(format, args...)})
}

// fields checks that n is a mapping with only the known keys and every
// required key; it returns the mapping's values by key.
func (v *validator) fields(n *node, path string, o objectSpec) (map[string]*node, bool) {
	if n.kind != kindMap {
		v.errAt(n.at, path, "want a mapping, got %s", n.kind)
		return nil, false
	}
	known := map[string]bool{}
	for _, k := range o.keys {
		known[k] = true
	}
	for _, k := range n.keys {
		if !known[k] {
			v.errAt(n.keyAt[k], join(path, k), "unknown key %q (%s takes %s)", k, o.name, strings.Join(o.keys, ", "))
		}
	}
	for _, k := range o.required {
		if _, ok := n.vals[k]; !ok {
			v.errAt(n.at, path, "missing required key %q", k)
		}
	}
	return n.vals, true
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// str checks a string.
func (v *validator) str(n *node, path string) (string, bool) {
	if n == nil {
		return "", false
	}
	if n.kind != kindString {
		v.errAt(n.at, path, "want a string, got %s", n.kind)
		return "", false
	}
	return n.str, true
}

// name checks a string matching [a-z][a-z0-9_]*.
func (v *validator) name(n *node, path string) (string, bool) {
	s, ok := v.str(n, path)
	if ok && !validName(s) {
		v.errAt(n.at, path, "name %q must match [a-z][a-z0-9_]*", s)
		return s, false
	}
	return s, ok
}

// enum checks a string that must be one of values.
func (v *validator) enum(n *node, path string, values []string) (string, bool) {
	s, ok := v.str(n, path)
	if !ok {
		return s, false
	}
	for _, x := range values {
		if s == x {
			return s, true
		}
	}
	v.errAt(n.at, path, "%q is not one of %s", s, strings.Join(values, ", "))
	return s, false
}

// integer checks an integer in [lo, hi].
func (v *validator) integer(n *node, path string, lo, hi int64) (int, bool) {
	if n == nil {
		return 0, false
	}
	if n.kind != kindNumber || !n.isInt {
		v.errAt(n.at, path, "want an integer, got %s", describeNum(n))
		return 0, false
	}
	if n.intVal < lo || n.intVal > hi {
		v.errAt(n.at, path, "%d out of range %d..%d", n.intVal, lo, hi)
		return int(n.intVal), false
	}
	return int(n.intVal), true
}

// number checks a number.
func (v *validator) number(n *node, path string) (float64, bool) {
	if n == nil {
		return 0, false
	}
	if n.kind != kindNumber {
		v.errAt(n.at, path, "want a number, got %s", n.kind)
		return 0, false
	}
	return n.num, true
}

// boolean checks a boolean.
func (v *validator) boolean(n *node, path string) bool {
	if n != nil && n.kind != kindBool {
		v.errAt(n.at, path, "want true or false, got %s", n.kind)
		return false
	}
	return n != nil && n.b
}

// duration checks a Go duration string of at least lo.
func (v *validator) duration(n *node, path string, lo time.Duration) {
	s, ok := v.str(n, path)
	if !ok {
		return
	}
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		v.errAt(n.at, path, "%q is not a duration (e.g. 500ms, 10s, 1m)", s)
	case d < lo:
		v.errAt(n.at, path, "%s is below the minimum %s", d, lo)
	}
}

// list checks a list and calls each for every item.
func (v *validator) list(n *node, path string, each func(it *node, path string)) {
	if n == nil {
		return
	}
	if n.kind != kindList {
		v.errAt(n.at, path, "want a list, got %s", n.kind)
		return
	}
	for i, it := range n.items {
		each(it, index(path, i))
	}
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

func describeNum(n *node) string {
	if n.kind == kindNumber {
		return "the fraction " + n.str
	}
	return n.kind.String()
}

// Enumerations of the native config, shared by the validator and the
// schema test.
func busKinds() []string     { return []string{BusSerial, BusTCP} }
func framings() []string     { return []string{FramingMBAP, FramingRTUOverTCP} }
func parities() []string     { return []string{"N", "E", "O"} }
func tables() []string       { return []string{"coil", "discrete", "input", "holding"} }
func accesses() []string     { return []string{"r", "rw", "w"} }
func byteOrders() []string   { return []string{"ABCD", "CDAB", "BADC", "DCBA"} }
func stringOrders() []string { return []string{"packed", "swapped"} }
func typeNames() []string    { return profiles.TypeNames() }
