package profiles

import "math/bits"

// Reorder converts registers between a device's byte order and canonical
// big-endian order (first register most significant, high byte first).
// The conversion is its own inverse: Reorder(Reorder(r, o), o) == r.
// BADC and DCBA swap the bytes of every register; CDAB and DCBA reverse
// the registers, so that for a 64-bit value CDAB is little-endian word
// order (the first register is the least significant word).
func Reorder(regs []uint16, o ByteOrder) []uint16 {
	out := make([]uint16, len(regs))
	for i, w := range regs {
		if o.ByteSwap() {
			w = bits.ReverseBytes16(w)
		}
		if o.WordSwap() {
			out[len(regs)-1-i] = w
		} else {
			out[i] = w
		}
	}
	return out
}

// combine reads up to four registers in order o as one unsigned integer.
func combine(regs []uint16, o ByteOrder) uint64 {
	var u uint64
	for _, w := range Reorder(regs, o) {
		u = u<<16 | uint64(w)
	}
	return u
}

// split writes the low 16*n bits of u as n registers in order o.
func split(u uint64, n int, o ByteOrder) []uint16 {
	regs := make([]uint16, n)
	for i := n - 1; i >= 0; i-- {
		regs[i] = uint16(u)
		u >>= 16
	}
	return Reorder(regs, o)
}

// signExtend interprets the low n bits of u as a two's-complement integer.
func signExtend(u uint64, n int) int64 {
	if n >= 64 {
		return int64(u)
	}
	shift := 64 - n
	return int64(u<<shift) >> shift
}

// mask returns a mask of the low n bits.
func mask(n int) uint64 {
	if n >= 64 {
		return ^uint64(0)
	}
	return 1<<n - 1
}
