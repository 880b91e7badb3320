package profiles

import (
	"math"
	"slices"
	"strconv"
	"testing"
)

// plausible is a reading-like value of a point: about a third into its
// range (the range capped at a million wide), three significant digits,
// on the point's resolution; 1234 or 123.4 without a range.
func plausible(p *Point) float64 {
	x := 1234.0
	if p.Type.IsFloat() {
		x = 123.4
	}
	if p.Range != nil {
		x = p.Range.Min + 0.37*math.Min(p.Range.Max-p.Range.Min, 1e6)
		x, _ = strconv.ParseFloat(strconv.FormatFloat(x, 'g', 3, 64), 64)
	}
	if p.Type.IsInteger() && p.ScaleFactor == "" {
		x = math.Round((x-p.Offset)/p.Scale)*p.Scale + p.Offset
	}
	return x
}

// For every 32- and 64-bit number of the library, a plausible value
// encoded in each order is inferred back: its order ranks first, alone or
// tied only with orders that decode the same registers to the same value.
func TestInferOrderLibrary(t *testing.T) {
	lib, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	zero := 0
	count, ambiguous := 0, 0
	for _, prof := range lib.List() {
		for i := range prof.Points {
			p := prof.Points[i]
			if p.Size() < 2 || p.Type == TypeString || p.Table.IsBit() {
				continue
			}
			var sf *int
			if p.ScaleFactor != "" {
				sf = &zero
			}
			x := plausible(&p)
			for _, o := range ByteOrders() {
				p.ByteOrder = o
				regs, err := p.Encode(x, sf)
				if err != nil {
					t.Fatalf("%s.%s: encode %v: %v", prof.ID, p.Name, x, err)
				}
				count++
				g := InferOrder(&p, regs, sf)
				if firstOrTiedSame(g, o) {
					continue
				}
				// One sample can be genuinely ambiguous: a small negative
				// i32 keeps 0xFFFF high, so a byte swap reads another
				// small value in range. Then every order ranked at or
				// above o must look plausible, and a few polls of a
				// slowly moving value must tell o apart.
				ambiguous++
				mine := g[slices.IndexFunc(g, func(x OrderGuess) bool { return x.Order == o })]
				for _, other := range g {
					if other.Score >= mine.Score && other.Score <= 0.5 {
						t.Errorf("%s.%s = %v in %v: ranked below an implausible guess: %+v", prof.ID, p.Name, x, o, g)
					}
				}
				var polls [][]Reading
				for _, f := range []float64{1, 1.01, 0.995} {
					r, err := p.Encode(plausibleNear(&p, x*f), sf)
					if err != nil {
						t.Fatal(err)
					}
					polls = append(polls, []Reading{{Point: &p, Regs: r, SF: sf}})
				}
				if m := InferOrderMulti(polls); m[0].Order != o || m[0].Score == m[1].Score {
					t.Errorf("%s.%s = %v in %v: three polls rank %+v", prof.ID, p.Name, x, o, m)
				}
			}
		}
	}
	if count < 100 || ambiguous > count/5 {
		t.Fatalf("%d cases, %d ambiguous from one sample", count, ambiguous)
	}
	t.Logf("%d cases, %d ambiguous from one sample and resolved by three polls", count, ambiguous)
}

// firstOrTiedSame reports whether order o ranks first, alone or tied only
// with orders that read the same value.
func firstOrTiedSame(g []OrderGuess, o ByteOrder) bool {
	top := TopOrders(g)
	i := slices.Index(top, o)
	if i < 0 {
		return false
	}
	for _, other := range g[:len(top)] {
		if other.Value != g[i].Value {
			return false
		}
	}
	return true
}

// plausibleNear rounds x to the point's resolution.
func plausibleNear(p *Point, x float64) float64 {
	if p.Type.IsInteger() && p.ScaleFactor == "" {
		return math.Round((x-p.Offset)/p.Scale)*p.Scale + p.Offset
	}
	return x
}

