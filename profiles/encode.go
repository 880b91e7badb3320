package profiles

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Encode encodes a value into the point's Size() registers, in the point's
// byte order, ready for FC16. v may be a Go number (any int, uint or float
// type: an engineering value, unscaled with scale and offset or with 10^sf
// for a scale_factor point), a string (text; an enum name; a number; a
// bits list "run|fault"; on/off for bool), a bool, a []string of bit names,
// or a Value. A decoded Value re-encodes from its raw integer, so
// Encode(Decode(r)) == r; a Value with Implemented false encodes the
// point's not-implemented sentinel. For a bool that is one bit of a
// register, the result holds only that bit: merge it with the register's
// other bits (read-modify-write or FC22) before writing.
func (p *Point) Encode(v any, sf *int) ([]uint16, error) {
	if p.Table.IsBit() {
		return nil, p.encodeErr("a %s point encodes to bits (EncodeBits)", p.Table)
	}
	n := p.Size()
	if n == 0 {
		return nil, p.encodeErr("point has no size")
	}
	if val, ok := v.(Value); ok {
		if !val.Implemented {
			u, err := p.sentinelRaw()
			if err != nil {
				return nil, err
			}
			return split(u, n, p.ByteOrder), nil
		}
		v = p.fromValue(val)
	}
	switch p.Type {
	case TypeString:
		s, ok := v.(string)
		if !ok {
			return nil, p.encodeErr("want a string, got %T", v)
		}
		return p.encodeString(s)
	case TypeBool:
		b, err := p.toBool(v)
		if err != nil {
			return nil, err
		}
		var w uint64
		if b && p.Bit != nil {
			w = 1 << uint(*p.Bit)
		} else if b {
			w = 1
		}
		return split(w, 1, p.ByteOrder), nil
	case TypeBits:
		u, err := p.bitsRaw(v)
		if err != nil {
			return nil, err
		}
		return split(u, n, p.ByteOrder), nil
	}
	u, err := p.numberRaw(v, sf)
	if err != nil {
		return nil, err
	}
	return split(u, n, p.ByteOrder), nil
}

// EncodeBits encodes a value for a coil (FC05/FC15): a bool, 0 or 1, or
// one of on/off/true/false; or a decoded Value.
func (p *Point) EncodeBits(v any) ([]bool, error) {
	if !p.Table.IsBit() {
		return nil, p.encodeErr("a %s point encodes to registers (Encode)", p.Table)
	}
	if val, ok := v.(Value); ok {
		v = val.Bool
	}
	b, err := p.toBool(v)
	if err != nil {
		return nil, err
	}
	return []bool{b}, nil
}

// encodeErr builds an EncodeError for the point.
func (p *Point) encodeErr(format string, args ...any) *EncodeError {
	return &EncodeError{Point: p.Name, Msg: fmt.Sprintf(format, args...)}
}

// rawInt marks an integer that is already raw (from a decoded Value): it
// bypasses scale, offset and scale factor.
type rawInt struct {
	i   int64
	u   uint64
	neg bool // the value is i (< 0); otherwise u
}

// fromValue turns a decoded Value into the plain input Encode handles.
func (p *Point) fromValue(v Value) any {
	switch v.Kind {
	case KindText:
		return v.Text
	case KindBool:
		return v.Bool
	case KindBits:
		if len(v.Raw) > 0 {
			return rawInt{u: v.Uint}
		}
		return v.Bits
	case KindEnum:
		if len(v.Raw) > 0 {
			return rawInt{i: v.Int, u: v.Uint, neg: v.Int < 0}
		}
		return v.Text
	}
	if p.Type.IsInteger() && len(v.Raw) > 0 {
		return rawInt{i: v.Int, u: v.Uint, neg: v.Int < 0}
	}
	return v.Number
}

// sentinelRaw returns the raw value that means "not implemented".
func (p *Point) sentinelRaw() (uint64, error) {
	if s := p.notImplemented(); s != nil {
		return *s, nil
	}
	if p.SunSpec && p.Type == TypeF32 {
		return uint64(math.Float32bits(float32(math.NaN()))), nil
	}
	if p.SunSpec && p.Type == TypeF64 {
		return math.Float64bits(math.NaN()), nil
	}
	return 0, p.encodeErr("value is not implemented and the point has no not_implemented sentinel")
}

