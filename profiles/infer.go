package profiles

import (
	"cmp"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"
)

// OrderGuess is one byte order and how plausible a point's registers look
// when decoded in it.
type OrderGuess struct {
	Order ByteOrder // the order tried
	Value float64   // the engineering value in that order (NaN when none)
	// Score is the plausibility in [0, 1]. A value inside the point's range
	// scores above 0.5 and one outside below it; within each half, values
	// that look like readings (few significant digits, moderate magnitude,
	// small raw integers) score higher.
	Score  float64
	Reason string // why, e.g. "230.1 in range 0..300"
}

// InferOrder ranks the four byte orders (ABCD CDAB BADC DCBA) by how
// plausible the point's raw registers are when decoded in each, most
// plausible first. The point's own ByteOrder is ignored; sf is the value
// of its scale factor, as for Decode.
//
// Ties: orders that decode the registers to the same value (a 16-bit
// point, where CDAB is ABCD and DCBA is BADC; or registers such as
// [0, 0] or [0x4141, 0x4141]) cannot be told apart and get the same
// score; they keep the order ABCD, CDAB, BADC, DCBA among themselves.
// TopOrders returns all orders tied for first place. Strings and bools
// are not decoded by byte order: every guess scores 0.
//
// One sample can also be genuinely ambiguous without a tie: a small
// negative 32-bit integer keeps 0xFFFF in its high word, so swapping the
// bytes of each register reads another small number that may lie in the
// range too. InferOrderMulti over a few polls tells those apart.
func InferOrder(p *Point, regs []uint16, sf *int) []OrderGuess {
	out := make([]OrderGuess, 0, 4)
	for _, o := range ByteOrders() {
		out = append(out, guess(p, o, regs, sf))
	}
	sortGuesses(out)
	return out
}

// TopOrders returns the orders that share the best score of guesses
// ranked by InferOrder or InferOrderMulti.
func TopOrders(guesses []OrderGuess) []ByteOrder {
	var out []ByteOrder
	for _, g := range guesses {
		if g.Score == guesses[0].Score {
			out = append(out, g.Order)
		}
	}
	return out
}

// sortGuesses orders guesses by score, best first, stable in ByteOrders order.
func sortGuesses(gs []OrderGuess) {
	slices.SortStableFunc(gs, func(a, b OrderGuess) int { return cmp.Compare(b.Score, a.Score) })
}

// guess decodes regs in order o and scores the value.
func guess(p *Point, o ByteOrder, regs []uint16, sf *int) OrderGuess {
	g := OrderGuess{Order: o, Value: math.NaN()}
	if p.Type == TypeString || p.Type == TypeBool || p.Table.IsBit() {
		g.Reason = "type " + p.Type.String() + " has no byte order"
		return g
	}
	q := *p
	q.ByteOrder = o
	v, err := q.Decode(regs, sf)
	switch {
	case err != nil:
		g.Reason = err.Error()
		return g
	case !v.Implemented:
		g.Reason = "reads as not implemented"
		return g
	}
	g.Value = v.Number
	if math.IsNaN(v.Number) || math.IsInf(v.Number, 0) {
		g.Reason = "not a finite number"
		return g
	}
	nice, why := niceness(&q, v, regs)
	key := int64(v.Uint)
	if p.Type.IsSigned() {
		key = v.Int
	}
	_, known := p.Enum[key]
	switch {
	case len(p.Enum) > 0 && known:
		g.Score, g.Reason = 0.5+0.5*nice, fmt.Sprintf("%s is a known value (%s)", short(v.Number), v.Text)
	case len(p.Enum) > 0:
		g.Score, g.Reason = 0.5*nice, short(v.Number)+" is not a known value"
	case p.Range != nil && p.Range.Contains(v.Number):
		g.Score, g.Reason = 0.5+0.5*nice, fmt.Sprintf("%s in range %s..%s", short(v.Number),
			short(p.Range.Min), short(p.Range.Max))
	case p.Range != nil:
		g.Score, g.Reason = 0.5*nice*outside(*p.Range, v.Number), fmt.Sprintf("%s outside range %s..%s",
			short(v.Number), short(p.Range.Min), short(p.Range.Max))
	default:
		g.Score, g.Reason = nice, short(v.Number)+" (no range): "+why
	}
	return g
}

// outside scales a score down with the distance of x from range r: 1 at
// the edge, toward 0 far away.
func outside(r Range, x float64) float64 {
	d := math.Max(r.Min-x, x-r.Max)
	span := math.Max(r.Max-r.Min, 1e-9)
	return 1 / (1 + math.Log10(1+d/span))
}

// niceness says in [0, 1] how much a value looks like a reading rather
// than bytes in the wrong order, and why.
func niceness(p *Point, v Value, regs []uint16) (float64, string) {
	x := v.Number
	if p.Type.IsFloat() {
		ax := math.Abs(x)
		switch {
		case x == 0:
			return 0.9, "zero"
		case ax < 1e-6:
			return 0.05, "tiny or denormal"
		case ax > 1e9:
			return 0.1, "huge"
		}
		// Fewer significant digits look like a reading. The digits are
		// those of the raw float's shortest form (float32 has about 7).
		u := combine(regs, p.ByteOrder)
		raw := strconv.FormatFloat(math.Float64frombits(u), 'e', -1, 64)
		if p.Type == TypeF32 {
			raw = strconv.FormatFloat(float64(math.Float32frombits(uint32(u))), 'e', -1, 32)
		}
		mant, _, _ := strings.Cut(strings.TrimLeft(raw, "-"), "e")
		digits := len(strings.ReplaceAll(mant, ".", ""))
		return math.Max(0.2, 1-float64(digits-1)/16), strconv.Itoa(digits) + " significant digits"
	}
	// Integers: the fewer bits the raw magnitude needs, the likelier.
	nbits := 16 * len(regs)
	mag := v.Uint
	if p.Type.IsSigned() && v.Int < 0 {
		mag = uint64(-v.Int)
	}
	used := bits.Len64(mag)
	return 1 - 0.9*float64(used)/float64(nbits), fmt.Sprintf("raw needs %d of %d bits", used, nbits)
}

// short prints a number briefly.
func short(x float64) string { return strconv.FormatFloat(x, 'g', 7, 64) }
