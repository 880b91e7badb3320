package probes

import (
	"context"
	"fmt"

	"github.com/busprobe/busprobe/profiles"
	"github.com/busprobe/busprobe/protocols/modbus"
)

type idRegKey struct {
	table   profiles.Table
	address uint16
	count   int
}

type idRegRead struct {
	regs []uint16
	bits []bool
	err  error
}

// idReader caches reads, so that profiles sharing fingerprint addresses
// (the energy meters do) cost one request.
type idReader struct {
	ctx  context.Context
	c    *modbus.Client
	unit byte
	regs map[idRegKey]idRegRead
	n    int
}

func (id *idReader) raw(t profiles.Table, addr uint16, count int) idRegRead {
	k := idRegKey{t, addr, count}
	if r, ok := id.regs[k]; ok {
		return r
	}
	var r idRegRead
	id.n++
	switch t {
	case profiles.TableHolding:
		r.regs, r.err = id.c.ReadHoldingRegisters(id.ctx, id.unit, addr, uint16(count))
	case profiles.TableInput:
		r.regs, r.err = id.c.ReadInputRegisters(id.ctx, id.unit, addr, uint16(count))
	case profiles.TableCoil:
		r.bits, r.err = id.c.ReadCoils(id.ctx, id.unit, addr, uint16(count))
	case profiles.TableDiscrete:
		r.bits, r.err = id.c.ReadDiscreteInputs(id.ctx, id.unit, addr, uint16(count))
	default:
		r.err = fmt.Errorf("table %v cannot be read", t)
	}
	if !idFatal(id.ctx, r.err) {
		id.regs[k] = r
	}
	return r
}

func (id *idReader) read(t profiles.Table, addr uint16, count int) ([]uint16, error) {
	r := id.raw(t, addr, count)
	return r.regs, r.err
}

// decode reads and decodes one point (with its scale-factor point).
func (id *idReader) decode(p *profiles.Profile, pt *profiles.Point) (profiles.Value, error) {
	if int(pt.Address)+pt.Size() > 65536 {
		return profiles.Value{}, fmt.Errorf("point beyond the address space")
	}
	r := id.raw(pt.Table, pt.Address, pt.Size())
	if r.err != nil {
		return profiles.Value{}, r.err
	}
	if pt.Table.IsBit() {
		return pt.DecodeBits(r.bits)
	}
	var sf *int
	if pt.ScaleFactor != "" {
		sp, ok := p.Point(pt.ScaleFactor)
		if !ok {
			return profiles.Value{}, fmt.Errorf("scale factor %s missing", pt.ScaleFactor)
		}
		sv, err := id.decode(p, sp)
		if err != nil {
			return profiles.Value{}, fmt.Errorf("scale factor %s: %w", sp.Name, err)
		}
		v := int(sv.Int)
		sf = &v
	}
	return pt.Decode(r.regs, sf)
}
