package profiles

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// roundTripPoints returns a point of every register type, some scaled,
// some with enums, a scale factor or SunSpec sentinels.
func roundTripPoints(o ByteOrder) []Point {
	base := func(name string, t Type) Point {
		return Point{Name: name, Table: TableHolding, Type: t, ByteOrder: o, Scale: 1}
	}
	var pts []Point
	for _, t := range allTypes() {
		p := base(t.String(), t)
		switch t {
		case TypeString:
			p.Length = 5
		case TypeBits:
			p.Length = 2
			p.Bits = map[int]string{0: "run", 5: "fault", 17: "high"}
		case TypeEnum:
			p.Enum = map[int64]string{0: "off", 1: "on", 7: "auto"}
		case TypeBool:
			p.Bit = intp(11)
		}
		pts = append(pts, p)
	}
	for _, t := range []Type{TypeU16, TypeI16, TypeU32, TypeI32, TypeBCD16, TypeBCD32, TypeAcc32} {
		p := base(t.String()+"_scaled", t)
		p.Scale, p.Offset = 0.1, -2.5
		pts = append(pts, p)
		q := base(t.String()+"_sf", t)
		q.ScaleFactor = "sf"
		pts = append(pts, q)
	}
	for _, t := range []Type{TypeI16, TypeU16, TypeI32, TypeU32, TypeU64, TypeI64, TypeF32, TypeF64} {
		p := base(t.String()+"_sunspec", t)
		p.SunSpec = true
		pts = append(pts, p)
	}
	p := base("i32_enum", TypeI32)
	p.Enum = map[int64]string{-1: "error", 3: "three"}
	pts = append(pts, p, base("bool_register", TypeBool))
	q := base("bits16", TypeBits)
	q.Bits = map[int]string{15: "top"}
	return append(pts, q)
}

// randomRaw returns registers that hold a valid value of the point.
func randomRaw(rng *rand.Rand, p *Point) []uint16 {
	n := p.Size()
	switch p.Type {
	case TypeString:
		const chars = "ABCxyz0123456789 -_./"
		var b strings.Builder
		for i := rng.IntN(2*n + 1); i > 0; i-- {
			b.WriteByte(chars[rng.IntN(len(chars))])
		}
		s := strings.Trim(b.String(), " ")
		regs, err := p.encodeString(s)
		if err != nil {
			panic(err)
		}
		return regs
	case TypeBool:
		if rng.IntN(2) == 0 {
			return make([]uint16, 1)
		}
		w, _ := p.Encode(true, nil)
		return w
	case TypeBCD16, TypeBCD32:
		return split(toBCD(rng.Uint64N(pow10u(4*n))), n, p.ByteOrder)
	}
	for {
		u := rng.Uint64() & mask(16*n)
		switch {
		case p.Type == TypeF32 && math.IsNaN(float64(math.Float32frombits(uint32(u)))):
			continue
		case p.Type == TypeF64 && math.IsNaN(math.Float64frombits(u)):
			continue
		case rng.IntN(8) == 0:
			u &= 0xFF // small values hit enum names and edge cases
		}
		return split(u, n, p.ByteOrder)
	}
}

// plainInput returns what a user would pass to Encode for a decoded value,
// and whether that input must reproduce the registers exactly.
func plainInput(p *Point, v Value) (any, bool) {
	switch v.Kind {
	case KindText, KindEnum:
		return v.Text, true
	case KindBits:
		return slices.Clone(v.Bits), true
	case KindBool:
		return v.Bool, true
	}
	// Floats in float64 lose integers beyond 2^53.
	exact := !(p.Type == TypeU64 || p.Type == TypeI64) || math.Abs(v.Number) < 1<<53
	return v.Number, exact
}

