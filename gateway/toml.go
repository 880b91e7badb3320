package gateway

import (
	"fmt"
	"strconv"
	"strings"
)

// TOMLError is a syntax or structure error of a TOML document, located.
type TOMLError struct {
	File   string
	Line   int // 1-based
	Column int // 1-based
	Msg    string
}

// Error formats as "FILE:LINE:COL: MSG".
func (e *TOMLError) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
}

// TOMLValue is one value of a TOML document and the line it starts on.
// V is a string, int64, float64, bool, []TOMLValue (an array), *TOMLTable
// (a table or an inline table) or []*TOMLTable (an array of tables).
type TOMLValue struct {
	Line int
	V    any
}

// TOMLTable is a TOML table: its keys in document order.
type TOMLTable struct {
	Line   int
	Keys   []string
	Values map[string]TOMLValue
	inline bool // an inline table, closed for extension
	header bool // defined by a [header] (may not be defined twice)
}

func newTOMLTable(line int) *TOMLTable {
	return &TOMLTable{Line: line, Values: map[string]TOMLValue{}}
}

// Get returns the value of key.
func (t *TOMLTable) Get(key string) (TOMLValue, bool) {
	v, ok := t.Values[key]
	return v, ok
}

func (t *TOMLTable) set(key string, v TOMLValue) {
	if _, ok := t.Values[key]; !ok {
		t.Keys = append(t.Keys, key)
	}
	t.Values[key] = v
}

// ParseTOML parses the subset of TOML that Telegraf configs use: comments,
// [tables], [[arrays of tables]], dotted and quoted keys, basic and
// literal strings (single-line, and """multi-line""" basic strings),
// integers (decimal, 0x, 0o, 0b, with _), floats, booleans, arrays and
// inline tables. Dates and times are rejected. Every error carries its
// line and column.
func ParseTOML(file string, data []byte) (*TOMLTable, error) {
	p := &tomlParser{file: file, src: string(data), line: 1, col: 1}
	root := newTOMLTable(1)
	cur := root
	for {
		p.skipSpaceNewlines()
		if p.eof() {
			return root, nil
		}
		switch p.peek() {
		case '[':
			t, err := p.header(root)
			if err != nil {
				return nil, err
			}
			cur = t
		default:
			if err := p.keyValue(cur); err != nil {
				return nil, err
			}
		}
		if err := p.endOfLine(); err != nil {
			return nil, err
		}
	}
}

// tomlParser is a cursor over the document.
type tomlParser struct {
	file      string
	src       string
	pos       int
	line, col int
}

func (p *tomlParser) errf(format string, args ...any) *TOMLError {
	return &TOMLError{File: p.file, Line: p.line, Column: p.col, Msg: fmt.Sprintf(format, args...)}
}

func (p *tomlParser) eof() bool { return p.pos >= len(p.src) }

func (p *tomlParser) peek() byte {
	if p.eof() {
		return 0
	}
	return p.src[p.pos]
}

func (p *tomlParser) next() byte {
	c := p.src[p.pos]
	p.pos++
	if c == '\n' {
		p.line, p.col = p.line+1, 1
	} else {
		p.col++
	}
	return c
}

// skipSpace skips blanks and a comment, not newlines.
func (p *tomlParser) skipSpace() {
	for !p.eof() {
		switch c := p.peek(); {
		case c == ' ' || c == '\t':
			p.next()
		case c == '#':
			for !p.eof() && p.peek() != '\n' {
				p.next()
			}
		default:
			return
		}
	}
}

// skipSpaceNewlines skips blanks, comments and newlines.
func (p *tomlParser) skipSpaceNewlines() {
	for {
		p.skipSpace()
		if p.eof() || (p.peek() != '\n' && p.peek() != '\r') {
			return
		}
		p.next()
	}
}

// endOfLine requires the rest of the line to be blank or a comment.
func (p *tomlParser) endOfLine() error {
	p.skipSpace()
	if p.eof() {
		return nil
	}
	if p.peek() == '\r' {
		p.next()
	}
	if p.eof() || p.peek() == '\n' {
		return nil
	}
	return p.errf("unexpected %q after the value (one key = value per line)", p.peek())
}

// key parses a dotted key: bare, "basic" or 'literal' parts.
func (p *tomlParser) key() ([]string, error) {
	var parts []string
	for {
		p.skipSpace()
		var part string
		switch c := p.peek(); {
		case c == '"' || c == '\'':
			s, err := p.str()
			if err != nil {
				return nil, err
			}
			part = s
		default:
			start := p.pos
			for !p.eof() && isBareKey(p.peek()) {
				p.next()
			}
			if p.pos == start {
				return nil, p.errf("expected a key, found %s", p.found())
			}
			part = p.src[start:p.pos]
		}
		parts = append(parts, part)
		p.skipSpace()
		if p.peek() != '.' {
			return parts, nil
		}
		p.next()
	}
}

