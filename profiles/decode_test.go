package profiles

import (
	"errors"
	"math"
	"slices"
	"testing"
)

// intp returns a pointer to n.
func intp(n int) *int { return &n }

// u64p returns a pointer to n.
func u64p(n uint64) *uint64 { return &n }

// TestDecodeVectors checks decoding against hand-computed register images.
func TestDecodeVectors(t *testing.T) {
	f32 := func(o ByteOrder) Point {
		return Point{Name: "v", Table: TableInput, Type: TypeF32, ByteOrder: o, Scale: 1, Unit: "V"}
	}
	u64 := func(o ByteOrder) Point {
		return Point{Name: "e", Table: TableInput, Type: TypeU64, ByteOrder: o, Scale: 1}
	}
	status := Point{Name: "s", Table: TableHolding, Type: TypeBits, Scale: 1, Bits: map[int]string{0: "run", 1: "fault", 3: "alarm"}}
	mode := Point{Name: "m", Table: TableHolding, Type: TypeEnum, Scale: 1, Enum: map[int64]string{0: "off", 1: "on", 2: "auto"}}
	tests := []struct {
		name    string
		p       Point
		regs    []uint16
		sf      *int
		display string
		number  float64
		impl    bool
	}{
		{"f32 ABCD", f32(ABCD), []uint16{0x4366, 0x8000}, nil, "230.5 V", 230.5, true},
		{"f32 CDAB", f32(CDAB), []uint16{0x8000, 0x4366}, nil, "230.5 V", 230.5, true},
		{"f32 BADC", f32(BADC), []uint16{0x6643, 0x0080}, nil, "230.5 V", 230.5, true},
		{"f32 DCBA", f32(DCBA), []uint16{0x0080, 0x6643}, nil, "230.5 V", 230.5, true},
		{"u64 ABCD", u64(ABCD), []uint16{0x0102, 0x0304, 0x0506, 0x0708}, nil, "72623859790382856", 0x0102030405060708, true},
		{"u64 CDAB", u64(CDAB), []uint16{0x0708, 0x0506, 0x0304, 0x0102}, nil, "72623859790382856", 0x0102030405060708, true},
		{"u64 BADC", u64(BADC), []uint16{0x0201, 0x0403, 0x0605, 0x0807}, nil, "72623859790382856", 0x0102030405060708, true},
		{"u64 DCBA", u64(DCBA), []uint16{0x0807, 0x0605, 0x0403, 0x0201}, nil, "72623859790382856", 0x0102030405060708, true},
		{"u16 BADC", Point{Type: TypeU16, Table: TableHolding, ByteOrder: BADC, Scale: 1}, []uint16{0x3412}, nil, "4660", 0x1234, true},
		{"u16 CDAB is ABCD", Point{Type: TypeU16, Table: TableHolding, ByteOrder: CDAB, Scale: 1}, []uint16{0x1234}, nil, "4660", 0x1234, true},
		{"i16", Point{Type: TypeI16, Table: TableHolding, Scale: 1}, []uint16{0xFFFF}, nil, "-1", -1, true},
		{"i32", Point{Type: TypeI32, Table: TableHolding, Scale: 1}, []uint16{0xFFFF, 0xFFFE}, nil, "-2", -2, true},
		{"i64 CDAB", Point{Type: TypeI64, Table: TableHolding, ByteOrder: CDAB, Scale: 1}, []uint16{0xFFFD, 0xFFFF, 0xFFFF, 0xFFFF}, nil, "-3", -3, true},
		{"f64", Point{Type: TypeF64, Table: TableHolding, Scale: 1}, []uint16{0x406C, 0xD000, 0, 0}, nil, "230.5", 230.5, true},
		{"u16 scale", Point{Type: TypeU16, Table: TableHolding, Scale: 0.1, Unit: "V"}, []uint16{2305}, nil, "230.5 V", 230.5, true},
		{"i16 scale offset", Point{Type: TypeI16, Table: TableHolding, Scale: 0.1, Offset: -40, Unit: "degC"}, []uint16{650}, nil, "25.0 degC", 25, true},
		{"u32 scale 10", Point{Type: TypeU32, Table: TableHolding, Scale: 10}, []uint16{0, 5}, nil, "50", 50, true},
		{"bcd16", Point{Type: TypeBCD16, Table: TableHolding, Scale: 1}, []uint16{0x1234}, nil, "1234", 1234, true},
		{"bcd32", Point{Type: TypeBCD32, Table: TableHolding, Scale: 1}, []uint16{0x1234, 0x5678}, nil, "12345678", 12345678, true},
		{"sunssf", Point{Type: TypeSunSSF, Table: TableHolding, Scale: 1}, []uint16{0xFFFE}, nil, "-2", -2, true},
		{"sunssf n/a", Point{Type: TypeSunSSF, Table: TableHolding, Scale: 1}, []uint16{0x8000}, nil, "n/a", math.NaN(), false},
		{"sf", Point{Type: TypeI16, Table: TableHolding, Scale: 1, ScaleFactor: "w_sf", Unit: "W"}, []uint16{12345}, intp(-2), "123.45 W", 123.45, true},
		{"sf positive", Point{Type: TypeU16, Table: TableHolding, Scale: 1, ScaleFactor: "w_sf", Unit: "W"}, []uint16{12}, intp(3), "12000 W", 12000, true},
		{"acc32", Point{Type: TypeAcc32, Table: TableHolding, Scale: 1, Unit: "Wh"}, []uint16{0, 1000}, nil, "1000 Wh", 1000, true},
		{"acc32 n/a", Point{Type: TypeAcc32, Table: TableHolding, Scale: 1}, []uint16{0, 0}, nil, "n/a", math.NaN(), false},
		{"u16 sunspec n/a", Point{Type: TypeU16, Table: TableHolding, Scale: 1, SunSpec: true}, []uint16{0xFFFF}, nil, "n/a", math.NaN(), false},
		{"i16 sunspec n/a", Point{Type: TypeI16, Table: TableHolding, Scale: 1, SunSpec: true}, []uint16{0x8000}, nil, "n/a", math.NaN(), false},
		{"i32 sunspec n/a", Point{Type: TypeI32, Table: TableHolding, Scale: 1, SunSpec: true}, []uint16{0x8000, 0}, nil, "n/a", math.NaN(), false},
		{"f32 sunspec NaN", Point{Type: TypeF32, Table: TableHolding, Scale: 1, SunSpec: true}, []uint16{0x7FC0, 0}, nil, "n/a", math.NaN(), false},
		{"u16 explicit sentinel", Point{Type: TypeU16, Table: TableHolding, Scale: 1, NotImplemented: u64p(0x7FFF)}, []uint16{0x7FFF}, nil, "n/a", math.NaN(), false},
		{"u16 no sentinel", Point{Type: TypeU16, Table: TableHolding, Scale: 1}, []uint16{0xFFFF}, nil, "65535", 65535, true},
		{"bits", status, []uint16{0x000B}, nil, "run|fault|alarm", 11, true},
		{"bits unnamed", status, []uint16{0x0010}, nil, "bit4", 16, true},
		{"bits none", status, []uint16{0}, nil, "-", 0, true},
		{"enum", mode, []uint16{2}, nil, "auto", 2, true},
		{"enum unknown", mode, []uint16{7}, nil, "7", 7, true},
		{"enum on i16", Point{Type: TypeI16, Table: TableHolding, Scale: 1, Enum: map[int64]string{-1: "error"}}, []uint16{0xFFFF}, nil, "error", -1, true},
		{"bool bit", Point{Type: TypeBool, Table: TableHolding, Bit: intp(1)}, []uint16{0x0002}, nil, "on", 0, true},
		{"bool bit clear", Point{Type: TypeBool, Table: TableHolding, Bit: intp(0)}, []uint16{0x0002}, nil, "off", 0, true},
		{"bool bit BADC", Point{Type: TypeBool, Table: TableHolding, Bit: intp(9), ByteOrder: BADC}, []uint16{0x0002}, nil, "on", 0, true},
		{"bool register", Point{Type: TypeBool, Table: TableHolding}, []uint16{0x0100}, nil, "on", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := tt.p.Decode(tt.regs, tt.sf)
			if err != nil {
				t.Fatal(err)
			}
			if v.Display != tt.display || v.Implemented != tt.impl {
				t.Errorf("display %q implemented %v, want %q %v", v.Display, v.Implemented, tt.display, tt.impl)
			}
			if v.Kind == KindNumber && tt.impl && v.Number != tt.number {
				t.Errorf("number %v, want %v", v.Number, tt.number)
			}
			if !slices.Equal(v.Raw, tt.regs) {
				t.Errorf("raw %x, want %x", v.Raw, tt.regs)
			}
		})
	}
}

