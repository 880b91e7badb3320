package profiles

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// planInstance is a random planning problem small enough for an
// exhaustive search.
type planInstance struct {
	points []*Point
	limits DeviceLimits
}

// randomInstance draws up to maxPoints points of sizes 1, 2 or 4 (or
// strings of 3) on one or two tables within addresses 0..span-1, with
// random holes between them, overlapping and identical spans included.
func randomInstance(r *rand.Rand, maxPoints, span int) planInstance {
	in := planInstance{limits: DeviceLimits{MaxRegisters: 4 + r.IntN(10), MaxBits: 1 + r.IntN(12)}}
	tables := []Table{TableHolding, TableInput, TableCoil}
	used := tables[:1+r.IntN(len(tables))]
	// Holes first, then points outside them.
	for range r.IntN(6) {
		t := used[r.IntN(len(used))]
		in.limits.Holes = append(in.limits.Holes, Hole{Table: t, Address: uint16(r.IntN(span)), Count: 1 + r.IntN(3)})
	}
	n := 1 + r.IntN(maxPoints)
	for i := 0; len(in.points) < n && i < 20*n; i++ {
		t := used[r.IntN(len(used))]
		p := &Point{Name: fmt.Sprintf("p%d", len(in.points)), Table: t, Address: uint16(r.IntN(span))}
		switch {
		case t.IsBit():
			p.Type = TypeBool
		case r.IntN(8) == 0:
			p.Type, p.Length = TypeString, 3
		default:
			p.Type = []Type{TypeU16, TypeI16, TypeU32, TypeF32, TypeU64}[r.IntN(5)]
		}
		if p.Size() > in.limits.Limit(t) || inHole(p, in.limits.Holes) {
			continue
		}
		in.points = append(in.points, p)
		if r.IntN(6) == 0 { // a second point on the very same span
			q := *p
			q.Name += "b"
			in.points = append(in.points, &q)
		}
	}
	in.limits.SinglePointReads = r.IntN(10) == 0
	return in
}

func inHole(p *Point, holes []Hole) bool {
	for _, h := range holes {
		if h.Overlaps(p.Table, p.Address, p.Size()) {
			return true
		}
	}
	return false
}

// bruteForce returns the fewest requests covering the points, by a
// breadth-first search over the sets of covered points using every
// request [a, a+n) the limits allow (not only those starting at points).
func bruteForce(in planInstance) int {
	if in.limits.SinglePointReads {
		spans := map[[3]int]bool{}
		for _, p := range in.points {
			spans[[3]int{int(p.Table), int(p.Address), p.Size()}] = true
		}
		return len(spans)
	}
	top := 0
	for _, p := range in.points {
		top = max(top, p.End())
	}
	masks := map[uint32]bool{}
	for _, t := range []Table{TableCoil, TableDiscrete, TableInput, TableHolding} {
		for a := 0; a < top; a++ {
			for n := 1; n <= in.limits.Limit(t) && a+n <= top; n++ {
				if slices.ContainsFunc(in.limits.Holes, func(h Hole) bool { return h.Overlaps(t, uint16(a), n) }) {
					break
				}
				var m uint32
				for i, p := range in.points {
					if p.Table == t && int(p.Address) >= a && p.End() <= a+n {
						m |= 1 << i
					}
				}
				if m != 0 {
					masks[m] = true
				}
			}
		}
	}
	full := uint32(1)<<len(in.points) - 1
	dist := map[uint32]int{0: 0}
	frontier := []uint32{0}
	for len(frontier) > 0 {
		var next []uint32
		for _, s := range frontier {
			if s == full {
				return dist[s]
			}
			for m := range masks {
				if u := s | m; u != s {
					if _, seen := dist[u]; !seen {
						dist[u] = dist[s] + 1
						next = append(next, u)
					}
				}
			}
		}
		frontier = next
	}
	return -1
}

