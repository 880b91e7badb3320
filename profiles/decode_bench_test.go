package profiles

import "testing"

// benchDecodeCases is a mix of the point shapes a poll decodes: floats,
// plain and scaled integers, strings, enums and bit fields, in all four
// byte orders.
func benchDecodeCases() []struct {
	p    Point
	regs []uint16
} {
	return []struct {
		p    Point
		regs []uint16
	}{
		{Point{Name: "v_abcd", Table: TableInput, Type: TypeF32, ByteOrder: ABCD, Scale: 1, Unit: "V"}, []uint16{0x4366, 0x8000}},
		{Point{Name: "v_cdab", Table: TableInput, Type: TypeF32, ByteOrder: CDAB, Scale: 1, Unit: "V"}, []uint16{0x8000, 0x4366}},
		{Point{Name: "v_badc", Table: TableInput, Type: TypeF32, ByteOrder: BADC, Scale: 1}, []uint16{0x6643, 0x0080}},
		{Point{Name: "v_dcba", Table: TableInput, Type: TypeF32, ByteOrder: DCBA, Scale: 1, Unit: "Hz"}, []uint16{0x0080, 0x6643}},
		{Point{Name: "count", Table: TableHolding, Type: TypeU16, Scale: 1}, []uint16{4660}},
		{Point{Name: "volt", Table: TableHolding, Type: TypeU16, Scale: 0.1, Unit: "V"}, []uint16{2305}},
		{Point{Name: "pwr", Table: TableHolding, Type: TypeI32, ByteOrder: CDAB, Scale: 1, Unit: "W"}, []uint16{0xFFFE, 0xFFFF}},
		{Point{Name: "temp", Table: TableHolding, Type: TypeI32, ByteOrder: DCBA, Scale: 0.1, Offset: -40, Unit: "degC"}, []uint16{0x8A02, 0x0000}},
		{Point{Name: "serial", Table: TableHolding, Type: TypeString, Length: 4}, []uint16{0x4142, 0x4344, 0x2020, 0x0000}},
		{Point{Name: "mode", Table: TableHolding, Type: TypeEnum, Scale: 1, Enum: map[int64]string{0: "off", 1: "on", 2: "auto"}}, []uint16{2}},
		{Point{Name: "status", Table: TableHolding, Type: TypeBits, ByteOrder: BADC, Scale: 1, Bits: map[int]string{0: "run", 1: "fault", 3: "alarm"}}, []uint16{0x0B00}},
		{Point{Name: "flags", Table: TableHolding, Type: TypeBits, Length: 2, ByteOrder: CDAB, Scale: 1, Bits: map[int]string{0: "run"}}, []uint16{0x0000, 0x0000}},
	}
}

// BenchmarkDecode decodes one of each case per iteration.
func BenchmarkDecode(b *testing.B) {
	cases := benchDecodeCases()
	b.ReportAllocs()
	for b.Loop() {
		for i := range cases {
			if _, err := cases[i].p.Decode(cases[i].regs, nil); err != nil {
				b.Fatal(err)
			}
		}
	}
}
