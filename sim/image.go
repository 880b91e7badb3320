package sim

import (
	"math"
	"time"

	"github.com/busprobe/busprobe/protocols/modbus"
)

// regCell is one defined register.
type regCell struct {
	value    uint16
	readOnly bool
	wave     *Wave
	word     int       // which word of a 2-word wave (0 high, 1 low), or of gen's registers
	gen      *pointGen // a profile point's generated value (nil: value or wave)
}

// bitCell is one defined coil or discrete input.
type bitCell struct {
	value    bool
	readOnly bool
	toggle   time.Duration
}

// image is a device's register image: sparse maps of defined addresses.
// An address absent from its map is a hole (exception 02).
type image struct {
	coils, discrete map[uint16]*bitCell
	input, holding  map[uint16]*regCell
	protect         modbus.ExceptionCode
}

// newImage builds the image of a validated device description. With a
// profile device, the profile's cells come first and the description's
// blocks replace them address by address; the description's holes apply last.
func newImage(cfg *DeviceConfig, pd *profileDevice) *image {
	im := &image{
		coils:    bitMap(cfg.Coils),
		discrete: bitMap(cfg.DiscreteInputs),
		input:    regMap(cfg.InputRegisters),
		holding:  regMap(cfg.HoldingRegisters),
		protect:  modbus.ExIllegalDataAddress,
	}
	if pd != nil {
		im.coils = overlay(pd.coils, im.coils)
		im.discrete = overlay(pd.discrete, im.discrete)
		im.input = overlay(pd.input, im.input)
		im.holding = overlay(pd.holding, im.holding)
	}
	if cfg.ProtectException == 4 {
		im.protect = modbus.ExServerDeviceFailure
	}
	for _, h := range cfg.Holes {
		for a := h.Address; a < h.Address+max(h.Count, 1) && a <= 0xFFFF; a++ {
			switch h.Table {
			case TableCoils:
				delete(im.coils, uint16(a))
			case TableDiscrete:
				delete(im.discrete, uint16(a))
			case TableInput:
				delete(im.input, uint16(a))
			case TableHolding:
				delete(im.holding, uint16(a))
			}
		}
	}
	return im
}

// overlay puts top's cells over base's and returns base.
func overlay[C any](base, top map[uint16]*C) map[uint16]*C {
	for a, c := range top {
		base[a] = c
	}
	return base
}

func regMap(blocks []RegBlock) map[uint16]*regCell {
	m := map[uint16]*regCell{}
	for _, b := range blocks {
		for i := range b.extent() {
			a := b.Address + i
			if a > 0xFFFF {
				break
			}
			c := &regCell{readOnly: b.ReadOnly || b.Wave != nil, wave: b.Wave, word: i}
			if i < len(b.Values) {
				c.value = uint16(b.Values[i])
			}
			m[uint16(a)] = c
		}
	}
	return m
}

func bitMap(blocks []BitBlock) map[uint16]*bitCell {
	m := map[uint16]*bitCell{}
	for _, b := range blocks {
		for i := range max(b.Count, len(b.Values)) {
			a := b.Address + i
			if a > 0xFFFF {
				break
			}
			c := &bitCell{readOnly: b.ReadOnly || b.Toggle > 0, toggle: b.Toggle}
			if i < len(b.Values) {
				c.value = b.Values[i]
			}
			m[uint16(a)] = c
		}
	}
	return m
}

// readRegs reads count registers from addr at device time t; code is 0 on success.
func readRegs(m map[uint16]*regCell, addr, count uint16, t time.Duration) ([]uint16, modbus.ExceptionCode) {
	return readCells(m, addr, count, t)
}

// checkWriteRegs reports whether count registers from addr may be written.
func (im *image) checkWriteRegs(addr uint16, count int) modbus.ExceptionCode {
	if int(addr)+count > 0x10000 {
		return modbus.ExIllegalDataAddress
	}
	for i := range count {
		c, ok := im.holding[addr+uint16(i)]
		if !ok {
			return modbus.ExIllegalDataAddress
		}
		if c.readOnly {
			return im.protect
		}
	}
	return 0
}

// writeRegs stores values from addr; checkWriteRegs must have passed.
func (im *image) writeRegs(addr uint16, values []uint16) {
	for i, v := range values {
		im.holding[addr+uint16(i)].value = v
	}
}

// readBits reads count bits from addr at device time t.
func readBits(m map[uint16]*bitCell, addr, count uint16, t time.Duration) ([]bool, modbus.ExceptionCode) {
	return readCells(m, addr, count, t)
}

// readCells reads count cells (registers or bits) from addr at device time
// t; an address past 65535 or without a cell is exception 02.
func readCells[V any, C interface{ read(time.Duration) V }](m map[uint16]C, addr, count uint16, t time.Duration) ([]V, modbus.ExceptionCode) {
	if int(addr)+int(count) > 0x10000 {
		return nil, modbus.ExIllegalDataAddress
	}
	out := make([]V, count)
	for i := range out {
		c, ok := m[addr+uint16(i)]
		if !ok {
			return nil, modbus.ExIllegalDataAddress
		}
		out[i] = c.read(t)
	}
	return out, 0
}

// writeBits checks and writes coils from addr.
func (im *image) writeBits(addr uint16, bits []bool) modbus.ExceptionCode {
	if int(addr)+len(bits) > 0x10000 {
		return modbus.ExIllegalDataAddress
	}
	for i := range bits {
		c, ok := im.coils[addr+uint16(i)]
		if !ok {
			return modbus.ExIllegalDataAddress
		}
		if c.readOnly {
			return im.protect
		}
	}
	for i, b := range bits {
		im.coils[addr+uint16(i)].value = b
	}
	return 0
}

// read returns the register's value at device time t.
func (c *regCell) read(t time.Duration) uint16 {
	if c.gen != nil {
		return c.gen.word(t, c.word)
	}
	if c.wave == nil {
		return c.value
	}
	v := uint32(c.wave.Value(t))
	if c.wave.words() == 2 && c.word == 0 {
		return uint16(v >> 16)
	}
	return uint16(v)
}

// read returns the bit's value at device time t.
func (c *bitCell) read(t time.Duration) bool {
	if c.toggle <= 0 {
		return c.value
	}
	return c.value != ((t/c.toggle)%2 == 1)
}

// Value returns the wave's value at time t since the device started,
// rounded to an integer (negative values wrap as two's complement when stored).
func (w *Wave) Value(t time.Duration) int64 {
	if w.Period <= 0 {
		return int64(math.Round(w.Offset))
	}
	x := float64(t) / float64(w.Period)
	v := w.Offset
	switch w.Kind {
	case WaveCounter:
		v += w.Step * math.Floor(x)
	case WaveSine:
		v += w.Amplitude * math.Sin(2*math.Pi*x)
	case WaveRamp:
		v += w.Amplitude * (x - math.Floor(x))
	}
	return int64(math.Round(v))
}
