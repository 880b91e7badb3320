package gateway

import (
	"strings"
	"testing"

	"github.com/busprobe/busprobe/profiles"
)

func TestEdgeXAndHAPointMapping(t *testing.T) {
	bit := 3
	tests := []struct {
		name                      string
		pt                        profiles.Point
		vt, raw                   string
		byteSwap, wordSwap        bool
		addr                      any
		edgexSkip, haType, haSwap string
		haSkip                    string
	}{
		{name: "f32", pt: profiles.Point{Table: profiles.TableInput, Address: 70, Type: profiles.TypeF32, Scale: 1},
			vt: "Float32", addr: 70, haType: "float32"},
		{name: "i16 scaled", pt: profiles.Point{Table: profiles.TableHolding, Address: 5, Type: profiles.TypeI16, Scale: 0.1},
			vt: "Float32", raw: "Int16", addr: 5, haType: "int16"},
		{name: "u32 dcba", pt: profiles.Point{Table: profiles.TableHolding, Address: 8, Type: profiles.TypeU32, Scale: 1, ByteOrder: profiles.DCBA},
			vt: "Uint32", byteSwap: true, wordSwap: true, addr: 8, haType: "uint32", haSwap: "word_byte"},
		{name: "u16 cdab is plain", pt: profiles.Point{Table: profiles.TableHolding, Address: 1, Type: profiles.TypeU16, Scale: 1, ByteOrder: profiles.CDAB},
			vt: "Uint16", addr: 1, haType: "uint16"},
		{name: "bool bit", pt: profiles.Point{Table: profiles.TableHolding, Address: 10, Type: profiles.TypeBool, Bit: &bit},
			vt: "Bool", addr: 10.03, haSkip: "bool in a register"},
		{name: "u32 scaled", pt: profiles.Point{Table: profiles.TableHolding, Address: 2, Type: profiles.TypeU32, Scale: 0.01},
			edgexSkip: "converts only Int16", haType: "uint32"},
		{name: "bcd", pt: profiles.Point{Table: profiles.TableHolding, Type: profiles.TypeBCD16, Scale: 1},
			edgexSkip: "no EdgeX equivalent", haSkip: "no Home Assistant equivalent"},
		{name: "i64 cdab", pt: profiles.Point{Table: profiles.TableHolding, Type: profiles.TypeI64, Scale: 1, ByteOrder: profiles.CDAB},
			edgexSkip: "EdgeX swaps 32-bit values only", haType: "int64", haSwap: "word"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, why := edgexResource(tc.pt)
			switch {
			case tc.edgexSkip != "":
				if !strings.Contains(why, tc.edgexSkip) {
					t.Errorf("edgex skip = %q, want %q", why, tc.edgexSkip)
				}
			case why != "":
				t.Errorf("edgex skipped: %s", why)
			case r.Properties.ValueType != tc.vt || r.Attributes.RawType != tc.raw || r.Attributes.IsByteSwap != tc.byteSwap ||
				r.Attributes.IsWordSwap != tc.wordSwap || r.Attributes.StartingAddress != tc.addr:
				t.Errorf("edgex = %+v", r)
			}
			s, why := haSensor(tc.pt)
			switch {
			case tc.haSkip != "":
				if !strings.Contains(why, tc.haSkip) {
					t.Errorf("ha skip = %q, want %q", why, tc.haSkip)
				}
			case why != "":
				t.Errorf("ha skipped: %s", why)
			case s.DataType != tc.haType || s.Swap != tc.haSwap:
				t.Errorf("ha = %+v", s)
			}
		})
	}
}
