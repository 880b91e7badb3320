package profiles

import (
	"bytes"
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Decode decodes a register point from exactly Size() registers as read
// from the device. sf is the value of the point's scale-factor point
// (the decoded sunssf, e.g. -1); it is required when the point has a
// scale_factor and ignored otherwise. Coil and discrete points decode
// with DecodeBits.
func (p *Point) Decode(regs []uint16, sf *int) (Value, error) {
	if p.Table.IsBit() {
		return Value{}, p.decodeErr("a %s point decodes from bits (DecodeBits), not registers", p.Table)
	}
	if n := p.Size(); len(regs) != n || n == 0 {
		return Value{}, p.decodeErr("need %d registers, got %d", n, len(regs))
	}
	// Raw is the caller's to keep: it must not alias regs.
	raw := make([]uint16, len(regs))
	copy(raw, regs)
	v := Value{Point: p.Name, Raw: raw, Unit: p.Unit, Implemented: true}
	switch p.Type {
	case TypeString:
		v.Kind = KindText
		v.Text = decodeString(regs, p.StringOrder)
		p.display(&v, -1)
		return v, nil
	case TypeBool:
		// The first register in canonical order, as Reorder(regs, o)[0].
		w := regs[0]
		if p.ByteOrder.WordSwap() {
			w = regs[len(regs)-1]
		}
		if p.ByteOrder.ByteSwap() {
			w = bits.ReverseBytes16(w)
		}
		v.Kind = KindBool
		if p.Bit != nil {
			v.Bool = w>>uint(*p.Bit)&1 == 1
		} else {
			v.Bool = w != 0
		}
		p.display(&v, -1)
		return v, nil
	}
	nbits := 16 * len(regs)
	u := combineRegs(regs, p.ByteOrder)
	if s, ok := p.notImplementedRaw(); ok && u == s || p.sunspecNaN(u) {
		v.Kind = p.kind()
		v.Implemented = false
		v.setInt(u, p.Type.IsSigned(), nbits)
		v.Number = math.NaN()
		p.display(&v, -1)
		return v, nil
	}
	prec := -1
	switch p.Type {
	case TypeF32:
		v.Number = float64(math.Float32frombits(uint32(u)))
	case TypeF64:
		v.Number = math.Float64frombits(u)
	case TypeBCD16, TypeBCD32:
		d, err := fromBCD(u, len(regs)*4)
		if err != nil {
			return Value{}, p.decodeErr("%v", err)
		}
		v.setInt(d, false, 64)
		prec = 0
	default:
		v.setInt(u, p.Type.IsSigned(), nbits)
		prec = 0
	}
	switch {
	case p.Type == TypeBits:
		v.Kind = KindBits
		v.Bits = p.bitNames(u, nbits)
	case len(p.Enum) > 0:
		v.Kind = KindEnum
		v.Text = p.enumName(v)
	case p.Type.IsNumeric():
		var err error
		if prec, err = p.scale(&v, sf, prec); err != nil {
			return Value{}, err
		}
	}
	p.display(&v, prec)
	return v, nil
}

// enumName returns the name of an enum value, or its number when the
// value has no name.
func (p *Point) enumName(v Value) string {
	if p.Type.IsSigned() {
		if name, ok := p.Enum[v.Int]; ok {
			return name
		}
		return strconv.FormatInt(v.Int, 10)
	}
	if name, ok := p.Enum[int64(v.Uint)]; ok && v.Uint <= math.MaxInt64 {
		return name
	}
	return strconv.FormatUint(v.Uint, 10)
}

// scale applies scale and offset (or the scale factor) to v.Number and
// returns the display precision.
func (p *Point) scale(v *Value, sf *int, prec int) (int, error) {
	if p.ScaleFactor != "" {
		if sf == nil {
			return 0, p.decodeErr("scale factor %s not given", p.ScaleFactor)
		}
		v.Number = applySF(v.Number, *sf)
		if prec >= 0 && *sf < 0 {
			prec = -*sf
		}
	} else {
		v.Number = applyScale(v.Number, p.Scale)
		if prec >= 0 {
			prec = decimals(p.Scale)
		}
	}
	if p.Offset != 0 {
		v.Number += p.Offset
		if prec >= 0 {
			prec = max(prec, decimals(p.Offset))
		}
	}
	return prec, nil
}

// DecodeBits decodes a coil or discrete-input point from the bits read.
func (p *Point) DecodeBits(bits []bool) (Value, error) {
	if !p.Table.IsBit() {
		return Value{}, p.decodeErr("a %s point decodes from registers (Decode), not bits", p.Table)
	}
	if len(bits) != 1 {
		return Value{}, p.decodeErr("need 1 bit, got %d", len(bits))
	}
	v := Value{Point: p.Name, Kind: KindBool, RawBits: []bool{bits[0]}, Bool: bits[0],
		Unit: p.Unit, Implemented: true}
	p.display(&v, -1)
	return v, nil
}

// decodeErr builds a DecodeError for the point.
func (p *Point) decodeErr(format string, args ...any) *DecodeError {
	return &DecodeError{Point: p.Name, Msg: fmt.Sprintf(format, args...)}
}

// kind returns the Kind a register point decodes to.
func (p *Point) kind() Kind {
	switch {
	case p.Type == TypeString:
		return KindText
	case p.Type == TypeBool:
		return KindBool
	case p.Type == TypeBits:
		return KindBits
	case len(p.Enum) > 0:
		return KindEnum
	}
	return KindNumber
}

// notImplemented returns the raw sentinel in force for the point: its own,
// or the SunSpec default for acc32, sunssf and (with SunSpec set) the
// other SunSpec types.
func (p *Point) notImplemented() *uint64 {
	if p.NotImplemented != nil {
		return p.NotImplemented
	}
	s, ok := p.notImplementedRaw()
	if !ok {
		return nil
	}
	return &s
}

// notImplementedRaw is notImplemented without the pointer (and so without
// an allocation for the SunSpec defaults); ok is false when there is no
// sentinel.
func (p *Point) notImplementedRaw() (s uint64, ok bool) {
	if p.NotImplemented != nil {
		return *p.NotImplemented, true
	}
	switch {
	case p.Type == TypeAcc32:
		return 0, true
	case p.Type == TypeSunSSF:
		return 0x8000, true
	case !p.SunSpec:
		return 0, false
	case p.Type == TypeI16:
		return 0x8000, true
	case p.Type == TypeI32:
		return 0x80000000, true
	case p.Type == TypeI64:
		return 0x8000000000000000, true
	case p.Type == TypeU16, p.Type == TypeEnum, p.Type == TypeU32, p.Type == TypeU64,
		p.Type == TypeBits, p.Type == TypeBCD16, p.Type == TypeBCD32:
		return mask(16 * p.Size()), true
	}
	return 0, false
}

// combineRegs is combine without the intermediate slice: it reads the
// registers in order o as one unsigned integer (the last four canonical
// registers when there are more).
func combineRegs(regs []uint16, o ByteOrder) uint64 {
	var u uint64
	n := len(regs)
	for i := range n {
		w := regs[i]
		if o.WordSwap() {
			w = regs[n-1-i]
		}
		if o.ByteSwap() {
			w = bits.ReverseBytes16(w)
		}
		u = u<<16 | uint64(w)
	}
	return u
}

// sunspecNaN reports whether u is a NaN float that SunSpec reads as not
// implemented.
func (p *Point) sunspecNaN(u uint64) bool {
	if !p.SunSpec || p.NotImplemented != nil {
		return false
	}
	switch p.Type {
	case TypeF32:
		return math.IsNaN(float64(math.Float32frombits(uint32(u))))
	case TypeF64:
		return math.IsNaN(math.Float64frombits(u))
	}
	return false
}

// bitNames lists the set bits of u by name, lowest first.
func (p *Point) bitNames(u uint64, nbits int) []string {
	u &= mask(nbits)
	if u == 0 {
		return nil
	}
	out := make([]string, 0, bits.OnesCount64(u))
	for i := 0; i < nbits; i++ {
		if u>>uint(i)&1 == 0 {
			continue
		}
		if name, ok := p.Bits[i]; ok {
			out = append(out, name)
		} else {
			out = append(out, "bit"+strconv.Itoa(i))
		}
	}
	return out
}

// fromBCD decodes n BCD digits; a nibble above 9 is an error.
func fromBCD(u uint64, n int) (uint64, error) {
	var d uint64
	for i := n - 1; i >= 0; i-- {
		nib := u >> uint(4*i) & 0xF
		if nib > 9 {
			return 0, fmt.Errorf("invalid BCD digit 0x%X in 0x%0*X", nib, n, u)
		}
		d = d*10 + nib
	}
	return d, nil
}

// decodeString reads packed or byte-swapped characters, stopping at the
// first NUL and trimming spaces. Bytes above 0x7F read as Latin-1.
func decodeString(regs []uint16, o StringOrder) string {
	var stack [64]byte
	b := stack[:0]
	if 2*len(regs) > len(stack) {
		b = make([]byte, 0, 2*len(regs))
	}
	for _, w := range regs {
		hi, lo := byte(w>>8), byte(w)
		if o == StringSwapped {
			hi, lo = lo, hi
		}
		b = append(b, hi, lo)
	}
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	// Spaces are ASCII, so trimming the Latin-1 bytes is trimming the text.
	b = bytes.Trim(b, " ")
	ascii := true
	for _, c := range b {
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return string(b)
	}
	var s strings.Builder
	s.Grow(2 * len(b))
	for _, c := range b {
		s.WriteRune(rune(c))
	}
	return s.String()
}
