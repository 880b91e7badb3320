package profiles

import "strings"

// Table is one of the four Modbus data tables.
type Table int

// The four Modbus tables. TableUnset marks "not given" while loading.
const (
	TableUnset    Table = iota
	TableCoil           // read with FC01, written with FC05/FC15; one bit each
	TableDiscrete       // discrete inputs, FC02; read-only bits
	TableInput          // input registers, FC04; read-only
	TableHolding        // holding registers, FC03, written with FC06/FC16
)

// String returns the table's name as written in a profile.
func (t Table) String() string {
	switch t {
	case TableCoil:
		return "coil"
	case TableDiscrete:
		return "discrete"
	case TableInput:
		return "input"
	case TableHolding:
		return "holding"
	}
	return "unset"
}

// IsBit reports whether the table holds bits (coils, discrete inputs)
// rather than 16-bit registers.
func (t Table) IsBit() bool { return t == TableCoil || t == TableDiscrete }

// ParseTable parses a table name (case-insensitive).
func ParseTable(s string) (Table, bool) {
	for _, t := range []Table{TableCoil, TableDiscrete, TableInput, TableHolding} {
		if strings.EqualFold(s, t.String()) {
			return t, true
		}
	}
	return TableUnset, false
}

// Type is the data type of a point.
type Type int

// Point data types. TypeUnset marks "not given".
const (
	TypeUnset  Type = iota
	TypeU16         // unsigned 16-bit
	TypeI16         // signed 16-bit
	TypeU32         // unsigned 32-bit, two registers
	TypeI32         // signed 32-bit
	TypeU64         // unsigned 64-bit, four registers
	TypeI64         // signed 64-bit
	TypeF32         // IEEE-754 binary32
	TypeF64         // IEEE-754 binary64
	TypeString      // ASCII in Length registers, two characters each
	TypeBits        // bit field of one (or, with length 2, two) registers
	TypeEnum        // u16 with named values
	TypeBCD16       // four BCD digits
	TypeBCD32       // eight BCD digits
	TypeBool        // a coil, a discrete input, or one bit of a register
	TypeAcc32       // SunSpec acc32: u32 accumulator, 0 means not accumulated
	TypeSunSSF      // SunSpec scale factor: i16 power of ten
)

// allTypes lists the types in declaration order.
func allTypes() []Type {
	return []Type{TypeU16, TypeI16, TypeU32, TypeI32, TypeU64, TypeI64, TypeF32, TypeF64,
		TypeString, TypeBits, TypeEnum, TypeBCD16, TypeBCD32, TypeBool, TypeAcc32, TypeSunSSF}
}

// String returns the type's name as written in a profile.
func (t Type) String() string {
	switch t {
	case TypeU16:
		return "u16"
	case TypeI16:
		return "i16"
	case TypeU32:
		return "u32"
	case TypeI32:
		return "i32"
	case TypeU64:
		return "u64"
	case TypeI64:
		return "i64"
	case TypeF32:
		return "f32"
	case TypeF64:
		return "f64"
	case TypeString:
		return "string"
	case TypeBits:
		return "bits"
	case TypeEnum:
		return "enum"
	case TypeBCD16:
		return "bcd16"
	case TypeBCD32:
		return "bcd32"
	case TypeBool:
		return "bool"
	case TypeAcc32:
		return "acc32"
	case TypeSunSSF:
		return "sunssf"
	}
	return "unset"
}

// ParseType parses a type name (case-insensitive).
func ParseType(s string) (Type, bool) {
	for _, t := range allTypes() {
		if strings.EqualFold(s, t.String()) {
			return t, true
		}
	}
	return TypeUnset, false
}

// TypeNames lists every type name a profile may use, in a stable order.
func TypeNames() []string {
	var names []string
	for _, t := range allTypes() {
		names = append(names, t.String())
	}
	return names
}

// Registers returns the fixed size of the type in registers, or 0 when the
// size comes from the point (string, bits) or the type is a single bit.
func (t Type) Registers() int {
	switch t {
	case TypeU16, TypeI16, TypeEnum, TypeBCD16, TypeSunSSF:
		return 1
	case TypeU32, TypeI32, TypeF32, TypeBCD32, TypeAcc32:
		return 2
	case TypeU64, TypeI64, TypeF64:
		return 4
	}
	return 0
}