// checkPlan verifies that a plan is a valid cover: every point in exactly
// one request, inside its span and table; no request over the limit, empty
// or touching a hole; single-point plans read exactly one span each.
func checkPlan(t *testing.T, in planInstance, plan ReadPlan) {
	t.Helper()
	count := map[*Point]int{}
	for i, r := range plan.Requests {
		if r.Count < 1 || r.Count > in.limits.Limit(r.Table) || r.End() > 65536 {
			t.Errorf("request %d %s %s: count %d, limit %d", i, r.Table, r.Span(), r.Count, in.limits.Limit(r.Table))
		}
		for _, h := range in.limits.Holes {
			if h.Overlaps(r.Table, r.Address, r.Count) {
				t.Errorf("request %d %s %s reads hole %+v", i, r.Table, r.Span(), h)
			}
		}
		for _, p := range r.Points {
			count[p]++
			if p.Table != r.Table || p.Address < r.Address || p.End() > r.End() {
				t.Errorf("request %d %s %s does not hold %s", i, r.Table, r.Span(), p)
			}
			if in.limits.SinglePointReads && (p.Address != r.Address || p.Size() != r.Count) {
				t.Errorf("single-point request %d %s reads more than %s", i, r.Span(), p)
			}
		}
	}
	for _, p := range in.points {
		if count[p] != 1 {
			t.Errorf("%s is in %d requests, want 1", p, count[p])
		}
	}
	if plan.Pause != in.limits.Pause {
		t.Errorf("pause %s, want %s", plan.Pause, in.limits.Pause)
	}
}

// TestPlanMatchesBruteForce compares the greedy sweep with an exhaustive
// search on seeded random instances.
func TestPlanMatchesBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const cases = 600
	merged, split := 0, 0 // cases where requests hold several points; where holes cost requests
	for i := range cases {
		in := randomInstance(r, 11, 30)
		in.limits.Pause = time.Duration(r.IntN(3)) * time.Millisecond
		plan, err := Plan(in.points, in.limits)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		checkPlan(t, in, plan)
		if want := bruteForce(in); len(plan.Requests) != want {
			t.Fatalf("case %d: %d requests, optimum %d\nlimits %+v\n%s", i, len(plan.Requests), want, in.limits, plan)
		}
		if t.Failed() {
			t.Fatalf("case %d:\n%s", i, plan)
		}
		if len(plan.Requests) < plan.Points {
			merged++
		}
		noHoles := in.limits
		noHoles.Holes = nil
		if p2, _ := Plan(in.points, noHoles); len(p2.Requests) < len(plan.Requests) {
			split++
		}
	}
	// The instances must exercise merging and holes, or the test proves little.
	if merged < cases/3 || split < cases/20 {
		t.Errorf("weak instances: %d of %d merge points, %d split at holes", merged, cases, split)
	}
	t.Logf("%d cases: %d merge points into shared requests, %d split at holes", cases, merged, split)
}

// TestPlanLargeRandom checks validity (not optimality) on larger sets.
func TestPlanLargeRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 200 {
		in := randomInstance(r, 200, 3000)
		plan, err := Plan(in.points, in.limits)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		checkPlan(t, in, plan)
		if t.Failed() {
			t.Fatalf("case %d", i)
		}
	}
}

func u16Point(name string, t Table, addr uint16, typ Type) *Point {
	return &Point{Name: name, Table: t, Address: addr, Type: typ}
}

func TestPlanCases(t *testing.T) {
	a := u16Point("a", TableHolding, 0, TypeU16)
	b := u16Point("b", TableHolding, 10, TypeF32)
	c := u16Point("c", TableHolding, 200, TypeU16)
	d := u16Point("d", TableInput, 0, TypeU16)
	e := u16Point("e", TableCoil, 5, TypeBool)
	f := u16Point("f", TableCoil, 3000, TypeBool)
	w := u16Point("w", TableHolding, 1, TypeU16)
	w.Access = AccessWrite
	big := &Point{Name: "big", Table: TableHolding, Address: 0, Type: TypeString, Length: 10}
	tests := []struct {
		name   string
		points []*Point
		limits DeviceLimits
		want   []string // "table address count"
		err    string
	}{
		{"one block over a gap", []*Point{b, a}, DeviceLimits{}, []string{"holding 0 12"}, ""},
		{"limit splits", []*Point{a, b, c}, DeviceLimits{MaxRegisters: 125}, []string{"holding 0 12", "holding 200 1"}, ""},
		{"tables apart", []*Point{c, d, a, e}, DeviceLimits{}, []string{"coil 5 1", "input 0 1", "holding 0 1", "holding 200 1"}, ""},
		{"bits limit", []*Point{e, f}, DeviceLimits{}, []string{"coil 5 1", "coil 3000 1"}, ""},
		{"hole splits", []*Point{a, b}, DeviceLimits{Holes: []Hole{{TableHolding, 4, 2}}}, []string{"holding 0 1", "holding 10 2"}, ""},
		{"hole in other table", []*Point{a, b}, DeviceLimits{Holes: []Hole{{TableInput, 4, 2}}}, []string{"holding 0 12"}, ""},
		{"single point reads", []*Point{a, b}, DeviceLimits{SinglePointReads: true}, []string{"holding 0 1", "holding 10 2"}, ""},
		{"duplicates read once", []*Point{a, a}, DeviceLimits{}, []string{"holding 0 1"}, ""},
		{"small limit", []*Point{a, b}, DeviceLimits{MaxRegisters: 2}, []string{"holding 0 1", "holding 10 2"}, ""},
		{"empty", nil, DeviceLimits{}, nil, ""},
		{"too big", []*Point{big}, DeviceLimits{MaxRegisters: 8}, nil, "plan big: point needs 10 registers but a request reads at most 8"},
		{"in a hole", []*Point{b}, DeviceLimits{Holes: []Hole{{TableHolding, 11, 1}}}, nil, "plan b: point lies in a hole (holding 11..11)"},
		{"write-only", []*Point{w}, DeviceLimits{}, nil, "plan w: point is write-only"},
		{"nil", []*Point{nil}, DeviceLimits{}, nil, "plan: nil point"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := Plan(tc.points, tc.limits)
			if tc.err != "" {
				var pe *PlanError
				if err == nil || err.Error() != tc.err || !errors.As(err, &pe) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range plan.Requests {
				got = append(got, fmt.Sprintf("%s %d %d", r.Table, r.Address, r.Count))
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("requests %v, want %v", got, tc.want)
			}
		})
	}
}

