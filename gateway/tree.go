package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// kind is the kind of a document node.
type kind int

const (
	kindNull kind = iota
	kindMap
	kindList
	kindString
	kindNumber
	kindBool
)

// String names the kind as an error message says it.
func (k kind) String() string {
	return [...]string{"null", "a mapping", "a list", "a string", "a number", "a boolean"}[k]
}

// pos is a 1-based line and column.
type pos struct{ line, col int }

// node is one value of a parsed document (YAML or JSON) with its position,
// so that the validator can locate every error whatever the format.
type node struct {
	kind   kind
	at     pos
	keys   []string         // map keys in document order
	vals   map[string]*node // map values
	keyAt  map[string]pos   // map key positions
	items  []*node          // list items
	str    string           // string value, or a number's source text
	num    float64          // number value
	isInt  bool             // the number is an integer
	intVal int64            // its value when isInt
	b      bool             // boolean value
}

// plain converts the node to the Go values encoding/json produces.
func (n *node) plain() any {
	switch n.kind {
	case kindMap:
		m := make(map[string]any, len(n.keys))
		for _, k := range n.keys {
			m[k] = n.vals[k].plain()
		}
		return m
	case kindList:
		l := make([]any, len(n.items))
		for i, it := range n.items {
			l[i] = it.plain()
		}
		return l
	case kindString:
		return n.str
	case kindNumber:
		return json.Number(n.str)
	case kindBool:
		return n.b
	}
	return nil
}

// setNumber parses a number's source text.
func (n *node) setNumber(text string) error {
	n.kind, n.str = kindNumber, text
	if i, err := strconv.ParseInt(text, 10, 64); err == nil {
		n.isInt, n.intVal, n.num = true, i, float64(i)
		return nil
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return err
	}
	n.num = f
	n.str = strconv.FormatFloat(f, 'g', -1, 64) // normalise 0x…, 1_000, .5
	return nil
}

// parseYAML parses a YAML document into a node tree. Anchors and aliases
// are refused: a gateway config is written by tools and read by people.
func parseYAML(file string, data []byte) (*node, ValidationErrors) {
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		e := &ValidationError{File: file, Line: 1, Column: 1, Msg: err.Error()}
		var ye yaml.Error
		if errors.As(err, &ye) {
			e.Msg = "YAML syntax: " + ye.GetMessage()
			if tk := ye.GetToken(); tk != nil && tk.Position != nil {
				e.Line, e.Column = tk.Position.Line, tk.Position.Column
			}
		}
		return nil, ValidationErrors{e}
	}
	var body ast.Node
	for _, d := range f.Docs {
		if d != nil && d.Body != nil {
			if body != nil {
				return nil, ValidationErrors{errAtNode(file, d.Body, "a file holds one config; found a second YAML document")}
			}
			body = d.Body
		}
	}
	if body == nil {
		return nil, ValidationErrors{{File: file, Line: 1, Column: 1, Msg: "empty file: no config"}}
	}
	var errs ValidationErrors
	n := fromYAML(file, body, &errs)
	return n, errs
}

// yamlPos returns the position of an AST node (a block mapping at its
// first key).
func yamlPos(n ast.Node) pos {
	if m, ok := n.(*ast.MappingNode); ok && !m.IsFlowStyle && len(m.Values) > 0 && m.Values[0] != nil {
		return yamlPos(m.Values[0].Key)
	}
	if m, ok := n.(*ast.MappingValueNode); ok && m.Key != nil {
		return yamlPos(m.Key)
	}
	if n == nil || n.GetToken() == nil || n.GetToken().Position == nil {
		return pos{1, 1}
	}
	p := n.GetToken().Position
	return pos{p.Line, p.Column}
}

func errAtNode(file string, n ast.Node, msg string) *ValidationError {
	p := yamlPos(n)
	return &ValidationError{File: file, Line: p.line, Column: p.col, Msg: msg}
}

// fromYAML converts an AST node.
func fromYAML(file string, n ast.Node, errs *ValidationErrors) *node {
	out := &node{at: yamlPos(n)}
	switch v := n.(type) {
	case nil, *ast.NullNode:
	case *ast.TagNode:
		return fromYAML(file, v.Value, errs)
	case *ast.MappingNode:
		out.kind, out.vals, out.keyAt = kindMap, map[string]*node{}, map[string]pos{}
		for _, mv := range v.Values {
			addYAMLPair(file, out, mv, errs)
		}
	case *ast.MappingValueNode:
		out.kind, out.vals, out.keyAt = kindMap, map[string]*node{}, map[string]pos{}
		addYAMLPair(file, out, v, errs)
	case *ast.SequenceNode:
		out.kind = kindList
		for _, it := range v.Values {
			out.items = append(out.items, fromYAML(file, it, errs))
		}
	case *ast.StringNode:
		out.kind, out.str = kindString, v.Value
	case *ast.LiteralNode:
		out.kind = kindString
		if v.Value != nil {
			out.str = v.Value.Value
		}
	case *ast.IntegerNode, *ast.FloatNode:
		if err := out.setNumber(strings.ReplaceAll(n.GetToken().Value, "_", "")); err != nil {
			*errs = append(*errs, errAtNode(file, n, "bad number "+n.GetToken().Value))
		}
	case *ast.BoolNode:
		out.kind, out.b = kindBool, v.Value
	case *ast.AnchorNode, *ast.AliasNode, *ast.MergeKeyNode:
		*errs = append(*errs, errAtNode(file, n, "anchors, aliases and merge keys are not allowed in a gateway config"))
	default:
		*errs = append(*errs, errAtNode(file, n, fmt.Sprintf("unsupported YAML value %s", n.Type())))
	}
	return out
}

