package profiles

import (
	"errors"
	"slices"
	"testing"
)

// TestEncodeVectors checks encoding against hand-computed register images.
func TestEncodeVectors(t *testing.T) {
	f32 := func(o ByteOrder) Point {
		return Point{Name: "v", Table: TableHolding, Type: TypeF32, ByteOrder: o, Scale: 1}
	}
	status := Point{Name: "s", Table: TableHolding, Type: TypeBits, Scale: 1, Bits: map[int]string{0: "run", 1: "fault", 3: "alarm"}}
	mode := Point{Name: "m", Table: TableHolding, Type: TypeEnum, Scale: 1, Enum: map[int64]string{0: "off", 1: "on", 2: "auto"}}
	tests := []struct {
		name string
		p    Point
		in   any
		sf   *int
		want []uint16
	}{
		{"f32 ABCD", f32(ABCD), 230.5, nil, []uint16{0x4366, 0x8000}},
		{"f32 CDAB", f32(CDAB), 230.5, nil, []uint16{0x8000, 0x4366}},
		{"f32 BADC", f32(BADC), float32(230.5), nil, []uint16{0x6643, 0x0080}},
		{"f32 DCBA", f32(DCBA), "230.5", nil, []uint16{0x0080, 0x6643}},
		{"u64 CDAB", Point{Type: TypeU64, Table: TableHolding, ByteOrder: CDAB, Scale: 1}, uint64(0x0102030405060708), nil, []uint16{0x0708, 0x0506, 0x0304, 0x0102}},
		{"i64 max", Point{Type: TypeI64, Table: TableHolding, Scale: 1}, int64(9223372036854775807), nil, []uint16{0x7FFF, 0xFFFF, 0xFFFF, 0xFFFF}},
		{"i16 neg", Point{Type: TypeI16, Table: TableHolding, Scale: 1}, -2, nil, []uint16{0xFFFE}},
		{"u16 scale", Point{Type: TypeU16, Table: TableHolding, Scale: 0.1}, 230.5, nil, []uint16{2305}},
		{"i16 scale offset", Point{Type: TypeI16, Table: TableHolding, Scale: 0.1, Offset: -40}, 25, nil, []uint16{650}},
		{"sf", Point{Type: TypeI16, Table: TableHolding, Scale: 1, ScaleFactor: "w_sf"}, 123.45, intp(-2), []uint16{12345}},
		{"bcd16", Point{Type: TypeBCD16, Table: TableHolding, Scale: 1}, 1234, nil, []uint16{0x1234}},
		{"bcd32 CDAB", Point{Type: TypeBCD32, Table: TableHolding, ByteOrder: CDAB, Scale: 1}, 12345678, nil, []uint16{0x5678, 0x1234}},
		{"enum name", mode, "auto", nil, []uint16{2}},
		{"enum name any case", mode, "AUTO", nil, []uint16{2}},
		{"enum number", mode, 7, nil, []uint16{7}},
		{"enum number text", mode, "7", nil, []uint16{7}},
		{"bits names", status, []string{"run", "alarm"}, nil, []uint16{0x0009}},
		{"bits text", status, "fault|bit4", nil, []uint16{0x0012}},
		{"bits none", status, "-", nil, []uint16{0}},
		{"bits number", status, 3, nil, []uint16{3}},
		{"string packed", Point{Type: TypeString, Table: TableHolding, Length: 4}, "SDM630", nil, []uint16{0x5344, 0x4D36, 0x3330, 0}},
		{"string swapped", Point{Type: TypeString, Table: TableHolding, Length: 4, StringOrder: StringSwapped}, "SDM630", nil, []uint16{0x4453, 0x364D, 0x3033, 0}},
		{"bool bit", Point{Type: TypeBool, Table: TableHolding, Bit: intp(3)}, true, nil, []uint16{0x0008}},
		{"bool bit BADC", Point{Type: TypeBool, Table: TableHolding, Bit: intp(3), ByteOrder: BADC}, "on", nil, []uint16{0x0800}},
		{"bool register", Point{Type: TypeBool, Table: TableHolding}, 1, nil, []uint16{1}},
		{"not implemented", Point{Type: TypeI16, Table: TableHolding, Scale: 1, SunSpec: true}, Value{Implemented: false}, nil, []uint16{0x8000}},
		{"not implemented f32", Point{Type: TypeF32, Table: TableHolding, Scale: 1, SunSpec: true}, Value{Implemented: false}, nil, []uint16{0x7FC0, 0}},
		{"sunssf", Point{Type: TypeSunSSF, Table: TableHolding, Scale: 1}, -3, nil, []uint16{0xFFFD}},
		{"acc32", Point{Type: TypeAcc32, Table: TableHolding, Scale: 1}, uint32(70000), nil, []uint16{1, 4464}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.p.Encode(tt.in, tt.sf)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Encode(%v) = %04x, want %04x", tt.in, got, tt.want)
			}
		})
	}
}

