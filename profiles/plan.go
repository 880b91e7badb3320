package profiles

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Request is one read request of a plan: Count registers (or bits on the
// coil and discrete tables) of Table from Address on, covering Points.
type Request struct {
	Table   Table
	Address uint16
	Count   int
	Points  []*Point // the points inside [Address, Address+Count), by address
}

// End returns the address after the request's last register or bit.
func (r Request) End() int { return int(r.Address) + r.Count }

// Span formats the request's 0-based address range and the vendor's
// 1-based notation, e.g. "0..79 (30001..30080)".
func (r Request) Span() string {
	last := uint16(r.End() - 1)
	return fmt.Sprintf("%d..%d (%s..%s)", r.Address, last,
		FormatNotation(r.Table, r.Address), FormatNotation(r.Table, last))
}

// ReadPlan is the list of requests that reads a set of points, and the
// pause the device wants between requests.
type ReadPlan struct {
	Requests []Request
	Pause    time.Duration // wait this long between two requests
	Points   int           // how many distinct points the plan reads
}

// Registers returns the total registers (and bits) the plan reads,
// points and the gaps between them.
func (p ReadPlan) Registers() int {
	n := 0
	for _, r := range p.Requests {
		n += r.Count
	}
	return n
}

// String renders the plan preview: a summary line, then one line per
// request with table, address range, count and the point names.
func (p ReadPlan) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s for %s, %d %s read", plural(len(p.Requests), "request"), plural(p.Points, "point"),
		p.Registers(), p.unitWord())
	if p.Pause > 0 {
		fmt.Fprintf(&b, ", pause %s between requests", p.Pause)
	}
	b.WriteString("\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "#\ttable\taddress\tcount\tpoints")
	for i, r := range p.Requests {
		names := make([]string, len(r.Points))
		for j, pt := range r.Points {
			names[j] = pt.Name
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\n", i+1, r.Table, r.Span(), r.Count, strings.Join(names, " "))
	}
	_ = tw.Flush()
	return b.String()
}

// plural formats n with a noun, e.g. "1 request", "5 requests".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// unitWord says what the plan's counts count: registers, bits or both.
func (p ReadPlan) unitWord() string {
	regs, bits := false, false
	for _, r := range p.Requests {
		if r.Table.IsBit() {
			bits = true
		} else {
			regs = true
		}
	}
	switch {
	case regs && bits:
		return "registers and bits"
	case bits:
		return "bits"
	}
	return "registers"
}

// PlanError says why a set of points cannot be planned.
type PlanError struct {
	Point string // the point at fault ("" when not about one point)
	Msg   string
}

// Error implements error.
func (e *PlanError) Error() string {
	if e.Point == "" {
		return "plan: " + e.Msg
	}
	return "plan " + e.Point + ": " + e.Msg
}

// Limit returns the most registers (register tables) or bits (coil and
// discrete tables) one request of table t may read: the device's limit,
// or the protocol's when the device gives none.
func (d DeviceLimits) Limit(t Table) int {
	if t.IsBit() {
		if d.MaxBits <= 0 || d.MaxBits > MaxReadBits {
			return MaxReadBits
		}
		return d.MaxBits
	}
	if d.MaxRegisters <= 0 || d.MaxRegisters > MaxReadRegisters {
		return MaxReadRegisters
	}
	return d.MaxRegisters
}

// Plan returns the fewest requests that read every point within the
// device's limits: per table, at most Limit registers or bits each, never
// touching a hole, one request per point with SinglePointReads (points
// with the same span share it). Gaps between points are read over unless a
// hole lies there. Requests come in table order (coil, discrete, input,
// holding) and by address; duplicate points are read once.
//
// Within a table the plan is a greedy sweep: the next request starts at
// the lowest uncovered address s and ends at cap = min(s+Limit, start of
// the first hole after s); it covers every uncovered point that ends by
// cap. This is optimal. Let p be the uncovered point with the lowest
// address s, and R = [a, b) the request of an optimal plan that covers
// p. Every uncovered point R covers starts at or after s (s is the lowest)
// and ends by b, so it lies in [s, b) ⊆ [a, b): a span without a hole and
// at most Limit long, so it ends by cap and the greedy request G covers it
// too. Replacing R by G keeps the plan a cover of the same size, and the
// points G leaves are covered by the optimal plan's other requests, so by
// induction on the points left the greedy plan is no longer than the
// optimum. plan_test.go checks this against an exhaustive search.
func Plan(points []*Point, limits DeviceLimits) (ReadPlan, error) {
	pts, err := planPoints(points, limits)
	if err != nil {
		return ReadPlan{}, err
	}
	plan := ReadPlan{Pause: limits.Pause, Points: len(pts)}
	for len(pts) > 0 {
		t := pts[0].Table
		n := 1
		for n < len(pts) && pts[n].Table == t {
			n++
		}
		if limits.SinglePointReads {
			plan.Requests = append(plan.Requests, singleRequests(pts[:n])...)
		} else {
			plan.Requests = append(plan.Requests, sweep(pts[:n], limits.Limit(t), holesOf(limits.Holes, t))...)
		}
		pts = pts[n:]
	}
	return plan, nil
}

// planPoints checks the points against the limits and returns them
// without duplicates, sorted by table, address and end.
func planPoints(points []*Point, limits DeviceLimits) ([]*Point, error) {
	seen := map[*Point]bool{}
	var pts []*Point
	for _, p := range points {
		if p == nil {
			return nil, &PlanError{Msg: "nil point"}
		}
		if seen[p] {
			continue
		}
		seen[p] = true
		switch {
		case p.Table == TableUnset || p.Size() <= 0:
			return nil, &PlanError{Point: p.Name, Msg: "point has no table or no size"}
		case !p.Access.CanRead():
			return nil, &PlanError{Point: p.Name, Msg: "point is write-only"}
		case p.Size() > limits.Limit(p.Table):
			return nil, &PlanError{Point: p.Name, Msg: fmt.Sprintf("point needs %d %s but a request reads at most %d",
				p.Size(), unitWord(p.Table), limits.Limit(p.Table))}
		case p.End() > 65536:
			return nil, &PlanError{Point: p.Name, Msg: "point runs past address 65535"}
		}
		for _, h := range limits.Holes {
			if h.Overlaps(p.Table, p.Address, p.Size()) {
				return nil, &PlanError{Point: p.Name, Msg: fmt.Sprintf("point lies in a hole (%s %d..%d)",
					h.Table, h.Address, int(h.Address)+h.Count-1)}
			}
		}
		pts = append(pts, p)
	}
	slices.SortStableFunc(pts, func(a, b *Point) int {
		return cmp.Or(cmp.Compare(a.Table, b.Table), cmp.Compare(a.Address, b.Address), cmp.Compare(a.End(), b.End()))
	})
	return pts, nil
}

// holesOf returns the holes of table t as sorted [start, end) spans.
func holesOf(holes []Hole, t Table) [][2]int {
	var out [][2]int
	for _, h := range holes {
		if h.Table == t && h.Count > 0 {
			out = append(out, [2]int{int(h.Address), int(h.Address) + h.Count})
		}
	}
	slices.SortFunc(out, func(a, b [2]int) int { return cmp.Compare(a[0], b[0]) })
	return out
}

// sweep plans the points of one table, sorted by address, with the greedy
// sweep Plan describes. No point may lie in a hole.
func sweep(pts []*Point, limit int, holes [][2]int) []Request {
	var reqs []Request
	left := pts
	for len(left) > 0 {
		s := int(left[0].Address)
		end := min(s+limit, 65536)
		for _, h := range holes {
			if h[1] > s && h[0] < end {
				end = max(h[0], s) // h[0] > s: points never lie in holes
			}
		}
		req := Request{Table: left[0].Table, Address: uint16(s)}
		var rest []*Point
		top := s
		for _, p := range left {
			if p.End() <= end {
				req.Points = append(req.Points, p)
				top = max(top, p.End())
			} else {
				rest = append(rest, p)
			}
		}
		req.Count = top - s
		reqs = append(reqs, req)
		left = rest
	}
	return reqs
}

// singleRequests plans one request per point span, for devices that
// answer only requests for exactly one point.
func singleRequests(pts []*Point) []Request {
	var reqs []Request
	for _, p := range pts {
		if n := len(reqs); n > 0 && reqs[n-1].Address == p.Address && reqs[n-1].Count == p.Size() {
			reqs[n-1].Points = append(reqs[n-1].Points, p)
			continue
		}
		reqs = append(reqs, Request{Table: p.Table, Address: p.Address, Count: p.Size(), Points: []*Point{p}})
	}
	return reqs
}

// ReadablePoints returns the profile's points that can be read (access r
// or rw), in file order.
func (p *Profile) ReadablePoints() []*Point {
	var out []*Point
	for i := range p.Points {
		if p.Points[i].Access.CanRead() {
			out = append(out, &p.Points[i])
		}
	}
	return out
}

// UnknownPointError is returned for a point name the profile lacks.
type UnknownPointError struct {
	Profile string // the profile's ID
	Name    string // the name asked for
}

// Error implements error.
func (e *UnknownPointError) Error() string {
	return fmt.Sprintf("profile %s has no point %q", e.Profile, e.Name)
}

// Select returns the points to read for names: the named points (every
// readable point when names is empty) in file order, followed by the
// scale-factor points they need that were not named. A write-only named
// point is a *PlanError, an unknown name an *UnknownPointError.
func (p *Profile) Select(names []string) ([]*Point, error) {
	var pts []*Point
	if len(names) == 0 {
		pts = p.ReadablePoints()
	} else {
		want := map[string]bool{}
		for _, n := range names {
			pt, ok := p.Point(n)
			if !ok {
				return nil, &UnknownPointError{Profile: p.ID, Name: n}
			}
			if !pt.Access.CanRead() {
				return nil, &PlanError{Point: n, Msg: "point is write-only"}
			}
			want[n] = true
		}
		for i := range p.Points {
			if want[p.Points[i].Name] {
				pts = append(pts, &p.Points[i])
			}
		}
	}
	have := map[string]bool{}
	for _, pt := range pts {
		have[pt.Name] = true
	}
	for _, pt := range slices.Clone(pts) {
		if sf := pt.ScaleFactor; sf != "" && !have[sf] {
			if sp, ok := p.Point(sf); ok {
				pts = append(pts, sp)
				have[sf] = true
			}
		}
	}
	return pts, nil
}
