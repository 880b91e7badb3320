package sunspec

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/busprobe/busprobe/protocols/modbus"
)

// EnvTestdata names the folder of the SunSpec Alliance's model JSON used
// by the tests (default ../../../shared/sunspec-models/json, the copy
// beside the repository). Tests that need it are skipped when it is absent.
const envTestdata = "BUSPROBE_SUNSPEC_TESTDATA"

// allianceDir returns the Alliance JSON folder or skips the test.
func allianceDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv(envTestdata)
	if dir == "" {
		dir = "../../../shared/sunspec-models/json"
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		t.Skipf("SunSpec model JSON not found at %s (set %s)", dir, envTestdata)
	}
	return dir
}

// fakeReader serves a sparse register image; absent addresses raise
// exception 02, requests over 125 registers exception 03. fail, when set,
// answers a read at that address with that error.
type fakeReader struct {
	regs  map[uint16]uint16
	fail  map[uint16]error
	reads []string // "addr+count" of every request
}

func (f *fakeReader) ReadHoldingRegisters(_ context.Context, _ byte, addr, count uint16) ([]uint16, error) {
	f.reads = append(f.reads, fmt.Sprintf("%d+%d", addr, count))
	if err, ok := f.fail[addr]; ok {
		return nil, err
	}
	if count == 0 || count > 125 {
		return nil, &modbus.ExceptionError{Function: modbus.FuncReadHoldingRegisters, Code: modbus.ExIllegalDataValue}
	}
	out := make([]uint16, count)
	for i := range out {
		v, ok := f.regs[addr+uint16(i)]
		if !ok {
			return nil, &modbus.ExceptionError{Function: modbus.FuncReadHoldingRegisters, Code: modbus.ExIllegalDataAddress}
		}
		out[i] = v
	}
	return out, nil
}

// image builds a SunSpec register image: the marker at base, then models.
type image struct {
	base uint16
	regs []uint16
}

func newImage(base uint16) *image { return &image{base: base, regs: []uint16{0x5375, 0x6E53}} }

// model appends a model header (id, len(data)) and its data.
func (im *image) model(id uint16, data ...uint16) *image {
	im.regs = append(append(im.regs, id, uint16(len(data))), data...)
	return im
}

// end appends the end marker.
func (im *image) end() *image { im.regs = append(im.regs, 0xFFFF, 0); return im }

// reader returns a fakeReader serving the image.
func (im *image) reader() *fakeReader {
	f := &fakeReader{regs: map[uint16]uint16{}, fail: map[uint16]error{}}
	for i, v := range im.regs {
		f.regs[im.base+uint16(i)] = v
	}
	return f
}

// encode returns the data registers (after ID and L) of a model without
// repeating groups: every point not implemented except those in vals,
// which give each point's registers.
func encode(t *testing.T, def *ModelDef, vals map[string][]uint16) []uint16 {
	t.Helper()
	var out []uint16
	seen := 0
	for _, p := range def.Group.Points[2:] {
		if v, ok := vals[p.Name]; ok {
			if len(v) != p.Size {
				t.Fatalf("encode %s: %d registers, want %d", p.Name, len(v), p.Size)
			}
			out = append(out, v...)
			seen++
			continue
		}
		out = append(out, notImplemented(p.Type, p.Size)...)
	}
	if seen != len(vals) {
		t.Fatalf("encode: %d of %d values used (unknown point name?)", seen, len(vals))
	}
	return out
}

// notImplemented returns a type's not-implemented registers.
func notImplemented(t PointType, size int) []uint16 {
	out := make([]uint16, size)
	switch t {
	case Int16, Int32, Int64, SunSSF, Pad:
		out[0] = 0x8000
	case Uint16, Count, Enum16, Uint32, Enum32, Uint64, Bitfield16, Bitfield32, Bitfield64, Float32, Float64:
		for i := range out {
			out[i] = 0xFFFF
		}
		if t == Float32 || t == Float64 {
			out[0] = 0x7FC0
		}
	}
	return out
}

// str packs s into n registers.
func str(s string, n int) []uint16 {
	out := make([]uint16, n)
	for i := 0; i < len(s) && i < 2*n; i++ {
		out[i/2] |= uint16(s[i]) << (8 * (1 - i%2))
	}
	return out
}

// u32 splits v into two registers, high word first.
func u32(v uint32) []uint16 { return []uint16{uint16(v >> 16), uint16(v)} }

// r1 wraps one register.
func r1(v int) []uint16 { return []uint16{uint16(v)} }
