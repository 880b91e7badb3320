package sunspec

import (
	"testing"
)

// TestDecodeTypes decodes one point of each kind of SunSpec type.
func TestDecodeTypes(t *testing.T) {
	two := 2
	tests := []struct {
		name string
		def  PointDef
		regs []uint16
		want string
		impl bool
	}{
		{"int16", PointDef{Type: Int16, Size: 1}, []uint16{0xFFFE}, "-2", true},
		{"int16 n/a", PointDef{Type: Int16, Size: 1}, []uint16{0x8000}, "n/a", false},
		{"uint16 n/a", PointDef{Type: Uint16, Size: 1}, []uint16{0xFFFF}, "n/a", false},
		{"count", PointDef{Type: Count, Size: 1}, []uint16{3}, "3", true},
		{"acc16", PointDef{Type: Acc16, Size: 1, Units: "Wh"}, []uint16{7}, "7 Wh", true},
		{"acc16 n/a", PointDef{Type: Acc16, Size: 1}, []uint16{0}, "n/a", false},
		{"int32", PointDef{Type: Int32, Size: 2}, []uint16{0xFFFF, 0xFFFF}, "-1", true},
		{"uint32 n/a", PointDef{Type: Uint32, Size: 2}, []uint16{0xFFFF, 0xFFFF}, "n/a", false},
		{"acc32 n/a", PointDef{Type: Acc32, Size: 2}, []uint16{0, 0}, "n/a", false},
		{"int64", PointDef{Type: Int64, Size: 4}, []uint16{0, 0, 0, 5}, "5", true},
		{"uint64 n/a", PointDef{Type: Uint64, Size: 4}, []uint16{0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF}, "n/a", false},
		{"acc64", PointDef{Type: Acc64, Size: 4}, []uint16{0, 1, 0, 0}, "4294967296", true},
		{"float32", PointDef{Type: Float32, Size: 2, Units: "V"}, []uint16{0x4366, 0x8000}, "230.5 V", true},
		{"float32 NaN", PointDef{Type: Float32, Size: 2}, []uint16{0x7FC0, 0}, "n/a", false},
		{"float64", PointDef{Type: Float64, Size: 4}, []uint16{0x3FF8, 0, 0, 0}, "1.5", true},
		{"enum16", PointDef{Type: Enum16, Size: 1, Symbols: []Symbol{{"ON", 1}}}, []uint16{1}, "ON", true},
		{"enum16 unnamed", PointDef{Type: Enum16, Size: 1, Symbols: []Symbol{{"ON", 1}}}, []uint16{9}, "9", true},
		{"enum32", PointDef{Type: Enum32, Size: 2, Symbols: []Symbol{{"BIG", 70000}}}, []uint16{1, 4464}, "BIG", true},
		{"bitfield16", PointDef{Type: Bitfield16, Size: 1, Symbols: []Symbol{{"A", 0}, {"B", 15}}}, []uint16{0x8003}, "A|bit1|B", true},
		{"bitfield32 n/a", PointDef{Type: Bitfield32, Size: 2}, []uint16{0xFFFF, 0xFFFF}, "n/a", false},
		{"bitfield64", PointDef{Type: Bitfield64, Size: 4, Symbols: []Symbol{{"TOP", 63}}}, []uint16{0x8000, 0, 0, 1}, "bit0|TOP", true},
		{"bitfield64 none", PointDef{Type: Bitfield64, Size: 4}, []uint16{0, 0, 0, 0}, "-", true},
		{"string", PointDef{Type: String, Size: 3}, []uint16{0x4142, 0x4300, 0x4444}, "ABC", true},
		{"sunssf", PointDef{Type: SunSSF, Size: 1}, []uint16{0xFFFD}, "-3", true},
		{"fixed sf", PointDef{Type: Int16, Size: 1, FixedSF: &two, Units: "m"}, []uint16{12}, "1200 m", true},
		{"ipaddr", PointDef{Type: IPAddr, Size: 2}, []uint16{0xC0A8, 0x0107}, "192.168.1.7", true},
		{"ipaddr n/a", PointDef{Type: IPAddr, Size: 2}, []uint16{0, 0}, "n/a", false},
		{"ipv6addr", PointDef{Type: IPv6Addr, Size: 8}, []uint16{0xFE80, 0, 0, 0, 0, 0, 0, 1}, "fe80::1", true},
		{"eui48", PointDef{Type: EUI48, Size: 4}, []uint16{0, 0x0012, 0x3456, 0x789A}, "00:12:34:56:78:9A", true},
		{"eui48 n/a", PointDef{Type: EUI48, Size: 4}, []uint16{0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF}, "n/a", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.def.Name = "X"
			d := &decoder{regs: tt.regs}
			pv := d.point(slot{&tt.def, 0}, "", &values{byName: nil})
			if pv.Value.Display != tt.want || pv.Value.Implemented != tt.impl || pv.Note != "" {
				t.Errorf("got %q implemented %v note %q, want %q %v", pv.Value.Display, pv.Value.Implemented, pv.Note, tt.want, tt.impl)
			}
		})
	}
}
