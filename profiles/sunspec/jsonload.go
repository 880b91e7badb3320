package sunspec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// The SunSpec Alliance's model JSON, as far as busprobe reads it. Other
// keys (standards, static, comments, detail, …) are ignored.
type (
	jsonModel struct {
		ID    *int       `json:"id"`
		Group *jsonGroup `json:"group"`
	}
	jsonGroup struct {
		Name   string          `json:"name"`
		Type   string          `json:"type"`
		Label  string          `json:"label"`
		Desc   string          `json:"desc"`
		Count  json.RawMessage `json:"count"`
		Points []jsonPoint     `json:"points"`
		Groups []jsonGroup     `json:"groups"`
	}
	jsonPoint struct {
		Name      string          `json:"name"`
		Type      string          `json:"type"`
		Size      *int            `json:"size"`
		SF        json.RawMessage `json:"sf"`
		Units     string          `json:"units"`
		Access    string          `json:"access"`
		Mandatory string          `json:"mandatory"`
		Label     string          `json:"label"`
		Desc      string          `json:"desc"`
		Symbols   []jsonSymbol    `json:"symbols"`
	}
	jsonSymbol struct {
		Name  string `json:"name"`
		Value *int64 `json:"value"`
	}
)

// ParseModelJSON parses one SunSpec Alliance model file (model_N.json).
// file names the file in errors. Every problem found is reported, each as
// a *ModelFileError, joined with errors.Join.
func ParseModelJSON(file string, data []byte) (*ModelDef, error) {
	var jm jsonModel
	if err := json.Unmarshal(data, &jm); err != nil {
		return nil, syntaxErr(file, data, err)
	}
	c := &checker{file: file}
	if jm.ID == nil {
		c.add("", "missing \"id\"")
	} else if *jm.ID < 1 || *jm.ID > 0xFFFE {
		c.add("id", "model ID %d out of range 1..65534", *jm.ID)
	}
	if jm.Group == nil {
		c.add("", "missing \"group\"")
		return nil, errors.Join(c.errs...)
	}
	m := &ModelDef{Source: file}
	if jm.ID != nil {
		m.ID = *jm.ID
	}
	m.Group = c.group(jm.Group, "group", nil, true)
	if ps := m.Group.Points; len(ps) < 2 || ps[0].Name != "ID" || ps[1].Name != "L" {
		c.add("group.points", "a model must start with the points ID and L")
	}
	if len(c.errs) > 0 {
		return nil, errors.Join(c.errs...)
	}
	return m, nil
}

// syntaxErr turns a JSON decoding error into a *ModelFileError with line
// and column when the error has an offset.
func syntaxErr(file string, data []byte, err error) error {
	var off int64 = -1
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = max(se.Offset-1, 0) // Offset counts the offending byte
	case errors.As(err, &te):
		off = te.Offset
	}
	e := &ModelFileError{File: file, Msg: "invalid JSON: " + err.Error()}
	if off >= 0 && off <= int64(len(data)) {
		before := data[:off]
		e.Line = bytes.Count(before, []byte("\n")) + 1
		e.Col = int(off) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	}
	return e
}

// checker gathers the problems of one file.
type checker struct {
	file string
	errs []error
}