func TestPlanString(t *testing.T) {
	pts := []*Point{u16Point("voltage", TableInput, 0, TypeF32), u16Point("current", TableInput, 6, TypeF32)}
	plan, err := Plan(pts, DeviceLimits{Pause: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s := plan.String()
	for _, want := range []string{"1 request for 2 points, 8 registers read, pause 20ms",
		"1  input  0..7 (30001..30008)  8      voltage current"} {
		if !strings.Contains(s, want) {
			t.Errorf("preview lacks %q:\n%s", want, s)
		}
	}
}

// TestEmbeddedProfilesPlan plans a full read of every embedded profile and
// logs requests per read against one request per point.
func TestEmbeddedProfilesPlan(t *testing.T) {
	lib, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range lib.List() {
		pts, err := p.Select(nil)
		if err != nil {
			t.Fatalf("%s: %v", p.ID, err)
		}
		plan, err := Plan(pts, p.Device)
		if err != nil {
			t.Errorf("%s: %v", p.ID, err)
			continue
		}
		checkPlan(t, planInstance{points: pts, limits: p.Device}, plan)
		single, _ := Plan(pts, DeviceLimits{SinglePointReads: true})
		t.Logf("%-22s %3d points  %2d requests  (%3d one per point, %4d registers read, limit %d)",
			p.ID, len(pts), len(plan.Requests), len(single.Requests), plan.Registers(), p.Device.Limit(TableHolding))
	}
}

func TestSelect(t *testing.T) {
	p := &Profile{ID: "x", Points: []Point{
		{Name: "w_sf", Table: TableHolding, Address: 0, Type: TypeSunSSF},
		{Name: "w", Table: TableHolding, Address: 1, Type: TypeU16, ScaleFactor: "w_sf"},
		{Name: "set", Table: TableHolding, Address: 2, Type: TypeU16, Access: AccessWrite},
		{Name: "v", Table: TableHolding, Address: 3, Type: TypeU16},
	}}
	names := func(pts []*Point) string {
		var s []string
		for _, pt := range pts {
			s = append(s, pt.Name)
		}
		return strings.Join(s, ",")
	}
	tests := []struct {
		names []string
		want  string
		err   string
	}{
		{nil, "w_sf,w,v", ""},
		{[]string{"v", "w"}, "w,v,w_sf", ""},
		{[]string{"w", "w_sf"}, "w_sf,w", ""},
		{[]string{"nope"}, "", `profile x has no point "nope"`},
		{[]string{"set"}, "", "plan set: point is write-only"},
	}
	for _, tc := range tests {
		pts, err := p.Select(tc.names)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("Select(%v): %v, want %q", tc.names, err, tc.err)
			}
			continue
		}
		if err != nil || names(pts) != tc.want {
			t.Errorf("Select(%v) = %s, %v; want %s", tc.names, names(pts), err, tc.want)
		}
	}
}
