package profiles

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Protocol limits of a single read request.
const (
	MaxReadRegisters = 125  // FC03/FC04
	MaxReadBits      = 2000 // FC01/FC02
)

// Profile is a device's register map: identity, the document it was
// written from, device limits, identification rules and points.
type Profile struct {
	ID          string       // lowercase vendor-model, [a-z0-9-]+
	Vendor      string       // manufacturer
	Model       string       // model name as the vendor writes it
	Aliases     []string     // other names Get accepts (case-insensitive)
	Description string       // one line about the device
	Source      Source       // the vendor's document the map was written from
	Defaults    Defaults     // defaults the points inherit
	Device      DeviceLimits // request limits for the read planner
	Identify    Identify     // identification rules
	Points      []Point      // the register map, in file order

	// File is where the profile was loaded from ("embedded:NAME" for the
	// embedded library); it is not part of the YAML.
	File string
}

// Point returns the point with the given name.
func (p *Profile) Point(name string) (*Point, bool) {
	for i := range p.Points {
		if p.Points[i].Name == name {
			return &p.Points[i], true
		}
	}
	return nil, false
}

// Names returns the ID and the aliases, the names Library.Get accepts.
func (p *Profile) Names() []string { return append([]string{p.ID}, p.Aliases...) }

// Source cites the vendor document a profile was written from.
type Source struct {
	Title   string // document title
	Version string // document version or date
	URL     string // where the public document is (optional)
	Notes   string // free text (optional)
}

// Defaults are the values points inherit when they do not set their own.
type Defaults struct {
	Table       Table       // holding when not given
	ByteOrder   ByteOrder   // ABCD when not given
	Base        int         // 0: protocol addresses; 1: document numbering
	Scale       float64     // 1 when not given
	StringOrder StringOrder // packed when not given (optional key string_order)
	// SunSpec applies the SunSpec not-implemented sentinels to every point
	// (optional key sunspec: true); acc32 and sunssf always use them.
	SunSpec bool
}

// DeviceLimits are the device's request limits, used by the read planner.
type DeviceLimits struct {
	MaxRegisters     int           // registers per request (1..125, default 125)
	MaxBits          int           // bits per request (1..2000, default 2000)
	Holes            []Hole        // ranges that must never be read
	SinglePointReads bool          // one request per point
	Pause            time.Duration // pause between requests
}

// Hole is a range of addresses a device answers with exception 02.
type Hole struct {
	Table   Table
	Address uint16 // first protocol address (0-based)
	Count   int    // number of registers or bits
}

// Overlaps reports whether the hole shares an address with the span
// [address, address+count) of table t.
func (h Hole) Overlaps(t Table, address uint16, count int) bool {
	if t != h.Table || count <= 0 || h.Count <= 0 {
		return false
	}
	a0, a1 := int(address), int(address)+count
	h0, h1 := int(h.Address), int(h.Address)+h.Count
	return a0 < h1 && h0 < a1
}

// Identify holds the rules that attach a profile to a device.
type Identify struct {
	FC43          *FC43Rule     // device identification strings (nil: none)
	Fingerprints  []Fingerprint // points whose values must fall in ranges
	SunSpecModels []int         // SunSpec model IDs the device carries
}

// FC43Rule matches the strings of a read device identification (43/14).
type FC43Rule struct {
	Vendor  *regexp.Regexp // matched against VendorName (nil: any)
	Product *regexp.Regexp // matched against ProductCode or ModelName (nil: any)
}

// Match reports whether the identification strings satisfy the rule.
func (r *FC43Rule) Match(vendorName, productCode, modelName string) bool {
	if r == nil {
		return false
	}
	if r.Vendor != nil && !r.Vendor.MatchString(vendorName) {
		return false
	}
	if r.Product != nil && !r.Product.MatchString(productCode) && !r.Product.MatchString(modelName) {
		return false
	}
	return true
}

// Fingerprint says that a point's decoded value must fall in a range.
type Fingerprint struct {
	Point string // the point's name
	Range Range  // plausible engineering values
}

// Range is a closed interval of engineering values.
type Range struct {
	Min, Max float64
}

// Contains reports whether v lies in the range.
func (r Range) Contains(v float64) bool { return v >= r.Min && v <= r.Max }

// Point is one value of the register map, normalised: Table and Address
// are protocol values whatever notation the file used, and the defaults
// have been applied.
type Point struct {
	Name        string      // [a-z][a-z0-9_]*, unique in the profile
	Label       string      // human label
	Table       Table       // the Modbus table
	Address     uint16      // protocol address (0-based)
	Type        Type        // data type
	ByteOrder   ByteOrder   // byte/word order of register values
	Length      int         // registers of a string, or 1-2 for bits; see Size
	StringOrder StringOrder // packed or swapped (strings only)
	Scale       float64     // value = raw*Scale + Offset (1 when not given)
	Offset      float64     // added after scaling
	ScaleFactor string      // name of a sunssf point: value = raw * 10^sf
	Unit        string      // engineering unit
	Access      Access      // r, rw or w
	Enum        map[int64]string
	Bits        map[int]string // names of bits (type bits)
	Bit         *int           // bool of a register: the bit (0-15)
	Range       *Range         // plausible range (nil: none)
	// NotImplemented is the raw sentinel meaning "not implemented" (nil:
	// none, or the SunSpec default when SunSpec is set).
	NotImplemented *uint64
	SunSpec        bool   // apply SunSpec not-implemented defaults
	Description    string // free text
}

// Size returns how many registers (or, on coil and discrete tables, bits)
// the point occupies.
func (p *Point) Size() int {
	switch {
	case p.Table.IsBit(), p.Type == TypeBool:
		return 1
	case p.Type == TypeString:
		return p.Length
	case p.Type == TypeBits:
		if p.Length == 2 {
			return 2
		}
		return 1
	}
	return p.Type.Registers()
}

// End returns the address after the point's last register or bit.
func (p *Point) End() int { return int(p.Address) + p.Size() }

// InRange reports whether a decoded value lies in the point's plausible
// range (enum values by their number); values without a range, not
// implemented, or that are not numbers are in range.
func (p *Point) InRange(v Value) bool {
	if p.Range == nil || !v.Implemented || (v.Kind != KindNumber && v.Kind != KindEnum) {
		return true
	}
	return p.Range.Contains(v.Number)
}

// String describes the point briefly, e.g. "voltage_l1 (input 0 f32)".
func (p *Point) String() string {
	var b strings.Builder
	b.WriteString(p.Name)
	b.WriteString(" (")
	b.WriteString(p.Table.String())
	b.WriteString(" ")
	b.WriteString(strconv.Itoa(int(p.Address)))
	b.WriteString(" ")
	b.WriteString(p.Type.String())
	b.WriteString(")")
	return b.String()
}