// TestEncodeErrors checks that out-of-range and ill-typed values fail
// with an EncodeError.
func TestEncodeErrors(t *testing.T) {
	mode := Point{Name: "m", Table: TableHolding, Type: TypeEnum, Scale: 1, Enum: map[int64]string{0: "off"}}
	tests := []struct {
		name string
		p    Point
		in   any
		sf   *int
		want string
	}{
		{"u16 range", Point{Name: "a", Type: TypeU16, Table: TableHolding, Scale: 1}, 70000, nil, "encode a: 70000 out of range 0..65535"},
		{"u16 negative", Point{Name: "a", Type: TypeU16, Table: TableHolding, Scale: 1}, -1, nil, "encode a: -1 out of range 0..65535"},
		{"i16 range", Point{Name: "a", Type: TypeI16, Table: TableHolding, Scale: 1}, 40000, nil, "encode a: 40000 out of range -32768..32767"},
		{"scaled range", Point{Name: "a", Type: TypeU16, Table: TableHolding, Scale: 0.1}, 6553.6, nil, "encode a: 65536 out of range 0..65535"},
		{"bcd range", Point{Name: "a", Type: TypeBCD16, Table: TableHolding, Scale: 1}, 10000, nil, "encode a: 10000 out of BCD range 0..9999"},
		{"string long", Point{Name: "a", Type: TypeString, Table: TableHolding, Length: 1}, "abc", nil, "encode a: string of 3 characters does not fit 1 registers (2 characters)"},
		{"string unicode", Point{Name: "a", Type: TypeString, Table: TableHolding, Length: 2}, "€", nil, "encode a: character '€' is not ASCII or Latin-1"},
		{"string type", Point{Name: "a", Type: TypeString, Table: TableHolding, Length: 2}, 5, nil, "encode a: want a string, got int"},
		{"enum unknown", mode, "auto", nil, `encode m: unknown enum value "auto"`},
		{"bits unknown", Point{Name: "b", Type: TypeBits, Table: TableHolding}, []string{"x"}, nil, `encode b: unknown bit "x"`},
		{"no sf", Point{Name: "a", Type: TypeU16, Table: TableHolding, Scale: 1, ScaleFactor: "a_sf"}, 1.5, nil, "encode a: scale factor a_sf not given"},
		{"no sentinel", Point{Name: "a", Type: TypeU16, Table: TableHolding, Scale: 1}, Value{}, nil, "encode a: value is not implemented and the point has no not_implemented sentinel"},
		{"bool", Point{Name: "a", Type: TypeBool, Table: TableHolding}, "maybe", nil, "encode a: want on/off, true/false or 0/1, got maybe"},
		{"not a number", Point{Name: "a", Type: TypeF32, Table: TableHolding, Scale: 1}, "abc", nil, `encode a: "abc" is not a number`},
		{"f32 range", Point{Name: "a", Type: TypeF32, Table: TableHolding, Scale: 1}, 1e40, nil, "encode a: 1e+40 out of float32 range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.p.Encode(tt.in, tt.sf)
			var ee *EncodeError
			if !errors.As(err, &ee) || err.Error() != tt.want {
				t.Errorf("error %v, want EncodeError %q", err, tt.want)
			}
		})
	}
}

// A number typed as text encodes as the number, whatever the point's type.
func TestEncodeNumberText(t *testing.T) {
	tests := []struct {
		typ  Type
		text string
		want []uint16
	}{
		{TypeF32, "1500", []uint16{0x44BB, 0x8000}},
		{TypeF32, " 230.5 ", []uint16{0x4366, 0x8000}},
		{TypeF64, "1", []uint16{0x3FF0, 0, 0, 0}},
		{TypeU16, "1500", []uint16{1500}},
		{TypeI32, "-2", []uint16{0xFFFF, 0xFFFE}},
		{TypeU16, "0x10", []uint16{16}},
	}
	for _, tc := range tests {
		p := &Point{Name: "x", Table: TableHolding, Type: tc.typ, ByteOrder: ABCD, Scale: 1, Access: AccessReadWrite}
		got, err := p.Encode(tc.text, nil)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%s %q: % X, %v; want % X", tc.typ, tc.text, got, err, tc.want)
		}
	}
}