// TestDecodeStrings covers packed and swapped strings and trimming.
func TestDecodeStrings(t *testing.T) {
	tests := []struct {
		order StringOrder
		regs  []uint16
		want  string
	}{
		{StringPacked, []uint16{0x5344, 0x4D36, 0x3330, 0x0000}, "SDM630"},
		{StringSwapped, []uint16{0x4453, 0x364D, 0x3033, 0x0000}, "SDM630"},
		{StringPacked, []uint16{0x2041, 0x4220, 0x2020, 0x2020}, "AB"},
		{StringPacked, []uint16{0x4142, 0x0043, 0x4445, 0x4647}, "AB"},
		{StringPacked, []uint16{0x0000, 0x0000, 0x0000, 0x0000}, ""},
		{StringPacked, []uint16{0xC4E9, 0x0000, 0x0000, 0x0000}, "Äé"},
	}
	for _, tt := range tests {
		p := Point{Name: "s", Table: TableHolding, Type: TypeString, Length: 4, StringOrder: tt.order}
		v, err := p.Decode(tt.regs, nil)
		if err != nil || v.Text != tt.want || v.Kind != KindText {
			t.Errorf("Decode(%x, %s) = %q %v, want %q", tt.regs, tt.order, v.Text, err, tt.want)
		}
	}
}

