package profiles

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// loadFile loads a testdata profile or fails the test.
func loadFile(t *testing.T, path string) *Profile {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Load(path, data)
	if err != nil {
		t.Fatalf("Load(%s):\n%v", path, err)
	}
	return p
}

// TestLoadGood loads every good example.
func TestLoadGood(t *testing.T) {
	files, err := filepath.Glob("testdata/good/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no good examples: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			p := loadFile(t, f)
			if p.File != f {
				t.Errorf("File %q, want %q", p.File, f)
			}
		})
	}
}

// TestLoadNormalises checks that addresses, tables and defaults come out
// normalised.
func TestLoadNormalises(t *testing.T) {
	full := loadFile(t, "testdata/good/full.yaml")
	base1 := loadFile(t, "testdata/good/base1.yaml")
	tests := []struct {
		p       *Profile
		name    string
		table   Table
		address uint16
		typ     Type
		order   ByteOrder
		size    int
	}{
		{full, "voltage_l1", TableInput, 0, TypeF32, CDAB, 2},
		{full, "current_l1", TableInput, 2, TypeU16, ABCD, 1},
		{full, "energy", TableInput, 4, TypeU64, ABCD, 4},
		{full, "serial", TableInput, 19, TypeString, ABCD, 4},
		{full, "alarms", TableInput, 24, TypeBits, ABCD, 2},
		{full, "setpoint", TableHolding, 0, TypeU16, ABCD, 1},
		{full, "relay", TableCoil, 0, TypeBool, ABCD, 1},
		{full, "di1", TableDiscrete, 0, TypeBool, ABCD, 1},
		{full, "reset", TableCoil, 1, TypeBool, ABCD, 1},
		{base1, "first", TableHolding, 0, TypeU32, CDAB, 2},
		{base1, "third", TableHolding, 2, TypeU16, CDAB, 1},
		{base1, "noted", TableHolding, 3, TypeU16, CDAB, 1},
	}
	for _, tt := range tests {
		t.Run(tt.p.ID+"/"+tt.name, func(t *testing.T) {
			pt, ok := tt.p.Point(tt.name)
			if !ok {
				t.Fatalf("no point %s", tt.name)
			}
			if pt.Table != tt.table || pt.Address != tt.address || pt.Type != tt.typ ||
				pt.ByteOrder != tt.order || pt.Size() != tt.size {
				t.Errorf("got %s %d %s %s size %d, want %s %d %s %s size %d", pt.Table, pt.Address, pt.Type,
					pt.ByteOrder, pt.Size(), tt.table, tt.address, tt.typ, tt.order, tt.size)
			}
		})
	}
}

// TestLoadFields spot-checks the other fields of the full example.
func TestLoadFields(t *testing.T) {
	p := loadFile(t, "testdata/good/full.yaml")
	if p.ID != "acme-pm3000" || p.Vendor != "ACME" || len(p.Aliases) != 2 || p.Source.Version != "2.1 (2024-03-01)" {
		t.Errorf("identity: %+v", p)
	}
	d := p.Device
	if d.MaxRegisters != 100 || d.MaxBits != 1000 || d.Pause != 20*time.Millisecond || len(d.Holes) != 2 {
		t.Errorf("device: %+v", d)
	}
	if h := d.Holes[1]; h.Table != TableHolding || h.Address != 300 || h.Count != 2 {
		t.Errorf("hole from notation: %+v", h)
	}
	if !p.Identify.FC43.Match("Acme Corp", "", "PM3100") || p.Identify.FC43.Match("Other", "PM3100", "") {
		t.Errorf("fc43 rule does not match as expected")
	}
	if len(p.Identify.Fingerprints) != 1 || p.Identify.Fingerprints[0].Range != (Range{90, 270}) {
		t.Errorf("fingerprints: %+v", p.Identify.Fingerprints)
	}
	temp, _ := p.Point("temperature")
	if temp.Scale != 0.1 || temp.Offset != -40 || temp.Unit != "degC" || *temp.Range != (Range{-40, 125}) {
		t.Errorf("temperature: %+v", temp)
	}
	set, _ := p.Point("setpoint")
	if set.Access != AccessReadWrite || set.NotImplemented == nil || *set.NotImplemented != 0xFFFF {
		t.Errorf("setpoint: %+v", set)
	}
	w, _ := p.Point("w")
	if w.ScaleFactor != "w_sf" || w.Scale != 1 {
		t.Errorf("w: %+v", w)
	}
	mode, _ := p.Point("mode")
	if mode.Enum[2] != "auto" || len(mode.Enum) != 3 {
		t.Errorf("mode enum: %v", mode.Enum)
	}
	status, _ := p.Point("status")
	if status.Bits[3] != "alarm" {
		t.Errorf("status bits: %v", status.Bits)
	}
}

// TestNotation covers the 1-based register notation both ways.
func TestNotation(t *testing.T) {
	tests := []struct {
		in    string
		table Table
		addr  uint16
		ok    bool
	}{
		{"30001", TableInput, 0, true},
		{"40001", TableHolding, 0, true},
		{"49999", TableHolding, 9998, true},
		{"00001", TableCoil, 0, true},
		{"10010", TableDiscrete, 9, true},
		{"400001", TableHolding, 0, true},
		{"465536", TableHolding, 65535, true},
		{"300100", TableInput, 99, true},
		{"465537", 0, 0, false},
		{"40000", 0, 0, false},
		{"20001", 0, 0, false},
		{"4001", 0, 0, false},
		{"4x001", 0, 0, false},
	}
	for _, tt := range tests {
		tb, a, err := ParseNotation(tt.in)
		if (err == nil) != tt.ok || tt.ok && (tb != tt.table || a != tt.addr) {
			t.Errorf("ParseNotation(%q) = %s %d %v", tt.in, tb, a, err)
		}
		if tt.ok && len(tt.in) == 5 && FormatNotation(tb, a) != tt.in {
			t.Errorf("FormatNotation(%s, %d) = %q, want %q", tb, a, FormatNotation(tb, a), tt.in)
		}
	}
	if got := FormatNotation(TableHolding, 65535); got != "465536" {
		t.Errorf("FormatNotation(holding, 65535) = %q", got)
	}
}

// TestDocsExample loads the complete example of docs/profiles.md, so the
// reference cannot drift from the loader.
func TestDocsExample(t *testing.T) {
	data, err := os.ReadFile("../docs/profiles.md")
	if err != nil {
		t.Skipf("docs not found: %v", err)
	}
	doc := string(data)
	start := strings.Index(doc, "```yaml\n")
	end := strings.Index(doc[start+8:], "```")
	if start < 0 || end < 0 {
		t.Fatal("no yaml block in docs/profiles.md")
	}
	p, err := Load("docs/profiles.md", []byte(doc[start+8:start+8+end]))
	if err != nil {
		t.Fatalf("docs example does not load:\n%v", err)
	}
	if f, _ := p.Point("frequency"); f == nil || f.Address != 0x46 || f.Table != TableInput {
		t.Errorf("frequency point: %+v", f)
	}
}
