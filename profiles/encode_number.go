package profiles

import (
	"math"
	"strconv"
	"strings"
)

// identityScale reports whether the point's value is its raw number.
func (p *Point) identityScale() bool {
	return p.ScaleFactor == "" && p.Scale == 1 && p.Offset == 0
}

// numberRaw encodes a numeric, enum or BCD input as the point's raw bits.
func (p *Point) numberRaw(v any, sf *int) (uint64, error) {
	nbits := 16 * p.Size()
	signed := p.Type.IsSigned()
	rawOnly := len(p.Enum) > 0 || p.Type == TypeSunSSF
	// A string holding an integer is the raw number only for integer types:
	// "1500" for an f32 point is the float 1500, not the bits 0x000005DC.
	intText := rawOnly || p.identityScale() && p.Type.IsInteger()
	if s, ok := v.(string); ok {
		s = strings.TrimSpace(s)
		if k, ok := p.enumKey(s); ok {
			return p.fitInt(intOfSigned(k), signed, nbits)
		}
		if i, err := strconv.ParseInt(s, 0, 64); err == nil && intText {
			return p.fitInt(intOfSigned(i), signed, nbits)
		}
		if u, err := strconv.ParseUint(s, 0, 64); err == nil && intText {
			return p.fitInt(rawInt{u: u}, signed, nbits)
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || rawOnly && f != math.Trunc(f) {
			if len(p.Enum) > 0 {
				return 0, p.encodeErr("unknown enum value %q", s)
			}
			return 0, p.encodeErr("%q is not a number", s)
		}
		v = f
	}
	if ri, ok := v.(rawInt); ok {
		return p.fitInt(ri, signed, nbits)
	}
	if p.Type.IsInteger() && (rawOnly || p.identityScale()) {
		ri, err := p.integerInput(v)
		if err != nil {
			return 0, err
		}
		return p.fitInt(ri, signed, nbits)
	}
	f, ok := toNumber(v)
	if !ok {
		return 0, p.encodeErr("want a number, got %T", v)
	}
	x := f - p.Offset
	if p.ScaleFactor != "" {
		if sf == nil {
			return 0, p.encodeErr("scale factor %s not given", p.ScaleFactor)
		}
		x = unapplySF(x, *sf)
	} else {
		x = unapplyScale(x, p.Scale)
	}
	switch p.Type {
	case TypeF32:
		if math.Abs(x) > math.MaxFloat32 && !math.IsInf(x, 0) {
			return 0, p.encodeErr("%v out of float32 range", f)
		}
		return uint64(math.Float32bits(float32(x))), nil
	case TypeF64:
		return math.Float64bits(x), nil
	}
	ri, err := p.roundInt(x)
	if err != nil {
		return 0, err
	}
	return p.fitInt(ri, signed, nbits)
}

// enumKey finds an enum value by name (exact, then case-insensitive).
func (p *Point) enumKey(name string) (int64, bool) {
	var found []int64
	for k, n := range p.Enum {
		if n == name {
			return k, true
		}
		if strings.EqualFold(n, name) {
			found = append(found, k)
		}
	}
	if len(found) == 1 {
		return found[0], true
	}
	return 0, false
}

// fitInt checks that an integer fits the point's raw type and returns its
// raw bits (BCD-encoded for BCD types, two's complement when signed).
func (p *Point) fitInt(ri rawInt, signed bool, nbits int) (uint64, error) {
	if p.Type == TypeBCD16 || p.Type == TypeBCD32 {
		digits := nbits / 4
		if ri.neg || ri.u >= pow10u(digits) {
			return 0, p.encodeErr("%s out of BCD range 0..%d", ri, pow10u(digits)-1)
		}
		return toBCD(ri.u), nil
	}
	if signed {
		lo, hi := signedBounds(nbits)
		if ri.neg && ri.i >= lo {
			return uint64(ri.i) & mask(nbits), nil
		}
		if !ri.neg && ri.u <= uint64(hi) {
			return ri.u, nil
		}
		return 0, p.encodeErr("%s out of range %d..%d", ri, lo, hi)
	}
	if ri.neg || ri.u > mask(nbits) {
		return 0, p.encodeErr("%s out of range 0..%d", ri, mask(nbits))
	}
	return ri.u, nil
}

// String formats the integer.
func (ri rawInt) String() string {
	if ri.neg {
		return strconv.FormatInt(ri.i, 10)
	}
	return strconv.FormatUint(ri.u, 10)
}

// signedBounds returns the range of an n-bit two's-complement integer.
func signedBounds(n int) (int64, int64) {
	if n >= 64 {
		return math.MinInt64, math.MaxInt64
	}
	return -(1 << (n - 1)), 1<<(n-1) - 1
}

// pow10u returns 10^n for small n.
func pow10u(n int) uint64 {
	r := uint64(1)
	for range n {
		r *= 10
	}
	return r
}

// toBCD encodes a decimal number as BCD digits.
func toBCD(d uint64) uint64 {
	var u uint64
	for shift := 0; d > 0; shift += 4 {
		u |= (d % 10) << uint(shift)
		d /= 10
	}
	return u
}

// encodeString writes s into the point's registers, padding with NUL.
// Characters must be Latin-1 (one byte each).
func (p *Point) encodeString(s string) ([]uint16, error) {
	n := p.Size()
	b := make([]byte, 0, 2*n)
	for _, r := range s {
		if r > 0xFF {
			return nil, p.encodeErr("character %q is not ASCII or Latin-1", r)
		}
		b = append(b, byte(r))
	}
	if len(b) > 2*n {
		return nil, p.encodeErr("string of %d characters does not fit %d registers (%d characters)", len(b), n, 2*n)
	}
	regs := make([]uint16, n)
	for i := range regs {
		var hi, lo byte
		if 2*i < len(b) {
			hi = b[2*i]
		}
		if 2*i+1 < len(b) {
			lo = b[2*i+1]
		}
		if p.StringOrder == StringSwapped {
			hi, lo = lo, hi
		}
		regs[i] = uint16(hi)<<8 | uint16(lo)
	}
	return regs, nil
}
