package profiles

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// maxNodeVisits bounds the work spent on one document (aliases can make a
// small file expand enormously).
const maxNodeVisits = 200000

// maxAliasDepth bounds nested anchors, aliases and tags.
const maxAliasDepth = 32

// reader walks a YAML AST, collecting errors with positions instead of
// stopping at the first one. It remembers the position of every path it
// visits so that later, semantic checks can point at the right place.
type reader struct {
	file    string
	errs    ValidationErrors
	pos     map[string]token.Position
	anchors map[string]ast.Node
	visits  int
	halted  bool     // the visit budget ran out
	fpPaths []string // paths of identify.fingerprints[i].point, index for index
}

// newReader returns a reader whose errors name file.
func newReader(file string) *reader {
	return &reader{file: file, pos: map[string]token.Position{}, anchors: map[string]ast.Node{}}
}

// position returns the position of a node's token.
func position(n ast.Node) (token.Position, bool) {
	if n == nil {
		return token.Position{}, false
	}
	// A block mapping's token is its first ':'; point at its first key.
	switch m := n.(type) {
	case *ast.MappingNode:
		if !m.IsFlowStyle && len(m.Values) > 0 && m.Values[0] != nil {
			return position(m.Values[0].Key)
		}
	case *ast.MappingValueNode:
		if m.Key != nil {
			return position(m.Key)
		}
	}
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return token.Position{}, false
	}
	return *tk.Position, true
}

// errAt records an error at a node's position.
func (r *reader) errAt(n ast.Node, path, format string, args ...any) {
	e := &ValidationError{File: r.file, Path: path, Msg: fmt.Sprintf(format, args...)}
	if p, ok := position(n); ok {
		e.Line, e.Column = p.Line, p.Column
	} else {
		e.Line, e.Column = r.lookup(path)
	}
	r.errs = append(r.errs, e)
}

// errPath records an error at the remembered position of path, or of its
// nearest remembered parent.
func (r *reader) errPath(path, format string, args ...any) {
	e := &ValidationError{File: r.file, Path: path, Msg: fmt.Sprintf(format, args...)}
	e.Line, e.Column = r.lookup(path)
	r.errs = append(r.errs, e)
}

// lookup finds the remembered position of path or of a parent.
func (r *reader) lookup(path string) (line, col int) {
	for p := path; ; p = parentPath(p) {
		if pos, ok := r.pos[p]; ok {
			return pos.Line, pos.Column
		}
		if p == "" {
			return 0, 0
		}
	}
}

// parentPath drops the last ".key" or "[n]" of a path.
func parentPath(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i <= 0 {
		return ""
	}
	return p[:i]
}

// join appends a key to a path.
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// index appends a list index to a path.
func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// remember records the position of a path (first visit wins).
func (r *reader) remember(path string, n ast.Node) {
	if _, ok := r.pos[path]; ok {
		return
	}
	if p, ok := position(n); ok {
		r.pos[path] = p
	}
}

// resolve unwraps anchors, aliases and tags. It returns nil (after
// reporting) for an unknown alias or when the document is too deep or
// too large.
func (r *reader) resolve(n ast.Node, path string) ast.Node {
	for depth := 0; ; depth++ {
		r.visits++
		if r.visits > maxNodeVisits {
			if !r.halted {
				r.halted = true
				r.errAt(n, path, "document too large (aliases expand to more than %d nodes)", maxNodeVisits)
			}
			return nil
		}
		if depth > maxAliasDepth {
			r.errAt(n, path, "anchors and aliases nested too deeply")
			return nil
		}
		switch v := n.(type) {
		case *ast.AnchorNode:
			n = v.Value
		case *ast.AliasNode:
			name := anchorName(v.Value)
			target, ok := r.anchors[name]
			if !ok {
				r.errAt(n, path, "alias *%s names no anchor defined before it", name)
				return nil
			}
			n = target
		case *ast.TagNode:
			n = v.Value
		default:
			return n
		}
	}
}

// collectAnchors records every anchor of the document, so that aliases
// resolve wherever the reader meets them.
func (r *reader) collectAnchors(root ast.Node) {
	ast.Walk(anchorVisitor{r.anchors}, root)
}

// anchorVisitor is the ast.Visitor of collectAnchors.
type anchorVisitor struct{ anchors map[string]ast.Node }

// Visit implements ast.Visitor.
func (v anchorVisitor) Visit(n ast.Node) ast.Visitor {
	if a, ok := n.(*ast.AnchorNode); ok {
		if name := anchorName(a.Name); name != "" {
			v.anchors[name] = a.Value
		}
	}
	return v
}

// anchorName returns the name held by an anchor's or alias's name node.
func anchorName(n ast.Node) string {
	if n == nil || n.GetToken() == nil {
		return ""
	}
	return n.GetToken().Value
}

// describe names the kind of a node for messages.
func describe(n ast.Node) string {
	switch v := n.(type) {
	case nil, *ast.NullNode:
		return "nothing"
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.StringNode, *ast.LiteralNode:
		return "a string"
	case *ast.IntegerNode:
		return "an integer"
	case *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		return "a number"
	case *ast.BoolNode:
		return "a boolean"
	default:
		return fmt.Sprintf("a %s", v.Type())
	}
}

// entry is one key of a mapping.
type entry struct {
	key  string
	keyN ast.Node // the key's node, for positions
	val  ast.Node // the resolved value (nil after an error)
	path string
}

// fields reads a mapping, reporting unknown and duplicate keys. It returns
// the entries by key; a key whose value cannot be resolved is absent.
func (r *reader) fields(n ast.Node, path string, allowed []string) (map[string]entry, bool) {
	n = r.resolve(n, path)
	if n == nil {
		return nil, false
	}
	r.remember(path, n)
	var values []*ast.MappingValueNode
	switch m := n.(type) {
	case *ast.MappingNode:
		values = m.Values
	case *ast.MappingValueNode:
		values = []*ast.MappingValueNode{m}
	default:
		r.errAt(n, path, "want a mapping, got %s", describe(n))
		return nil, false
	}
	out := map[string]entry{}
	seen := map[string]bool{}
	for _, mv := range values {
		kn := r.resolve(mv.Key, path)
		if kn == nil {
			continue
		}
		if _, ok := kn.(*ast.MergeKeyNode); ok {
			r.errAt(kn, path, "merge keys (<<) are not supported")
			continue
		}
		key := scalarText(kn)
		if seen[key] {
			r.errAt(kn, join(path, key), "duplicate key")
			continue
		}
		seen[key] = true
		if !contains(allowed, key) {
			r.errAt(kn, join(path, key), "unknown key (want one of %s)", strings.Join(allowed, ", "))
			continue
		}
		p := join(path, key)
		e := entry{key: key, keyN: kn, path: p}
		e.val = r.resolve(mv.Value, p)
		if e.val != nil {
			r.remember(p, e.val)
		}
		out[key] = e
	}
	return out, true
}

// contains reports whether list holds s.
func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