// TestRoundTrip checks, for every type in every byte order with seeded
// random registers, that Encode(Decode(r)) == r, both from the decoded
// Value and from the plain value (number, text, names, bool) a user would
// type, and that Decode(Encode(x)) gives x back.
func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const rounds = 300
	for _, o := range ByteOrders() {
		for _, p := range roundTripPoints(o) {
			t.Run(o.String()+"/"+p.Name, func(t *testing.T) {
				for range rounds {
					raw := randomRaw(rng, &p)
					sf := intp(rng.IntN(7) - 3)
					v, err := p.Decode(raw, sf)
					if err != nil {
						t.Fatalf("Decode(%04x): %v", raw, err)
					}
					back, err := p.Encode(v, sf)
					if err != nil || !slices.Equal(back, raw) {
						t.Fatalf("Encode(Decode(%04x)) = %04x, %v", raw, back, err)
					}
					if !v.Implemented {
						continue
					}
					in, exact := plainInput(&p, v)
					back, err = p.Encode(in, sf)
					if err != nil {
						t.Fatalf("Encode(%v) of Decode(%04x): %v", in, raw, err)
					}
					if !exact {
						continue
					}
					if !slices.Equal(back, raw) {
						t.Fatalf("Encode(%v) = %04x, want %04x (%s)", in, back, raw, v.Display)
					}
					again, err := p.Decode(back, sf)
					if err != nil || again.Display != v.Display {
						t.Fatalf("Decode(Encode(%v)) = %q %v, want %q", in, again.Display, err, v.Display)
					}
				}
			})
		}
	}
}

// TestRoundTripValues goes the other way for numbers: random engineering
// values through Encode and Decode. 64-bit integers stay below 2^40 so that
// the scaled value (two decimals) is exact in a float64.
func TestRoundTripValues(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, o := range ByteOrders() {
		for _, tc := range []struct {
			t      Type
			lo, hi float64
		}{{TypeU16, 0, 65535}, {TypeI16, -32768, 32767}, {TypeU32, 0, 4294967295}, {TypeI32, -2147483648, 2147483647},
			{TypeU64, 0, 1 << 40}, {TypeI64, -(1 << 40), 1 << 40}} {
			p := Point{Name: "x", Table: TableHolding, Type: tc.t, ByteOrder: o, Scale: 0.01, Offset: 1}
			for range 200 {
				raw := math.Round(tc.lo + rng.Float64()*(tc.hi-tc.lo))
				x := applyScale(raw, p.Scale) + p.Offset
				regs, err := p.Encode(x, nil)
				if err != nil {
					t.Fatalf("%s %s Encode(%v): %v", tc.t, o, x, err)
				}
				v, err := p.Decode(regs, nil)
				if err != nil || v.Number != x {
					t.Fatalf("%s %s Decode(Encode(%v)) = %v %v", tc.t, o, x, v.Number, err)
				}
			}
		}
		p := Point{Name: "f", Table: TableHolding, Type: TypeF32, ByteOrder: o, Scale: 1}
		for range 200 {
			x := float64(math.Float32frombits(rng.Uint32()))
			if math.IsNaN(x) {
				continue
			}
			regs, err := p.Encode(x, nil)
			if err != nil {
				t.Fatal(err)
			}
			if v, _ := p.Decode(regs, nil); v.Number != x {
				t.Fatalf("f32 %s: %v came back as %v", o, x, v.Number)
			}
		}
	}
}

// TestReorderInvolution checks that each order is its own inverse and that
// the orders differ as documented.
func TestReorderInvolution(t *testing.T) {
	regs := []uint16{0x0102, 0x0304, 0x0506, 0x0708}
	want := map[ByteOrder]string{
		ABCD: "[0102 0304 0506 0708]", CDAB: "[0708 0506 0304 0102]",
		BADC: "[0201 0403 0605 0807]", DCBA: "[0807 0605 0403 0201]",
	}
	for _, o := range ByteOrders() {
		got := Reorder(regs, o)
		if s := fmt.Sprintf("%04x", got); s != want[o] {
			t.Errorf("Reorder(%s) = %s, want %s", o, s, want[o])
		}
		if !slices.Equal(Reorder(got, o), regs) {
			t.Errorf("Reorder(%s) twice is not the identity", o)
		}
	}
}
