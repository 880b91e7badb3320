package profiles

import (
	"math"
	"strconv"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// scalarText returns a scalar's text: the decoded value of a string, the
// source text of anything else.
func scalarText(n ast.Node) string {
	switch v := n.(type) {
	case *ast.StringNode:
		return v.Value
	case *ast.LiteralNode:
		if v.Value != nil {
			return v.Value.Value
		}
		return ""
	}
	if n == nil || n.GetToken() == nil {
		return ""
	}
	return n.GetToken().Value
}

// isScalar reports whether n is a scalar other than null.
func isScalar(n ast.Node) bool {
	switch n.(type) {
	case *ast.StringNode, *ast.LiteralNode, *ast.IntegerNode, *ast.FloatNode,
		*ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		return true
	}
	return false
}

// text reads a scalar as text (numbers keep their source form).
func (r *reader) text(e entry) (string, bool) {
	if e.val == nil {
		return "", false
	}
	if !isScalar(e.val) {
		r.errAt(e.val, e.path, "want text, got %s", describe(e.val))
		return "", false
	}
	return scalarText(e.val), true
}

// word reads a scalar that must be a string (e.g. an enumerated keyword).
func (r *reader) word(e entry) (string, bool) {
	if e.val == nil {
		return "", false
	}
	switch e.val.(type) {
	case *ast.StringNode, *ast.LiteralNode:
		return scalarText(e.val), true
	}
	r.errAt(e.val, e.path, "want a string, got %s", describe(e.val))
	return "", false
}

// boolean reads a true/false scalar.
func (r *reader) boolean(e entry) (bool, bool) {
	if e.val == nil {
		return false, false
	}
	if b, ok := e.val.(*ast.BoolNode); ok {
		return b.Value, true
	}
	r.errAt(e.val, e.path, "want true or false, got %s", describe(e.val))
	return false, false
}

// integer reads an integer scalar in [lo, hi].
func (r *reader) integer(e entry, lo, hi int64) (int64, bool) {
	if e.val == nil {
		return 0, false
	}
	v, ok := intOf(e.val)
	if !ok {
		r.errAt(e.val, e.path, "want an integer, got %s", describe(e.val))
		return 0, false
	}
	if v < lo || v > hi {
		r.errAt(e.val, e.path, "%s out of range %d..%d", scalarText(e.val), lo, hi)
		return 0, false
	}
	return v, true
}

// intOf returns an integer node's value if it fits in an int64.
func intOf(n ast.Node) (int64, bool) {
	in, ok := n.(*ast.IntegerNode)
	if !ok {
		return 0, false
	}
	switch v := in.Value.(type) {
	case int64:
		return v, true
	case uint64:
		if v <= math.MaxInt64 {
			return int64(v), true
		}
	case int:
		return int64(v), true
	case uint:
		if uint64(v) <= math.MaxInt64 {
			return int64(v), true
		}
	}
	return 0, false
}

// uintOf returns a non-negative integer node's value.
func uintOf(n ast.Node) (uint64, bool) {
	in, ok := n.(*ast.IntegerNode)
	if !ok {
		return 0, false
	}
	switch v := in.Value.(type) {
	case uint64:
		return v, true
	case int64:
		if v >= 0 {
			return uint64(v), true
		}
	case int:
		if v >= 0 {
			return uint64(v), true
		}
	case uint:
		return uint64(v), true
	}
	return 0, false
}

// number reads a finite number (integer, float, or an unquoted string that
// YAML 1.2 reads as a float, such as 1e-3).
func (r *reader) number(e entry) (float64, bool) {
	if e.val == nil {
		return 0, false
	}
	v, ok := floatOf(e.val)
	if !ok {
		r.errAt(e.val, e.path, "want a number, got %s", describe(e.val))
		return 0, false
	}
	if math.IsInf(v, 0) || math.IsNaN(v) {
		r.errAt(e.val, e.path, "want a finite number, got %s", scalarText(e.val))
		return 0, false
	}
	return v, true
}

// floatOf returns a numeric node's value.
func floatOf(n ast.Node) (float64, bool) {
	switch v := n.(type) {
	case *ast.FloatNode:
		return v.Value, true
	case *ast.IntegerNode:
		if i, ok := intOf(v); ok {
			return float64(i), true
		}
		if u, ok := uintOf(v); ok {
			return float64(u), true
		}
	case *ast.InfinityNode:
		return v.Value, true
	case *ast.NanNode:
		return math.NaN(), true
	case *ast.StringNode:
		if v.Token != nil && v.Token.Type == token.StringType {
			if f, err := strconv.ParseFloat(v.Value, 64); err == nil {
				return f, true
			}
		}
	}
	return 0, false
}

// list reads a sequence, returning its resolved items (nil items were
// reported) and their paths.
func (r *reader) list(e entry) ([]ast.Node, []string, bool) {
	if e.val == nil {
		return nil, nil, false
	}
	seq, ok := e.val.(*ast.SequenceNode)
	if !ok {
		r.errAt(e.val, e.path, "want a list, got %s", describe(e.val))
		return nil, nil, false
	}
	items := make([]ast.Node, len(seq.Values))
	paths := make([]string, len(seq.Values))
	for i, it := range seq.Values {
		paths[i] = index(e.path, i)
		items[i] = r.resolve(it, paths[i])
		if items[i] != nil {
			r.remember(paths[i], items[i])
		}
	}
	return items, paths, true
}

// rangeOf reads a [min, max] pair.
func (r *reader) rangeOf(e entry) (Range, bool) {
	items, paths, ok := r.list(e)
	if !ok {
		return Range{}, false
	}
	if len(items) != 2 {
		r.errAt(e.val, e.path, "want [min, max], got %d values", len(items))
		return Range{}, false
	}
	lo, ok1 := r.number(entry{val: items[0], path: paths[0]})
	hi, ok2 := r.number(entry{val: items[1], path: paths[1]})
	if !ok1 || !ok2 {
		return Range{}, false
	}
	if lo > hi {
		r.errAt(e.val, e.path, "min %s is greater than max %s", fmtNum(lo), fmtNum(hi))
		return Range{}, false
	}
	return Range{Min: lo, Max: hi}, true
}

// fmtNum formats a number briefly for messages.
func fmtNum(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
