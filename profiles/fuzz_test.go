package profiles

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/busprobe/busprobe/profiles/library"
)

// fuzzPoint builds a register point from fuzzer bytes.
func fuzzPoint(typ, order, length, bit, flags uint8) Point {
	types := allTypes()
	p := Point{
		Name:        "f",
		Table:       TableHolding,
		Type:        types[int(typ)%len(types)],
		ByteOrder:   ByteOrder(order % 4),
		Scale:       1,
		StringOrder: StringOrder(flags & 1),
		SunSpec:     flags&2 != 0,
	}
	switch p.Type {
	case TypeString:
		p.Length = 1 + int(length)%8
	case TypeBits:
		p.Length = 1 + int(length)%2
		p.Bits = map[int]string{int(bit) % 32: "named"}
	case TypeBool:
		if flags&4 != 0 {
			b := int(bit) % 16
			p.Bit = &b
		}
	case TypeEnum:
		p.Enum = map[int64]string{int64(bit): "named"}
	}
	if flags&8 != 0 && p.Type.IsNumeric() {
		p.Scale, p.Offset = 0.1, -3
	}
	if flags&16 != 0 && p.Type.IsNumeric() {
		p.ScaleFactor = "sf"
	}
	if flags&32 != 0 && p.Type != TypeString && p.Type != TypeBool {
		s := uint64(bit)
		p.NotImplemented = &s
	}
	return p
}

// FuzzDecode decodes random registers as random points: it must never
// panic, and integer values must re-encode to the same registers.
func FuzzDecode(f *testing.F) {
	f.Add(uint8(6), uint8(1), uint8(0), uint8(0), uint8(0), int8(0), []byte{0x43, 0x66, 0x80, 0x00})
	f.Add(uint8(8), uint8(0), uint8(3), uint8(0), uint8(1), int8(0), []byte("SDM630\x00\x00"))
	f.Add(uint8(11), uint8(2), uint8(0), uint8(0), uint8(16), int8(-2), []byte{0x12, 0xA4})
	f.Add(uint8(15), uint8(3), uint8(0), uint8(0), uint8(2), int8(0), []byte{0x80, 0x00})
	f.Fuzz(func(t *testing.T, typ, order, length, bit, flags uint8, sf int8, data []byte) {
		p := fuzzPoint(typ, order, length, bit, flags)
		regs := make([]uint16, len(data)/2)
		for i := range regs {
			regs[i] = uint16(data[2*i])<<8 | uint16(data[2*i+1])
		}
		s := int(sf) % 20
		v, err := p.Decode(regs, &s)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %T %v, want *DecodeError", err, err)
			}
			return
		}
		_ = v.Any()
		if !p.Type.IsInteger() {
			return
		}
		back, err := p.Encode(v, &s)
		if err != nil || !slices.Equal(back, regs) {
			t.Fatalf("%s %s: Encode(Decode(%04x)) = %04x, %v", p.Type, p.ByteOrder, regs, back, err)
		}
	})
}

// FuzzLoad loads random YAML: it must never panic, and every error must
// carry a position.
func FuzzLoad(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*/*.yaml")
	for _, s := range seeds {
		if data, err := os.ReadFile(s); err == nil {
			f.Add(data)
		}
	}
	if names, err := fs.Glob(library.FS, "*.yaml"); err == nil {
		for _, n := range names {
			if data, err := fs.ReadFile(library.FS, n); err == nil {
				f.Add(data)
			}
		}
	}
	f.Add([]byte("a: &a [*a, *a]\nb: *a\n"))
	f.Add([]byte("points: [{name: a, address: *x, type: !!str u16}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Load("f.yaml", data)
		if err == nil {
			if p == nil || p.ID == "" {
				t.Fatalf("no error and no profile")
			}
			return
		}
		var ves ValidationErrors
		if !errors.As(err, &ves) || len(ves) == 0 {
			t.Fatalf("error %T %v, want ValidationErrors", err, err)
		}
		for _, e := range ves {
			if e.Line < 1 || e.Column < 1 || e.File != "f.yaml" || e.Msg == "" {
				t.Fatalf("error without position: %#v", e)
			}
		}
	})
}