func addYAMLPair(file string, m *node, mv *ast.MappingValueNode, errs *ValidationErrors) {
	if mv == nil {
		return
	}
	key := ""
	switch k := mv.Key.(type) {
	case *ast.StringNode:
		key = k.Value
	default:
		if mv.Key != nil && mv.Key.GetToken() != nil {
			key = mv.Key.GetToken().Value
		}
	}
	if _, dup := m.vals[key]; dup {
		*errs = append(*errs, errAtNode(file, mv.Key, fmt.Sprintf("duplicate key %q", key)))
		return
	}
	m.keys = append(m.keys, key)
	m.keyAt[key] = yamlPos(mv.Key)
	m.vals[key] = fromYAML(file, mv.Value, errs)
}

// lineCol converts a byte offset of data into a 1-based line and column.
func lineCol(data []byte, off int64) pos {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(off) - bytes.LastIndexByte(before, '\n')
	return pos{line, col}
}

// parseJSON parses a JSON document into a node tree, with positions from
// the decoder's offsets.
func parseJSON(file string, data []byte) (*node, ValidationErrors) {
	p := &jsonParser{data: data, dec: json.NewDecoder(bytes.NewReader(data))}
	p.dec.UseNumber()
	n, err := p.value()
	if err == nil {
		if _, e := p.dec.Token(); e != io.EOF {
			err = &jsonErr{p.start(), "extra data after the config"}
		}
	}
	if err != nil {
		at := pos{1, 1}
		msg := err.Error()
		var se *json.SyntaxError
		var je *jsonErr
		switch {
		case errors.As(err, &je):
			at, msg = je.at, je.msg
		case errors.As(err, &se):
			at, msg = lineCol(data, se.Offset), "JSON syntax: "+se.Error()
		case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
			at, msg = lineCol(data, int64(len(data))), "JSON syntax: unexpected end of data"
		}
		return nil, ValidationErrors{{File: file, Line: at.line, Column: at.col, Msg: msg}}
	}
	return n, nil
}

// jsonErr is a structural JSON problem at a position.
type jsonErr struct {
	at  pos
	msg string
}

func (e *jsonErr) Error() string { return e.msg }

// jsonParser builds nodes from a token stream.
type jsonParser struct {
	data []byte
	dec  *json.Decoder
}

// start returns the position of the next token: the decoder's offset
// past whitespace and separators.
func (p *jsonParser) start() pos {
	off := p.dec.InputOffset()
	for off < int64(len(p.data)) && strings.IndexByte(" \t\r\n,:", p.data[off]) >= 0 {
		off++
	}
	return lineCol(p.data, off)
}

func (p *jsonParser) value() (*node, error) {
	at := p.start()
	tok, err := p.dec.Token()
	if err != nil {
		return nil, err
	}
	n := &node{at: at}
	switch v := tok.(type) {
	case json.Delim:
		switch v {
		case '{':
			n.kind, n.vals, n.keyAt = kindMap, map[string]*node{}, map[string]pos{}
			for p.dec.More() {
				kat := p.start()
				kt, err := p.dec.Token()
				if err != nil {
					return nil, err
				}
				key, _ := kt.(string)
				val, err := p.value()
				if err != nil {
					return nil, err
				}
				if _, dup := n.vals[key]; dup {
					return nil, &jsonErr{kat, fmt.Sprintf("duplicate key %q", key)}
				}
				n.keys = append(n.keys, key)
				n.keyAt[key], n.vals[key] = kat, val
			}
		case '[':
			n.kind = kindList
			for p.dec.More() {
				it, err := p.value()
				if err != nil {
					return nil, err
				}
				n.items = append(n.items, it)
			}
		}
		if _, err := p.dec.Token(); err != nil { // the closing delimiter
			return nil, err
		}
	case string:
		n.kind, n.str = kindString, v
	case json.Number:
		if err := n.setNumber(string(v)); err != nil {
			return nil, &jsonErr{at, "bad number " + string(v)}
		}
	case bool:
		n.kind, n.b = kindBool, v
	case nil:
	}
	return n, nil
}
