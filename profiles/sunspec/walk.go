package sunspec

import (
	"context"
	"errors"
	"fmt"

	"github.com/busprobe/busprobe/protocols/modbus"
)

// RegisterReader reads holding registers (function 03); *modbus.Client
// satisfies it.
type RegisterReader interface {
	ReadHoldingRegisters(ctx context.Context, unit byte, addr, count uint16) ([]uint16, error)
}

// The "SunS" marker, and the ID that ends the model chain.
const (
	markerHi = 0x5375 // "Su"
	markerLo = 0x6E53 // "nS"
	endID    = 0xFFFF
)

// Walker defaults.
const (
	DefaultMaxModels = 64  // models before the walk gives up without an end marker
	DefaultMaxRead   = 125 // registers per request (the FC03 limit)
)

// DefaultBases returns the addresses where SunSpec devices put "SunS",
// in the order they are tried: 40000, 50000, 0.
func DefaultBases() []uint16 { return []uint16{40000, 50000, 0} }

// Walker finds a SunSpec map and walks its model chain. The zero Walker
// uses the built-in models and the defaults.
type Walker struct {
	Models    *Models  // definitions; nil means Builtin()
	Bases     []uint16 // where to look for "SunS"; nil means DefaultBases()
	MaxModels int      // 0 means DefaultMaxModels
	MaxRead   int      // registers per request, 1..125; 0 means DefaultMaxRead
}

// Discover finds the SunSpec map of a unit and decodes its models with the
// built-in definitions. It is (&Walker{}).Discover.
func Discover(ctx context.Context, r RegisterReader, unit byte) (*Device, error) {
	return (&Walker{}).Discover(ctx, r, unit)
}

// Discover is Discover with the definitions of m.
func (m *Models) Discover(ctx context.Context, r RegisterReader, unit byte) (*Device, error) {
	return (&Walker{Models: m}).Discover(ctx, r, unit)
}

// Discover finds "SunS" (FindBase), then walks the chain of models from
// base+2: each model's ID and length L, until the end marker 0xFFFF.
// Known models are read and decoded; unknown ones are skipped by their
// length and reported with Known false. Errors are a *NotFoundError, a
// *ChainError, or a *ReadError wrapping the reader's error; an error met
// during the walk comes with the Device holding the models read so far.
func (w *Walker) Discover(ctx context.Context, r RegisterReader, unit byte) (*Device, error) {
	base, err := w.FindBase(ctx, r, unit)
	if err != nil {
		return nil, err
	}
	models := w.Models
	if models == nil {
		models = Builtin()
	}
	dev := &Device{Unit: unit, Base: base}
	addr := int(base) + 2
	for i := 0; ; i++ {
		if addr+2 > 0x10000 {
			return dev, &ChainError{Address: uint16(addr - 2), Msg: "the chain runs past address 65535 without an end marker"}
		}
		hdr, err := w.read(ctx, r, unit, uint16(addr), 2, "model header")
		if err != nil {
			if i > 0 && isException(err, modbus.ExIllegalDataAddress) {
				dev.Notes = append(dev.Notes, fmt.Sprintf("no end marker: reading %d raised exception 02; the chain ends there", addr))
				return dev, nil
			}
			return dev, err
		}
		id, length := hdr[0], hdr[1]
		if id == endID {
			return dev, nil
		}
		if id == 0 && length == 0 {
			dev.Notes = append(dev.Notes, fmt.Sprintf("the chain ends with ID 0, L 0 at %d instead of the end marker 0xFFFF", addr))
			return dev, nil
		}
		if i >= w.maxModels() {
			return dev, &ChainError{Address: uint16(addr), Msg: fmt.Sprintf("more than %d models without an end marker", w.maxModels())}
		}
		if addr+2+int(length) > 0x10000 {
			return dev, &ChainError{Address: uint16(addr), Msg: fmt.Sprintf("model %d with length %d runs past address 65535", id, length)}
		}
		if i == 0 && id != 1 {
			dev.Notes = append(dev.Notes, fmt.Sprintf("the first model is %d, not the common model 1", id))
		}
		m := Model{ID: int(id), Address: uint16(addr), Length: length}
		if def, ok := models.Get(int(id)); ok {
			data, err := w.read(ctx, r, unit, uint16(addr+2), int(length), fmt.Sprintf("model %d data", id))
			if err != nil {
				return dev, err
			}
			m.Known, m.Name, m.Label, m.Source = true, def.Name(), def.Label(), def.Source
			m.Points, m.Notes = DecodeModel(def, m.Address, append(hdr, data...))
		}
		dev.Models = append(dev.Models, m)
		addr += 2 + int(length)
	}
}

// FindBase returns the first base address holding "SunS". A base that
// answers exception 02 (illegal data address), 03 or 04 is passed over,
// as is one holding other values; any other error (a timeout, exception
// 01 or 0B, …) ends the search at once as a *ReadError.
func (w *Walker) FindBase(ctx context.Context, r RegisterReader, unit byte) (uint16, error) {
	bases := w.Bases
	if bases == nil {
		bases = DefaultBases()
	}
	nf := &NotFoundError{Unit: unit, Bases: bases}
	for _, b := range bases {
		if int(b)+4 > 0x10000 {
			nf.Errs = append(nf.Errs, errors.New("too close to 65535"))
			continue
		}
		regs, err := w.read(ctx, r, unit, b, 2, "SunSpec marker")
		if err != nil {
			var ex *modbus.ExceptionError
			if errors.As(err, &ex) && (ex.Code == modbus.ExIllegalDataAddress ||
				ex.Code == modbus.ExIllegalDataValue || ex.Code == modbus.ExServerDeviceFailure) {
				nf.Errs = append(nf.Errs, ex)
				continue
			}
			return 0, err
		}
		if regs[0] == markerHi && regs[1] == markerLo {
			return b, nil
		}
		nf.Errs = append(nf.Errs, fmt.Errorf("found %04X %04X", regs[0], regs[1]))
	}
	return 0, nf
}

// read reads count registers from addr in requests of at most MaxRead.
func (w *Walker) read(ctx context.Context, r RegisterReader, unit byte, addr uint16, count int, what string) ([]uint16, error) {
	step := w.MaxRead
	if step <= 0 || step > DefaultMaxRead {
		step = DefaultMaxRead
	}
	out := make([]uint16, 0, count)
	for done := 0; done < count; {
		n := min(step, count-done)
		a := addr + uint16(done)
		regs, err := r.ReadHoldingRegisters(ctx, unit, a, uint16(n))
		if err == nil && len(regs) != n {
			err = fmt.Errorf("got %d registers, want %d", len(regs), n)
		}
		if err != nil {
			return nil, &ReadError{Unit: unit, Address: a, Count: uint16(n), What: what, Err: err}
		}
		out = append(out, regs...)
		done += n
	}
	return out, nil
}

// maxModels returns the model limit in force.
func (w *Walker) maxModels() int {
	if w.MaxModels > 0 {
		return w.MaxModels
	}
	return DefaultMaxModels
}

// isException reports whether err is a Modbus exception with the code.
func isException(err error, code modbus.ExceptionCode) bool {
	var ex *modbus.ExceptionError
	return errors.As(err, &ex) && ex.Code == code
}
