package sunspec

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestBuiltinMatchesAlliance checks the hand-written built-in models
// against the SunSpec Alliance's model JSON: the same points at the same
// offsets with the same types, sizes, scale factors, units, access,
// mandatory flags and symbols. Labels are not compared.
func TestBuiltinMatchesAlliance(t *testing.T) {
	dir := allianceDir(t)
	for _, id := range []int{1, 101, 102, 103} {
		t.Run(fmt.Sprint("model ", id), func(t *testing.T) {
			file := filepath.Join(dir, fmt.Sprintf("model_%d.json", id))
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			want, err := ParseModelJSON(file, data)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := Builtin().Get(id)
			if !ok {
				t.Fatalf("no built-in model %d", id)
			}
			if got.ID != want.ID || got.Name() != want.Name() {
				t.Errorf("model %d %q, want %d %q", got.ID, got.Name(), want.ID, want.Name())
			}
			if len(got.Group.Groups) != len(want.Group.Groups) {
				t.Errorf("%d groups, want %d", len(got.Group.Groups), len(want.Group.Groups))
			}
			g, w := layout(got.Group.Points), layout(want.Group.Points)
			for i := range max(len(g), len(w)) {
				switch {
				case i >= len(g):
					t.Errorf("missing point %s", w[i])
				case i >= len(w):
					t.Errorf("extra point %s", g[i])
				case g[i] != w[i]:
					t.Errorf("point\n got %s\nwant %s", g[i], w[i])
				}
			}
		})
	}
}

// layout describes each point with its offset, for comparison.
func layout(pts []PointDef) []string {
	var out []string
	off := 0
	for _, p := range pts {
		access := p.Access
		if access == "" {
			access = "R"
		}
		syms := slices.Clone(p.Symbols)
		slices.SortFunc(syms, func(a, b Symbol) int { return int(a.Value - b.Value) })
		out = append(out, fmt.Sprintf("%d %s %s/%d sf=%q units=%q %s M=%v %v",
			off, p.Name, p.Type, p.Size, p.SF, p.Units, access, p.Mandatory, syms))
		off += p.Size
	}
	return out
}

// TestBuiltinSizes checks the model lengths the built-ins imply.
func TestBuiltinSizes(t *testing.T) {
	tests := []struct{ id, l int }{{1, 66}, {101, 50}, {102, 50}, {103, 50}}
	b := Builtin()
	if got := b.IDs(); !slices.Equal(got, []int{1, 101, 102, 103}) {
		t.Errorf("IDs %v", got)
	}
	for _, tt := range tests {
		d, _ := b.Get(tt.id)
		n, ok := d.Group.FixedSize()
		if !ok || n-2 != tt.l {
			t.Errorf("model %d: L %d (fixed %v), want %d", tt.id, n-2, ok, tt.l)
		}
	}
}