func isBareKey(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

func (p *tomlParser) found() string {
	if p.eof() {
		return "the end of the file"
	}
	if p.peek() == '\n' {
		return "the end of the line"
	}
	return strconv.Quote(string(p.peek()))
}

// header parses [a.b] or [[a.b]] and returns the table it opens.
func (p *tomlParser) header(root *TOMLTable) (*TOMLTable, error) {
	line := p.line
	p.next()
	array := p.peek() == '['
	if array {
		p.next()
	}
	keys, err := p.key()
	if err != nil {
		return nil, err
	}
	closing := "]"
	if array {
		closing = "]]"
	}
	if !strings.HasPrefix(p.src[p.pos:], closing) {
		return nil, p.errf("expected %q to close the table header, found %s", closing, p.found())
	}
	for range closing {
		p.next()
	}
	t := root
	for i, k := range keys {
		last := i == len(keys)-1
		v, ok := t.Values[k]
		switch {
		case !ok && last && array:
			nt := newTOMLTable(line)
			t.set(k, TOMLValue{Line: line, V: []*TOMLTable{nt}})
			return nt, nil
		case !ok:
			nt := newTOMLTable(line)
			nt.header = last
			t.set(k, TOMLValue{Line: line, V: nt})
			t = nt
			continue
		}
		switch x := v.V.(type) {
		case []*TOMLTable:
			if last && array {
				nt := newTOMLTable(line)
				t.Values[k] = TOMLValue{Line: v.Line, V: append(x, nt)}
				return nt, nil
			}
			if last {
				return nil, &TOMLError{File: p.file, Line: line, Column: 1, Msg: fmt.Sprintf("[%s] is an array of tables (line %d): use [[%s]]", strings.Join(keys, "."), v.Line, strings.Join(keys, "."))}
			}
			t = x[len(x)-1]
		case *TOMLTable:
			if x.inline || last && (array || x.header) {
				return nil, &TOMLError{File: p.file, Line: line, Column: 1, Msg: fmt.Sprintf("table %s already defined on line %d", strings.Join(keys[:i+1], "."), x.Line)}
			}
			if last {
				x.header = true
			}
			t = x
		default:
			return nil, &TOMLError{File: p.file, Line: line, Column: 1, Msg: fmt.Sprintf("key %s is a value (line %d), not a table", strings.Join(keys[:i+1], "."), v.Line)}
		}
	}
	return t, nil
}

// keyValue parses key = value into t.
func (p *tomlParser) keyValue(t *TOMLTable) error {
	line, col := p.line, p.col
	keys, err := p.key()
	if err != nil {
		return err
	}
	if p.peek() != '=' {
		return p.errf("expected '=' after the key %s, found %s", strings.Join(keys, "."), p.found())
	}
	p.next()
	p.skipSpace()
	v, err := p.value()
	if err != nil {
		return err
	}
	for i, k := range keys[:len(keys)-1] {
		x, ok := t.Values[k]
		if !ok {
			nt := newTOMLTable(line)
			t.set(k, TOMLValue{Line: line, V: nt})
			t = nt
			continue
		}
		sub, isTable := x.V.(*TOMLTable)
		if !isTable || sub.inline {
			return &TOMLError{File: p.file, Line: line, Column: col, Msg: fmt.Sprintf("key %s is already defined on line %d", strings.Join(keys[:i+1], "."), x.Line)}
		}
		t = sub
	}
	k := keys[len(keys)-1]
	if x, ok := t.Values[k]; ok {
		return &TOMLError{File: p.file, Line: line, Column: col, Msg: fmt.Sprintf("key %s is already defined on line %d", strings.Join(keys, "."), x.Line)}
	}
	t.set(k, v)
	return nil
}

// value parses one value.
func (p *tomlParser) value() (TOMLValue, error) {
	line := p.line
	switch c := p.peek(); {
	case c == '"' || c == '\'':
		s, err := p.str()
		return TOMLValue{Line: line, V: s}, err
	case c == '[':
		return p.array()
	case c == '{':
		return p.inlineTable()
	case c == 't' || c == 'f':
		for _, w := range []string{"true", "false"} {
			if strings.HasPrefix(p.src[p.pos:], w) {
				for range w {
					p.next()
				}
				return TOMLValue{Line: line, V: w == "true"}, nil
			}
		}
	case c == '+' || c == '-' || c >= '0' && c <= '9' || c == 'i' || c == 'n':
		return p.number()
	}
	return TOMLValue{}, p.errf("expected a value, found %s", p.found())
}
