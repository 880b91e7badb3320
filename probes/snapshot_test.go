package probes

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/busprobe/busprobe/protocols/modbus"
)

// roundTrip saves a snapshot as JSON and parses it back, as diff does.
func roundTrip(t *testing.T, s Snapshot) Snapshot {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	out, err := ParseSnapshot("mem.json", b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSnapshotWriteDiff(t *testing.T) {
	p := valve(t)
	_, c := valveDevice(t)
	ctx := context.Background()
	target, _ := modbus.ParseURL("rtu:///dev/ttyUSB0?baud=19200&parity=E")
	before, err := TakeSnapshot(ctx, c, target, 4, p)
	if err != nil {
		t.Fatal(err)
	}
	if before.Line != "19200 8E1" || before.Summary.Failed != 0 || before.Summary.OK != 8 || before.Profile != "test-valve" {
		t.Errorf("snapshot %+v", before)
	}
	pw, err := PlanWrite(ctx, c, WriteSpec{Unit: 4, Profile: p, Point: "setpoint", Value: "42.5"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ExecuteWrite(ctx, c, pw); err != nil {
		t.Fatal(err)
	}
	after, err := TakeSnapshot(ctx, c, target, 4, p)
	if err != nil {
		t.Fatal(err)
	}
	d := DiffSnapshots(roundTrip(t, before), roundTrip(t, after), DiffOptions{})
	if len(d.Changes) != 1 || d.Same != 7 {
		t.Fatalf("diff %+v, want only setpoint changed", d)
	}
	ch := d.Changes[0]
	if ch.Name != "setpoint" || ch.Kind != ChangeValue || ch.Delta == nil || *ch.Delta != -7.5 || ch.BeforeShown != "50.0 %" || ch.AfterShown != "42.5 %" || ch.Unit != "%" {
		t.Errorf("change %+v", ch)
	}
	if d := DiffSnapshots(roundTrip(t, after), roundTrip(t, after), DiffOptions{}); !d.Identical() {
		t.Errorf("a snapshot differs from itself: %+v", d.Changes)
	}
}

func TestDiffSnapshots(t *testing.T) {
	num := func(s string) any { return json.Number(s) }
	pt := func(name, access string, v any, raw ...int) SnapshotPoint {
		return SnapshotPoint{Name: name, Access: access, Value: v, Raw: raw, Unit: "V"}
	}
	tests := []struct {
		name  string
		a, b  []SnapshotPoint
		opt   DiffOptions
		kinds string // kind per change, comma-separated
		same  int
	}{
		{"identical", []SnapshotPoint{pt("u", "r", num("230.5"), 1)}, []SnapshotPoint{pt("u", "r", num("230.5"), 1)}, DiffOptions{}, "", 1},
		{"same number, other text", []SnapshotPoint{pt("u", "r", num("230.50"), 1)}, []SnapshotPoint{pt("u", "r", num("230.5"), 1)}, DiffOptions{}, "", 1},
		{"value changed", []SnapshotPoint{pt("u", "r", num("1"), 1)}, []SnapshotPoint{pt("u", "r", num("2"), 2)}, DiffOptions{}, "changed", 0},
		{"raw only", []SnapshotPoint{pt("u", "r", nil, 0x7FC0, 0)}, []SnapshotPoint{pt("u", "r", nil, 0x7FC0, 1)}, DiffOptions{}, "raw-only", 0},
		{"text changed", []SnapshotPoint{pt("m", "r", "run", 1)}, []SnapshotPoint{pt("m", "r", "stop", 0)}, DiffOptions{}, "changed", 0},
		{"added and removed", []SnapshotPoint{pt("old", "r", true, 1)}, []SnapshotPoint{pt("new", "r", false, 0)}, DiffOptions{}, "removed,added", 0},
		{"read error appears", []SnapshotPoint{pt("u", "r", num("1"), 1)}, []SnapshotPoint{{Name: "u", Access: "r", Error: "timeout"}}, DiffOptions{}, "changed", 0},
		{"settings only", []SnapshotPoint{pt("v", "r", num("1"), 1), pt("s", "rw", num("60"), 60)},
			[]SnapshotPoint{pt("v", "r", num("2"), 2), pt("s", "rw", num("15"), 15)}, DiffOptions{Settings: true}, "changed", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := DiffSnapshots(Snapshot{Points: tc.a}, Snapshot{Points: tc.b}, tc.opt)
			var kinds []string
			for _, c := range d.Changes {
				kinds = append(kinds, string(c.Kind))
			}
			if got := strings.Join(kinds, ","); got != tc.kinds || d.Same != tc.same {
				t.Errorf("kinds %q same %d, want %q same %d", got, d.Same, tc.kinds, tc.same)
			}
			if d.Identical() != (tc.kinds == "") {
				t.Errorf("Identical() = %v", d.Identical())
			}
		})
	}
}

func TestDiffNotesDifferentTargets(t *testing.T) {
	d := DiffSnapshots(Snapshot{Target: "tcp://a:502", Unit: 1, Profile: "x"}, Snapshot{Target: "tcp://b:502", Unit: 2, Profile: "y"}, DiffOptions{})
	if len(d.Notes) != 3 {
		t.Errorf("notes %v, want targets, units and profiles", d.Notes)
	}
}

func TestParseSnapshotRejects(t *testing.T) {
	tests := []struct{ name, doc, want string }{
		{"not JSON", "scan results", "invalid character"},
		{"scan result", `{"schema_version": 1, "devices": []}`, `kind ""`},
		{"future schema", `{"schema_version": 9, "kind": "busprobe-snapshot"}`, "schema_version 9"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseSnapshot("f.json", []byte(tc.doc))
			var fe *SnapshotFormatError
			if !errors.As(err, &fe) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "f.json: not a busprobe snapshot") {
				t.Errorf("err %v, want a SnapshotFormatError with %q", err, tc.want)
			}
		})
	}
}
