package sunspec

import "strconv"

// PointType is a SunSpec point type as the information model names it
// (uint16, acc32, sunssf, bitfield32, …).
type PointType string

// The SunSpec point types.
const (
	Int16      PointType = "int16"
	Uint16     PointType = "uint16"
	Count      PointType = "count" // uint16 giving the number of repeating group instances
	Acc16      PointType = "acc16"
	Int32      PointType = "int32"
	Uint32     PointType = "uint32"
	Acc32      PointType = "acc32"
	Int64      PointType = "int64"
	Uint64     PointType = "uint64"
	Acc64      PointType = "acc64"
	Float32    PointType = "float32"
	Float64    PointType = "float64"
	Enum16     PointType = "enum16"
	Enum32     PointType = "enum32"
	Bitfield16 PointType = "bitfield16"
	Bitfield32 PointType = "bitfield32"
	Bitfield64 PointType = "bitfield64"
	String     PointType = "string" // size registers, two ASCII characters each
	SunSSF     PointType = "sunssf" // scale factor: int16 power of ten
	Pad        PointType = "pad"    // alignment register, not reported
	IPAddr     PointType = "ipaddr"
	IPv6Addr   PointType = "ipv6addr"
	EUI48      PointType = "eui48"
)

// Registers returns the fixed size of the type in registers, 0 for
// string (whose size the point gives) and -1 for an unknown type.
func (t PointType) Registers() int {
	switch t {
	case Int16, Uint16, Count, Acc16, Enum16, Bitfield16, SunSSF, Pad:
		return 1
	case Int32, Uint32, Acc32, Float32, Enum32, Bitfield32, IPAddr:
		return 2
	case Int64, Uint64, Acc64, Float64, Bitfield64, EUI48:
		return 4
	case IPv6Addr:
		return 8
	case String:
		return 0
	}
	return -1
}

// Known reports whether t is one of the SunSpec types.
func (t PointType) Known() bool { return t.Registers() >= 0 }

// Symbol names one value of an enum or one bit (by number) of a bitfield.
type Symbol struct {
	Name  string
	Value int64
}

// PointDef is one point of a model or repeating group.
type PointDef struct {
	Name      string    // SunSpec name, e.g. "PhVphA"
	Label     string    // human label, e.g. "Phase Voltage AN"
	Desc      string    // description (optional)
	Type      PointType // SunSpec type
	Size      int       // registers
	SF        string    // name of the sunssf point scaling this one ("" if none)
	FixedSF   *int      // a constant scale factor given as a number instead
	Units     string    // SunSpec unit, e.g. "V", "Pct", "Wh"
	Access    string    // "R" (default) or "RW"
	Mandatory bool      // "M" in the model
	Symbols   []Symbol  // enum values or bit names
}

// CountKind says how many instances a group has.
type CountKind int

// Group instance counts.
const (
	CountOne   CountKind = iota // the top group, or a group without "count": one instance
	CountFixed                  // N instances (CountN)
	CountFill                   // count 0: as many as fit in the model length
	CountPoint                  // the value of the point named CountRef
)

// GroupDef is a model's top group or a (repeating) group inside it.
type GroupDef struct {
	Name     string
	Label    string
	Desc     string
	Count    CountKind
	CountN   int    // CountFixed
	CountRef string // CountPoint
	Points   []PointDef
	Groups   []GroupDef
}

// countText describes the group's count for messages.
func (g *GroupDef) countText() string {
	switch g.Count {
	case CountFixed:
		return strconv.Itoa(g.CountN)
	case CountFill:
		return "0 (fill the model)"
	case CountPoint:
		return g.CountRef
	}
	return "1"
}

// FixedSize returns the registers of one instance of the group when no
// nested group has a variable count, and ok=false otherwise.
func (g *GroupDef) FixedSize() (n int, ok bool) {
	for _, p := range g.Points {
		n += p.Size
	}
	for i := range g.Groups {
		c := &g.Groups[i]
		m, ok := c.FixedSize()
		switch {
		case !ok || c.Count == CountFill || c.Count == CountPoint:
			return 0, false
		case c.Count == CountFixed:
			n += m * c.CountN
		default:
			n += m
		}
	}
	return n, true
}

// ModelDef is a SunSpec model definition: its ID and top group, whose
// first two points are ID and L.
type ModelDef struct {
	ID     int
	Group  GroupDef
	Source string // "builtin", or the JSON file it was loaded from
}

// Name returns the model's name, e.g. "inverter_three_phase".
func (m *ModelDef) Name() string { return m.Group.Name }

// Label returns the model's label, or its name when it has none.
func (m *ModelDef) Label() string {
	if m.Group.Label != "" {
		return m.Group.Label
	}
	return m.Group.Name
}