func TestInferOrderCases(t *testing.T) {
	volts := Point{Name: "v", Table: TableInput, Type: TypeF32, Scale: 1, Range: &Range{0, 300}}
	noRange := Point{Name: "x", Table: TableInput, Type: TypeF32, Scale: 1}
	counter := Point{Name: "n", Table: TableHolding, Type: TypeU32, Scale: 1}
	word := Point{Name: "w", Table: TableHolding, Type: TypeU16, Scale: 1, Range: &Range{0, 1000}}
	state := Point{Name: "s", Table: TableHolding, Type: TypeU16, Scale: 1, Enum: map[int64]string{4: "MPPT"}}
	text := Point{Name: "t", Table: TableHolding, Type: TypeString, Length: 2}
	tests := []struct {
		name string
		p    Point
		regs []uint16
		want []ByteOrder // the orders tied first
	}{
		{"230.5 V big-endian", volts, []uint16{0x4366, 0x8000}, []ByteOrder{ABCD}},
		{"230.5 V word-swapped", volts, []uint16{0x8000, 0x4366}, []ByteOrder{CDAB}},
		{"230.5 V byte-swapped", volts, []uint16{0x6643, 0x0080}, []ByteOrder{BADC}},
		{"230.5 V little-endian", volts, []uint16{0x0080, 0x6643}, []ByteOrder{DCBA}},
		{"zero: indistinguishable", volts, []uint16{0, 0}, []ByteOrder{ABCD, CDAB, BADC, DCBA}},
		{"no range: round value wins", noRange, []uint16{0x42C8, 0x0000}, []ByteOrder{ABCD}},
		{"no range: word-swapped", noRange, []uint16{0x0000, 0x42C8}, []ByteOrder{CDAB}},
		{"integer: small magnitude wins", counter, []uint16{0x0000, 0x04D2}, []ByteOrder{ABCD}},
		{"integer little-endian", counter, []uint16{0xD204, 0x0000}, []ByteOrder{DCBA}},
		{"16 bits: word order indistinguishable", word, []uint16{0x00E6}, []ByteOrder{ABCD, CDAB}},
		{"16 bits byte-swapped", word, []uint16{0xE600}, []ByteOrder{BADC, DCBA}},
		{"enum: known value", state, []uint16{0x0400}, []ByteOrder{BADC, DCBA}},
		{"strings have no order", text, []uint16{0x4142, 0x4344}, []ByteOrder{ABCD, CDAB, BADC, DCBA}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := InferOrder(&tc.p, tc.regs, nil)
			if got := TopOrders(g); !slices.Equal(got, tc.want) {
				t.Fatalf("top %v, want %v: %+v", got, tc.want, g)
			}
			if len(g) != 4 || g[0].Reason == "" {
				t.Fatalf("guesses %+v", g)
			}
		})
	}
}

// f32regs encodes x as a float32 in order o.
func f32regs(x float64, o ByteOrder) []uint16 {
	return split(uint64(math.Float32bits(float32(x))), 2, o)
}

func TestInferOrderMulti(t *testing.T) {
	// Raw values chosen so that each reading alone looks better in the
	// wrong order (ABCD reads voltage and current as 0.1 and 0.02); only
	// P ≈ V·I tells that CDAB is right.
	v := Point{Name: "voltage", Table: TableInput, Type: TypeU32, Scale: 0.1}
	i := Point{Name: "current", Table: TableInput, Type: TypeU32, Scale: 0.01}
	p := Point{Name: "power", Table: TableInput, Type: TypeU32, Scale: 0.1}
	snap := func(vr, ir uint32) []Reading {
		pr := uint32(math.Round(float64(vr) * 0.1 * float64(ir) * 0.01 / 0.1))
		return []Reading{
			{Point: &v, Regs: split(uint64(vr), 2, CDAB)},
			{Point: &i, Regs: split(uint64(ir), 2, CDAB)},
			{Point: &p, Regs: split(uint64(pr), 2, CDAB)},
		}
	}
	snaps := [][]Reading{snap(0x10000, 0x20000), snap(0x10000, 0x30000)}
	if g := InferOrderMulti(snaps); g[0].Order == CDAB {
		t.Fatalf("without the relation CDAB should not win (test premise): %+v", g)
	}
	g := InferOrderMulti(snaps, Product("power", "voltage", "current", 0.01))
	if g[0].Order != CDAB || g[0].Score <= g[1].Score {
		t.Fatalf("with P ≈ V·I: %+v", g)
	}

	// A real meter: float32 readings in DCBA over three polls.
	vf := Point{Name: "voltage", Table: TableInput, Type: TypeF32, Scale: 1, Range: &Range{0, 300}}
	cf := Point{Name: "current", Table: TableInput, Type: TypeF32, Scale: 1, Range: &Range{0, 100}}
	pf := Point{Name: "power", Table: TableInput, Type: TypeF32, Scale: 1, Range: &Range{-23000, 23000}}
	var polls [][]Reading
	for k, amps := range []float64{4.2, 5.1, 0} {
		volts := 229.5 + float64(k)
		polls = append(polls, []Reading{
			{Point: &vf, Regs: f32regs(volts, DCBA)},
			{Point: &cf, Regs: f32regs(amps, DCBA)},
			{Point: &pf, Regs: f32regs(-volts*amps*0.97, DCBA)},
		})
	}
	g = InferOrderMulti(polls, Product("power", "voltage", "current", 0.05))
	if g[0].Order != DCBA || g[0].Score <= g[1].Score || math.Abs(g[0].Value-229.5) > 1e-3 {
		t.Fatalf("meter in DCBA: %+v", g)
	}
	if InferOrderMulti(nil)[0].Reason != "no readings" {
		t.Fatal("no readings")
	}
}