// TestDecodeErrors checks the typed errors of Decode and DecodeBits.
func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		p    Point
		regs []uint16
		sf   *int
		want string
	}{
		{"short", Point{Name: "a", Type: TypeU32, Table: TableHolding, Scale: 1}, []uint16{1}, nil, "decode a: need 2 registers, got 1"},
		{"long", Point{Name: "a", Type: TypeU16, Table: TableHolding, Scale: 1}, []uint16{1, 2}, nil, "decode a: need 1 registers, got 2"},
		{"bcd nibble", Point{Name: "a", Type: TypeBCD16, Table: TableHolding, Scale: 1}, []uint16{0x12A4}, nil, "decode a: invalid BCD digit 0xA in 0x12A4"},
		{"no sf", Point{Name: "a", Type: TypeU16, Table: TableHolding, Scale: 1, ScaleFactor: "a_sf"}, []uint16{1}, nil, "decode a: scale factor a_sf not given"},
		{"coil", Point{Name: "a", Type: TypeBool, Table: TableCoil}, []uint16{1}, nil, "decode a: a coil point decodes from bits (DecodeBits), not registers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.p.Decode(tt.regs, tt.sf)
			var de *DecodeError
			if !errors.As(err, &de) || err.Error() != tt.want {
				t.Errorf("error %v, want DecodeError %q", err, tt.want)
			}
		})
	}
	hold := Point{Name: "h", Type: TypeU16, Table: TableHolding}
	if _, err := hold.DecodeBits([]bool{true}); err == nil {
		t.Errorf("DecodeBits on a holding point: no error")
	}
}

// TestBitPoints covers coils and discrete inputs.
func TestBitPoints(t *testing.T) {
	for _, table := range []Table{TableCoil, TableDiscrete} {
		p := Point{Name: "c", Table: table, Type: TypeBool}
		for _, b := range []bool{false, true} {
			v, err := p.DecodeBits([]bool{b})
			if err != nil || v.Bool != b || v.Kind != KindBool || v.Any() != b {
				t.Errorf("%s DecodeBits(%v) = %+v %v", table, b, v, err)
			}
			bits, err := p.EncodeBits(v)
			if err != nil || len(bits) != 1 || bits[0] != b {
				t.Errorf("%s EncodeBits(%v) = %v %v", table, b, bits, err)
			}
		}
		if _, err := p.DecodeBits([]bool{true, false}); err == nil {
			t.Errorf("DecodeBits of two bits: no error")
		}
		if _, err := p.Encode(true, nil); err == nil {
			t.Errorf("Encode on a %s point: no error", table)
		}
	}
	p := Point{Name: "c", Table: TableCoil, Type: TypeBool}
	for in, want := range map[any]bool{"on": true, "OFF": false, 1: true, 0.0: false, "true": true} {
		if got, err := p.EncodeBits(in); err != nil || got[0] != want {
			t.Errorf("EncodeBits(%v) = %v %v", in, got, err)
		}
	}
	if _, err := p.EncodeBits(2); err == nil {
		t.Errorf("EncodeBits(2): no error")
	}
}
