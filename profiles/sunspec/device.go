package sunspec

import "github.com/busprobe/busprobe/profiles"

// Device is what Discover found on one unit: the base address of the
// SunSpec map and its models in chain order.
type Device struct {
	Unit   byte
	Base   uint16   // where "SunS" is: 40000, 50000 or 0
	Models []Model  // in chain order, known and unknown
	Notes  []string // oddities of the chain, e.g. a missing end marker
}

// Model is one model of the chain.
type Model struct {
	ID      int
	Name    string // e.g. "inverter_three_phase"; "" when unknown
	Label   string // e.g. "Inverter (Three Phase)"; "" when unknown
	Address uint16 // address of the model's ID register
	Length  uint16 // L: registers after ID and L
	Known   bool   // a definition was found and the model decoded
	Source  string // "builtin" or the JSON file of the definition
	Points  []PointValue
	Notes   []string // e.g. a length that differs from the definition
}

// Point returns the first point with the given path (see PointValue.Path),
// e.g. "W" or "module[2].DCA".
func (m *Model) Point(path string) (*PointValue, bool) {
	for i := range m.Points {
		if m.Points[i].Path() == path {
			return &m.Points[i], true
		}
	}
	return nil, false
}

// Model returns the first model of the chain with the given ID.
func (d *Device) Model(id int) (*Model, bool) {
	for i := range d.Models {
		if d.Models[i].ID == id {
			return &d.Models[i], true
		}
	}
	return nil, false
}

// Unknown returns the IDs of the models that had no definition, in chain
// order; they were skipped by their length.
func (d *Device) Unknown() []int {
	var ids []int
	for _, m := range d.Models {
		if !m.Known {
			ids = append(ids, m.ID)
		}
	}
	return ids
}

// PointValue is one decoded point. Pad points are not reported.
type PointValue struct {
	Name    string    // SunSpec name, e.g. "PhVphA"
	Group   string    // "" in the model's top group, else e.g. "module[2]" or "Crv[1].Pt[3]" (1-based)
	Label   string    // the definition's label
	Address uint16    // protocol address of the first register
	Type    PointType // SunSpec type
	Unit    string    // SunSpec unit as the model writes it ("V", "Pct", "Wh", …)
	// Value is the decoded value: numbers scaled by their scale factor,
	// enums and bitfields by name, strings trimmed; Value.Implemented is
	// false for SunSpec not-implemented values (0x8000, 0xFFFF, acc 0,
	// NaN, …) and Value.Display is then "n/a".
	Value profiles.Value
	Note  string // e.g. "scale factor W_SF not implemented: unscaled"
}

// Path returns the point's name qualified by its group, e.g. "W" or
// "module[2].DCA".
func (p PointValue) Path() string {
	if p.Group == "" {
		return p.Name
	}
	return p.Group + "." + p.Name
}
