package probes

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ChangeKind says how a point differs between two snapshots.
type ChangeKind string

// Kinds of change.
const (
	ChangeValue   ChangeKind = "changed"  // the decoded value (or the point's error) differs
	ChangeRawOnly ChangeKind = "raw-only" // same decoded value, different raw registers
	ChangeAdded   ChangeKind = "added"    // only in the second snapshot
	ChangeRemoved ChangeKind = "removed"  // only in the first snapshot
)

// PointChange is one point that differs between two snapshots.
type PointChange struct {
	Name        string     `json:"name"`
	Kind        ChangeKind `json:"kind"`
	Unit        string     `json:"unit,omitempty"`
	Access      string     `json:"access,omitempty"`
	Before      any        `json:"before"`
	After       any        `json:"after"`
	BeforeShown string     `json:"before_display,omitempty"` // display form, or "error: …"
	AfterShown  string     `json:"after_display,omitempty"`
	Delta       *float64   `json:"delta,omitempty"` // after − before, for numbers
	BeforeRaw   []int      `json:"before_raw,omitempty"`
	AfterRaw    []int      `json:"after_raw,omitempty"`
}

// SnapshotDiff is what changed from snapshot A to snapshot B.
type SnapshotDiff struct {
	A       DiffSide      `json:"a"`
	B       DiffSide      `json:"b"`
	Changes []PointChange `json:"changes"`
	Same    int           `json:"same"` // points equal in both
	// Notes say when the snapshots are of different targets, units or
	// profiles (the diff is still made, point by point, by name).
	Notes []string `json:"notes,omitempty"`
}

// DiffSide identifies one snapshot of a diff.
type DiffSide struct {
	File    string `json:"file,omitempty"`
	Time    string `json:"time"`
	Target  string `json:"target"`
	Unit    int    `json:"unit"`
	Profile string `json:"profile"`
}

// sideOf identifies a snapshot; the caller fills File.
func sideOf(s Snapshot) DiffSide {
	return DiffSide{Time: s.Time.Format(time.RFC3339), Target: s.Target, Unit: s.Unit, Profile: s.Profile}
}

// Identical reports whether nothing changed.
func (d SnapshotDiff) Identical() bool { return len(d.Changes) == 0 }

// DiffOptions select what DiffSnapshots compares.
type DiffOptions struct {
	// Settings compares only writable points (access rw or w): the
	// settings a commissioning step changes, not live measurements.
	Settings bool
}

// DiffSnapshots compares two snapshots point by point, by name, in A's
// order followed by the points only B has.
func DiffSnapshots(a, b Snapshot, o DiffOptions) SnapshotDiff {
	d := SnapshotDiff{A: sideOf(a), B: sideOf(b), Changes: []PointChange{}}
	if a.Target != b.Target {
		d.Notes = append(d.Notes, fmt.Sprintf("different targets: %s and %s", a.Target, b.Target))
	}
	if a.Unit != b.Unit {
		d.Notes = append(d.Notes, fmt.Sprintf("different units: %d and %d", a.Unit, b.Unit))
	}
	if a.Profile != b.Profile {
		d.Notes = append(d.Notes, fmt.Sprintf("different profiles: %s and %s", a.Profile, b.Profile))
	}
	keep := func(p SnapshotPoint) bool { return !o.Settings || p.Access == "rw" || p.Access == "w" }
	inB := map[string]SnapshotPoint{}
	for _, p := range b.Points {
		inB[p.Name] = p
	}
	seen := map[string]bool{}
	for _, pa := range a.Points {
		seen[pa.Name] = true
		pb, ok := inB[pa.Name]
		switch {
		case !keep(pa) && (!ok || !keep(pb)):
			continue
		case !ok:
			d.Changes = append(d.Changes, PointChange{Name: pa.Name, Kind: ChangeRemoved, Unit: pa.Unit, Access: pa.Access,
				Before: pa.Value, BeforeShown: shown(pa), BeforeRaw: pa.Raw})
		default:
			if c, changed := comparePoints(pa, pb); changed {
				d.Changes = append(d.Changes, c)
			} else {
				d.Same++
			}
		}
	}
	for _, pb := range b.Points {
		if !seen[pb.Name] && keep(pb) {
			d.Changes = append(d.Changes, PointChange{Name: pb.Name, Kind: ChangeAdded, Unit: pb.Unit, Access: pb.Access,
				After: pb.Value, AfterShown: shown(pb), AfterRaw: pb.Raw})
		}
	}
	return d
}

// comparePoints compares one point present in both snapshots.
func comparePoints(pa, pb SnapshotPoint) (PointChange, bool) {
	c := PointChange{Name: pa.Name, Unit: pb.Unit, Access: pb.Access, Before: pa.Value, After: pb.Value,
		BeforeShown: shown(pa), AfterShown: shown(pb), BeforeRaw: pa.Raw, AfterRaw: pb.Raw}
	sameValue := pa.Error == pb.Error && sameJSON(pa.Value, pb.Value)
	sameRaw := slices.Equal(pa.Raw, pb.Raw)
	switch {
	case sameValue && sameRaw:
		return c, false
	case sameValue:
		c.Kind = ChangeRawOnly
	default:
		c.Kind = ChangeValue
	}
	x, okA := number(pa.Value)
	y, okB := number(pb.Value)
	if okA && okB && pa.Error == "" && pb.Error == "" {
		delta := roundTo(y-x, max(decimalsOf(pa.Value), decimalsOf(pb.Value)))
		c.Delta = &delta
	}
	return c, true
}

// decimalsOf counts the decimals a JSON number was written with.
func decimalsOf(v any) int {
	n, ok := v.(json.Number)
	if !ok {
		return 6
	}
	s := string(n)
	if strings.ContainsAny(s, "eE") {
		return 6
	}
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return len(s) - i - 1
	}
	return 0
}

// roundTo rounds x to d decimals, so that a difference shows no more
// digits than its operands (0.006, not 0.006000000008).
func roundTo(x float64, d int) float64 {
	if d > 15 {
		return x
	}
	p := math.Pow10(d)
	return math.Round(x*p) / p
}

// shown is a point's display form, or its error.
func shown(p SnapshotPoint) string {
	if p.Error != "" {
		return "error: " + p.Error
	}
	if p.Display != "" {
		return p.Display
	}
	if p.Value == nil {
		return "null"
	}
	return fmt.Sprint(p.Value)
}

// number returns a JSON number value as float64.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(n), 64)
		return f, err == nil
	case float64:
		return n, true
	}
	return 0, false
}

// sameJSON compares two decoded JSON values; numbers by value.
func sameJSON(a, b any) bool {
	x, okA := number(a)
	y, okB := number(b)
	if okA || okB {
		return okA && okB && (x == y || math.IsNaN(x) && math.IsNaN(y))
	}
	return a == b
}