// IsInteger reports whether values of the type are integers (which may
// carry an enum map, a not_implemented sentinel, scale and offset).
func (t Type) IsInteger() bool {
	switch t {
	case TypeU16, TypeI16, TypeU32, TypeI32, TypeU64, TypeI64, TypeEnum,
		TypeBCD16, TypeBCD32, TypeAcc32, TypeSunSSF:
		return true
	}
	return false
}

// IsFloat reports whether the type is an IEEE-754 float.
func (t Type) IsFloat() bool { return t == TypeF32 || t == TypeF64 }

// IsSigned reports whether the type is a signed integer.
func (t Type) IsSigned() bool {
	return t == TypeI16 || t == TypeI32 || t == TypeI64 || t == TypeSunSSF
}

// IsNumeric reports whether the type decodes to a number that scale,
// offset and scale_factor apply to.
func (t Type) IsNumeric() bool {
	switch t {
	case TypeU16, TypeI16, TypeU32, TypeI32, TypeU64, TypeI64, TypeF32, TypeF64,
		TypeBCD16, TypeBCD32, TypeAcc32:
		return true
	}
	return false
}

// ByteOrder says how a multi-register value's bytes sit in its registers.
// The letters name the value's bytes from most (A) to least significant as
// they appear on the wire for a 32-bit value; see docs/profiles.md. The
// order is two independent swaps: CDAB and DCBA reverse the order of the
// registers (the first register is the least significant), BADC and DCBA
// swap the two bytes inside every register. So for 16-bit values ABCD and
// CDAB are the same, and for 64-bit values CDAB means little-endian word
// order (the words of ABCDEFGH sent as GH EF CD AB).
type ByteOrder int

// The four byte orders. ABCD (big-endian) is the zero value and default.
const (
	ABCD ByteOrder = iota // big-endian: high word first, high byte first
	CDAB                  // word swap: low word first, high byte first
	BADC                  // byte swap: high word first, low byte first
	DCBA                  // little-endian: low word first, low byte first
)

// String returns the order's name.
func (o ByteOrder) String() string {
	switch o {
	case CDAB:
		return "CDAB"
	case BADC:
		return "BADC"
	case DCBA:
		return "DCBA"
	}
	return "ABCD"
}

// WordSwap reports whether the order reverses the registers.
func (o ByteOrder) WordSwap() bool { return o == CDAB || o == DCBA }

// ByteSwap reports whether the order swaps the bytes of each register.
func (o ByteOrder) ByteSwap() bool { return o == BADC || o == DCBA }

// ParseByteOrder parses ABCD, CDAB, BADC or DCBA (case-insensitive).
func ParseByteOrder(s string) (ByteOrder, bool) {
	for _, o := range ByteOrders() {
		if strings.EqualFold(s, o.String()) {
			return o, true
		}
	}
	return ABCD, false
}

// ByteOrders lists the four orders.
func ByteOrders() []ByteOrder { return []ByteOrder{ABCD, CDAB, BADC, DCBA} }

// StringOrder says how a string's characters sit in its registers.
type StringOrder int

// String orders.
const (
	StringPacked  StringOrder = iota // first character in the high byte
	StringSwapped                    // first character in the low byte
)

// String returns the order's name.
func (o StringOrder) String() string {
	if o == StringSwapped {
		return "swapped"
	}
	return "packed"
}

// ParseStringOrder parses packed or swapped.
func ParseStringOrder(s string) (StringOrder, bool) {
	switch strings.ToLower(s) {
	case "packed":
		return StringPacked, true
	case "swapped":
		return StringSwapped, true
	}
	return StringPacked, false
}

// Access says whether a point may be read, written or both.
type Access int

// Access modes; AccessRead is the default.
const (
	AccessRead      Access = iota // r
	AccessReadWrite               // rw
	AccessWrite                   // w
)

// String returns the access as written in a profile.
func (a Access) String() string {
	switch a {
	case AccessReadWrite:
		return "rw"
	case AccessWrite:
		return "w"
	}
	return "r"
}

// CanRead reports whether the point may be read.
func (a Access) CanRead() bool { return a != AccessWrite }

// CanWrite reports whether the point may be written.
func (a Access) CanWrite() bool { return a != AccessRead }

// ParseAccess parses r, rw or w.
func ParseAccess(s string) (Access, bool) {
	switch strings.ToLower(s) {
	case "r":
		return AccessRead, true
	case "rw":
		return AccessReadWrite, true
	case "w":
		return AccessWrite, true
	}
	return AccessRead, false
}