// add records a problem at path.
func (c *checker) add(path, format string, args ...any) {
	c.errs = append(c.errs, &ModelFileError{File: c.file, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// scope is the points visible from a group: its own and its ancestors'.
type scope struct {
	points map[string]*PointDef
	parent *scope
}

// lookup finds a point by name, nearest group first.
func (s *scope) lookup(name string) *PointDef {
	for ; s != nil; s = s.parent {
		if p, ok := s.points[name]; ok {
			return p
		}
	}
	return nil
}

// group converts and checks a group; top is true for the model's group.
func (c *checker) group(jg *jsonGroup, path string, parent *scope, top bool) GroupDef {
	g := GroupDef{Name: jg.Name, Label: jg.Label, Desc: jg.Desc}
	if jg.Name == "" {
		c.add(path, "group without a name")
	}
	if jg.Type != "" && jg.Type != "group" && jg.Type != "sync" {
		c.add(path+".type", "group type %q (want \"group\")", jg.Type)
	}
	sc := &scope{points: map[string]*PointDef{}, parent: parent}
	g.Points = make([]PointDef, 0, len(jg.Points))
	for i := range jg.Points {
		g.Points = append(g.Points, c.point(&jg.Points[i], fmt.Sprintf("%s.points[%d]", path, i)))
	}
	for i := range g.Points {
		p := &g.Points[i]
		if _, dup := sc.points[p.Name]; dup && p.Name != "" {
			c.add(fmt.Sprintf("%s.points[%d]", path, i), "duplicate point name %q", p.Name)
		}
		sc.points[p.Name] = p
	}
	for i := range g.Points {
		p := &g.Points[i]
		if p.SF == "" {
			continue
		}
		if t := sc.lookup(p.SF); t == nil {
			c.add(fmt.Sprintf("%s.points[%d].sf", path, i), "scale factor %q is not a point of the model", p.SF)
		} else if t.Type != SunSSF {
			c.add(fmt.Sprintf("%s.points[%d].sf", path, i), "scale factor %q has type %s, want sunssf", p.SF, t.Type)
		}
	}
	if !top {
		c.count(&g, jg.Count, path+".count", sc)
	}
	for i := range jg.Groups {
		g.Groups = append(g.Groups, c.group(&jg.Groups[i], fmt.Sprintf("%s.groups[%d]", path, i), sc, false))
	}
	for i, sub := range g.Groups {
		if sub.Count == CountFill && i != len(g.Groups)-1 {
			c.add(fmt.Sprintf("%s.groups[%d].count", path, i), "count 0 (fill the model) is only allowed on the last group")
		}
	}
	return g
}

// count reads a group's count: absent (one), a number (0: fill the
// model) or the name of a point of an enclosing group.
func (c *checker) count(g *GroupDef, raw json.RawMessage, path string, sc *scope) {
	if len(raw) == 0 || string(raw) == "null" {
		return
	}
	var name string
	if err := json.Unmarshal(raw, &name); err == nil {
		g.Count, g.CountRef = CountPoint, name
		if p := sc.parent.lookup(name); p == nil {
			c.add(path, "count %q is not a point of an enclosing group", name)
		} else if p.Type != Count && p.Type != Uint16 {
			c.add(path, "count %q has type %s, want count or uint16", name, p.Type)
		}
		return
	}
	n, err := strconv.Atoi(string(raw))
	if err != nil || n < 0 {
		c.add(path, "count %s: want a point name or a number >= 0", raw)
		return
	}
	g.Count, g.CountN = CountFixed, n
	if n == 0 {
		g.Count = CountFill
	}
}

// point converts and checks a point.
func (c *checker) point(jp *jsonPoint, path string) PointDef {
	p := PointDef{Name: jp.Name, Label: jp.Label, Desc: jp.Desc, Type: PointType(jp.Type),
		Units: jp.Units, Access: jp.Access, Mandatory: jp.Mandatory == "M"}
	if p.Name == "" {
		c.add(path, "point without a name")
	}
	want := p.Type.Registers()
	switch {
	case jp.Type == "":
		c.add(path, "point %q without a type", p.Name)
	case want < 0:
		c.add(path+".type", "point %q has unknown type %q", p.Name, jp.Type)
	}
	switch {
	case jp.Size != nil:
		p.Size = *jp.Size
	case want > 0:
		p.Size = want
	}
	if want > 0 && p.Size != want {
		c.add(path+".size", "point %q of type %s has size %d, want %d", p.Name, p.Type, p.Size, want)
	} else if want == 0 && (p.Size < 1 || p.Size > 0xFFFF) {
		c.add(path+".size", "string point %q needs a size >= 1, got %d", p.Name, p.Size)
	}
	if len(jp.SF) > 0 && string(jp.SF) != "null" {
		var s string
		var n int
		if json.Unmarshal(jp.SF, &s) == nil {
			p.SF = s
		} else if json.Unmarshal(jp.SF, &n) == nil && n >= -10 && n <= 10 {
			p.FixedSF = &n
		} else {
			c.add(path+".sf", "sf %s: want a sunssf point name or a number -10..10", jp.SF)
		}
	}
	for i, s := range jp.Symbols {
		if s.Name == "" || s.Value == nil {
			c.add(fmt.Sprintf("%s.symbols[%d]", path, i), "symbol needs a name and a value")
			continue
		}
		p.Symbols = append(p.Symbols, Symbol{Name: s.Name, Value: *s.Value})
	}
	return p
}
