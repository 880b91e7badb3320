package profiles

import (
	"fmt"
	"math"
	"strings"
)

// Reading is one point's raw registers as read from a device.
type Reading struct {
	Point *Point
	Regs  []uint16
	SF    *int // the value of the point's scale factor, when it has one
}

// Relation is a law that the decoded values of one snapshot obey, such as
// power ≈ voltage·current. Build one with Product or write Holds yourself.
type Relation struct {
	Name   string   // shown in reasons, e.g. "power ≈ voltage·current"
	Points []string // the points whose values Holds takes, in this order
	// Holds reports whether the values (engineering units) obey the law.
	Holds func(values []float64) bool
}

// Product is the relation |product| ≈ |a|·|b| within the relative
// tolerance tol (0.1 is 10 %): active power against voltage and current
// (tolerance covering the power factor), apparent power exactly. Signs are
// ignored because exported power reads negative.
func Product(product, a, b string, tol float64) Relation {
	return Relation{
		Name:   fmt.Sprintf("%s ≈ %s·%s", product, a, b),
		Points: []string{product, a, b},
		Holds: func(v []float64) bool {
			p, ab := math.Abs(v[0]), math.Abs(v[1]*v[2])
			return math.Abs(p-ab) <= tol*math.Max(math.Max(p, ab), 1e-9)
		},
	}
}

// InferOrderMulti ranks the four byte orders for points that share one
// order (as a device's register map usually does), from snapshots: each
// snapshot holds the readings taken together (one poll), and several
// snapshots add evidence. An order's score is the mean of up to three parts:
//
//   - plausibility: the mean of InferOrder's score over all readings;
//   - steadiness, when a point was read more than once: values that move
//     little between polls (relative to the point's range, or to their own
//     size) score high; in a wrong order a small change of the low byte
//     becomes a jump, which tells apart values that each look plausible;
//   - relations, when given: the share of relation checks that hold (one
//     check is one relation in one snapshot that has all its points).
//
// Value is the first reading's value in the order. Ties are as for InferOrder.
func InferOrderMulti(snapshots [][]Reading, rels ...Relation) []OrderGuess {
	out := make([]OrderGuess, 0, 4)
	for _, o := range ByteOrders() {
		out = append(out, multiGuess(o, snapshots, rels))
	}
	sortGuesses(out)
	return out
}

// multiGuess scores one order over every snapshot.
func multiGuess(o ByteOrder, snapshots [][]Reading, rels []Relation) OrderGuess {
	g := OrderGuess{Order: o, Value: math.NaN()}
	var sum float64
	var n, inRange, checks, held int
	series := map[string][]float64{}
	points := map[string]*Point{}
	for _, snap := range snapshots {
		values := map[string]float64{}
		for _, r := range snap {
			s := guess(r.Point, o, r.Regs, r.SF)
			if n == 0 {
				g.Value = s.Value
			}
			sum += s.Score
			n++
			if s.Score > 0.5 {
				inRange++
			}
			if !math.IsNaN(s.Value) {
				values[r.Point.Name] = s.Value
				series[r.Point.Name] = append(series[r.Point.Name], s.Value)
				points[r.Point.Name] = r.Point
			}
		}
		for _, rel := range rels {
			args := make([]float64, 0, len(rel.Points))
			for _, name := range rel.Points {
				if v, ok := values[name]; ok {
					args = append(args, v)
				}
			}
			if len(args) != len(rel.Points) {
				continue
			}
			checks++
			if rel.Holds(args) {
				held++
			}
		}
	}
	if n == 0 {
		g.Reason = "no readings"
		return g
	}
	parts := []float64{sum / float64(n)}
	reasons := []string{fmt.Sprintf("%d of %d readings plausible", inRange, n)}
	if st, ok := steadiness(series, points); ok {
		parts = append(parts, st)
		reasons = append(reasons, fmt.Sprintf("steadiness %.2f", st))
	}
	if checks > 0 {
		parts = append(parts, float64(held)/float64(checks))
		names := make([]string, len(rels))
		for i, r := range rels {
			names[i] = r.Name
		}
		reasons = append(reasons, fmt.Sprintf("%s held in %d of %d checks", strings.Join(names, ", "), held, checks))
	}
	for _, p := range parts {
		g.Score += p / float64(len(parts))
	}
	g.Reason = strings.Join(reasons, "; ")
	return g
}

// steadiness scores in [0, 1] how little the points' values jump between
// polls; ok is false when no point was read twice.
func steadiness(series map[string][]float64, points map[string]*Point) (float64, bool) {
	var sum float64
	var n int
	for name, vs := range series {
		if len(vs) < 2 {
			continue
		}
		scale := 0.0
		for _, v := range vs {
			scale = math.Max(scale, math.Abs(v))
		}
		if r := points[name].Range; r != nil {
			scale = r.Max - r.Min
		}
		jump := 0.0
		for i := 1; i < len(vs); i++ {
			jump = math.Max(jump, math.Abs(vs[i]-vs[i-1]))
		}
		if scale > 0 {
			sum += 1 / (1 + 10*jump/scale)
		} else {
			sum++
		}
		n++
	}
	if n == 0 {
		return 0, false
	}
	return sum / float64(n), true
}