// toBool reads a boolean input.
func (p *Point) toBool(v any) (bool, error) {
	switch b := v.(type) {
	case bool:
		return b, nil
	case string:
		switch strings.ToLower(strings.TrimSpace(b)) {
		case "on", "true", "1":
			return true, nil
		case "off", "false", "0":
			return false, nil
		}
	case rawInt:
		return b.neg || b.u != 0, nil
	default:
		if n, ok := toNumber(v); ok && (n == 0 || n == 1) {
			return n == 1, nil
		}
	}
	return false, p.encodeErr("want on/off, true/false or 0/1, got %v", v)
}

// bitsRaw reads a bit-field input: bit names, "a|b", or an integer.
func (p *Point) bitsRaw(v any) (uint64, error) {
	nbits := 16 * p.Size()
	var names []string
	switch b := v.(type) {
	case rawInt:
		return p.fitInt(b, false, nbits)
	case []string:
		names = b
	case string:
		if u, err := strconv.ParseUint(strings.TrimSpace(b), 0, 64); err == nil {
			return p.fitInt(rawInt{u: u}, false, nbits)
		}
		names = strings.FieldsFunc(b, func(r rune) bool { return r == '|' || r == ',' || r == ' ' })
		if strings.TrimSpace(b) == "-" {
			names = nil
		}
	default:
		ri, err := p.integerInput(v)
		if err != nil {
			return 0, err
		}
		return p.fitInt(ri, false, nbits)
	}
	var u uint64
	for _, name := range names {
		bit, ok := p.bitIndex(name)
		if !ok || bit >= nbits {
			return 0, p.encodeErr("unknown bit %q", name)
		}
		u |= 1 << uint(bit)
	}
	return u, nil
}

// bitIndex finds a bit by name, or by the "bitN" form.
func (p *Point) bitIndex(name string) (int, bool) {
	for i, n := range p.Bits {
		if n == name {
			return i, true
		}
	}
	if rest, ok := strings.CutPrefix(name, "bit"); ok {
		if i, err := strconv.Atoi(rest); err == nil && i >= 0 {
			return i, true
		}
	}
	return 0, false
}

// integerInput converts a Go integer or integral float to a rawInt.
func (p *Point) integerInput(v any) (rawInt, error) {
	switch n := v.(type) {
	case int:
		return intOfSigned(int64(n)), nil
	case int8:
		return intOfSigned(int64(n)), nil
	case int16:
		return intOfSigned(int64(n)), nil
	case int32:
		return intOfSigned(int64(n)), nil
	case int64:
		return intOfSigned(n), nil
	case uint:
		return rawInt{u: uint64(n)}, nil
	case uint8:
		return rawInt{u: uint64(n)}, nil
	case uint16:
		return rawInt{u: uint64(n)}, nil
	case uint32:
		return rawInt{u: uint64(n)}, nil
	case uint64:
		return rawInt{u: n}, nil
	}
	if f, ok := toNumber(v); ok {
		return p.roundInt(f)
	}
	return rawInt{}, p.encodeErr("want a number, got %T", v)
}

// intOfSigned wraps a signed integer.
func intOfSigned(i int64) rawInt {
	if i < 0 {
		return rawInt{i: i, neg: true}
	}
	return rawInt{i: i, u: uint64(i)}
}

// roundInt rounds a float to the nearest integer.
func (p *Point) roundInt(f float64) (rawInt, error) {
	f = math.Round(f)
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		return rawInt{}, p.encodeErr("%v is not a finite number", f)
	case f < 0 && f >= -(1<<63):
		return intOfSigned(int64(f)), nil
	case f >= 0 && f < 1<<64:
		return rawInt{u: uint64(f)}, nil
	}
	return rawInt{}, p.encodeErr("%v out of range", f)
}

// toNumber converts any Go number to float64.
func toNumber(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case float32:
		return float64(n), true
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		f, _ := strconv.ParseFloat(fmt.Sprint(n), 64)
		return f, true
	}
	return 0, false
}
