package profiles

import (
	"bytes"
	"math"
	"strconv"
	"strings"
)

// Kind says which field of a Value holds the decoded value.
type Kind int

// Value kinds.
const (
	KindNumber Kind = iota // Number; Int/Uint hold the raw integer of integer types
	KindText               // Text (type string)
	KindEnum               // Text is the value's name, or the number when unknown
	KindBits               // Bits names the set bits; Uint holds the raw field
	KindBool               // Bool
)

// String names the kind.
func (k Kind) String() string {
	switch k {
	case KindText:
		return "text"
	case KindEnum:
		return "enum"
	case KindBits:
		return "bits"
	case KindBool:
		return "bool"
	}
	return "number"
}

// Value is a decoded point value.
type Value struct {
	Point   string   // the point's name
	Kind    Kind     // which field holds the value
	Raw     []uint16 // the registers as read (register points)
	RawBits []bool   // the bits as read (coil and discrete points)

	Number float64  // engineering value (KindNumber; also the raw number of KindEnum)
	Int    int64    // raw integer, signed types and unsigned values that fit
	Uint   uint64   // raw integer, unsigned types and signed values >= 0
	Text   string   // KindText, KindEnum
	Bits   []string // KindBits: names of the set bits ("bitN" when unnamed)
	Bool   bool     // KindBool

	Unit string // the point's unit
	// Implemented is false when the raw value is the point's
	// not-implemented sentinel (SunSpec 0x8000, 0xFFFF, NaN, …).
	Implemented bool
	Display     string // human form with unit, e.g. "230.5 V"; "n/a" when not implemented
}

// Any returns the value as a number, string or bool, for JSON output:
// nil when not implemented, the joined names for bits.
func (v Value) Any() any {
	if !v.Implemented {
		return nil
	}
	switch v.Kind {
	case KindText, KindEnum:
		return v.Text
	case KindBits:
		return strings.Join(v.Bits, "|")
	case KindBool:
		return v.Bool
	}
	return v.Number
}

// setInt fills Int, Uint and Number from a raw integer.
func (v *Value) setInt(u uint64, signed bool, nbits int) {
	if signed {
		v.Int = signExtend(u, nbits)
		v.Number = float64(v.Int)
		if v.Int >= 0 {
			v.Uint = uint64(v.Int)
		}
		return
	}
	v.Uint = u
	v.Number = float64(u)
	if u <= math.MaxInt64 {
		v.Int = int64(u)
	}
}

// applyScale computes raw*scale exactly when 1/scale is an integer (so
// 2305 with scale 0.1 gives 230.5, not 230.50000000000003).
func applyScale(raw, scale float64) float64 {
	if scale == 1 {
		return raw
	}
	if inv := 1 / scale; inv == math.Trunc(inv) && math.Abs(inv) < 1e15 {
		return raw / inv
	}
	return raw * scale
}

// unapplyScale inverts applyScale.
func unapplyScale(v, scale float64) float64 {
	if scale == 1 {
		return v
	}
	if inv := 1 / scale; inv == math.Trunc(inv) && math.Abs(inv) < 1e15 {
		return v * inv
	}
	return v / scale
}

// applySF computes raw * 10^sf.
func applySF(raw float64, sf int) float64 {
	if sf < 0 {
		return raw / math.Pow10(-sf)
	}
	return raw * math.Pow10(sf)
}

// unapplySF inverts applySF.
func unapplySF(v float64, sf int) float64 {
	if sf < 0 {
		return v * math.Pow10(-sf)
	}
	return v / math.Pow10(sf)
}

// decimals returns how many decimals a scale or offset carries (0.1 → 1).
func decimals(x float64) int {
	var buf [32]byte
	b := strconv.AppendFloat(buf[:0], math.Abs(x), 'f', -1, 64)
	if i := bytes.IndexByte(b, '.'); i >= 0 {
		return min(len(b)-i-1, 12)
	}
	return 0
}

// appendNumber appends an engineering value, formatted for display, to b.
// prec is the number of decimals (-1: shortest form), bitSize 32 for
// float32 sources.
func appendNumber(b []byte, v float64, prec, bitSize int) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.AppendFloat(b, v, 'g', -1, 64)
	}
	if a := math.Abs(v); prec < 0 && a != 0 && (a >= 1e15 || a < 1e-6) {
		return strconv.AppendFloat(b, v, 'g', -1, bitSize)
	}
	return strconv.AppendFloat(b, v, 'f', prec, bitSize)
}

// appendUnit appends " unit" to b, or nothing when unit is empty.
func appendUnit(b []byte, unit string) []byte {
	if unit == "" {
		return b
	}
	b = append(b, ' ')
	return append(b, unit...)
}

// display fills v.Display for point p; prec is as for appendNumber.
func (p *Point) display(v *Value, prec int) {
	if !v.Implemented {
		v.Display = "n/a"
		return
	}
	switch v.Kind {
	case KindText:
		v.Display = v.Text
	case KindEnum:
		v.Display = v.Text
	case KindBits:
		v.Display = "-"
		if len(v.Bits) > 0 {
			v.Display = strings.Join(v.Bits, "|")
		}
	case KindBool:
		v.Display = "off"
		if v.Bool {
			v.Display = "on"
		}
	case KindNumber:
		// One allocation: the number and unit are built in a stack buffer
		// (a long unit or number spills to the heap, still correctly).
		var buf [64]byte
		var b []byte
		if p.Type.IsInteger() && p.identityScale() {
			if p.Unit == "" {
				// strconv returns small numbers without allocating.
				if p.Type.IsSigned() {
					v.Display = strconv.FormatInt(v.Int, 10)
				} else {
					v.Display = strconv.FormatUint(v.Uint, 10)
				}
				return
			}
			if p.Type.IsSigned() {
				b = strconv.AppendInt(buf[:0], v.Int, 10)
			} else {
				b = strconv.AppendUint(buf[:0], v.Uint, 10)
			}
		} else {
			bitSize := 64
			if p.Type == TypeF32 {
				bitSize = 32
			}
			b = appendNumber(buf[:0], v.Number, prec, bitSize)
		}
		v.Display = string(appendUnit(b, p.Unit))
	}
}
