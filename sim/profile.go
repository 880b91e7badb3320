package sim

import (
	"slices"
	"time"

	"github.com/busprobe/busprobe/profiles"
	"github.com/busprobe/busprobe/protocols/modbus"
)

// profileDevice is the part of a device built from a profile
// (DeviceConfig.Profile). The rules:
//
//   - every point of the profile is served: measured (read-only) points
//     with a generated value (see planPoint) encoded through Point.Encode
//     in the point's type, byte order and scale, so that decoding with the
//     profile gives a value inside the point's range; writable (rw, w)
//     points hold a fixed initial value that writes replace;
//   - registers (or bits) between two points of one table are served as 0
//     when the gap is shorter than the device's request limit, as real
//     meters answer across the unused registers of their map, so that a
//     read planner may read across such gaps; longer gaps stay undefined
//     and raise exception 02, as does everything outside the map;
//   - the profile's holes (device.holes) are removed and raise exception 02;
//     its max_registers and max_bits become the device's limits unless the
//     description sets its own;
//   - the identity answers FC43/14 with the profile's vendor and model (or
//     literal strings matching identify.fc43 when the profile has that
//     rule) and FC17 with "vendor model"; a description's Identity replaces
//     it whole (an Identity without strings makes FC43 raise exception 01);
//   - explicit register and bit blocks of the description replace the
//     profile's cells address by address.
type profileDevice struct {
	prof     *profiles.Profile
	coils    map[uint16]*bitCell
	discrete map[uint16]*bitCell
	input    map[uint16]*regCell
	holding  map[uint16]*regCell
	maxRegs  int
	maxBits  int
}

// newProfileDevice builds the cells of a profile for the device cfg.
func newProfileDevice(prof *profiles.Profile, cfg *DeviceConfig) *profileDevice {
	pd := &profileDevice{
		prof:     prof,
		coils:    map[uint16]*bitCell{},
		discrete: map[uint16]*bitCell{},
		input:    map[uint16]*regCell{},
		holding:  map[uint16]*regCell{},
		maxRegs:  firstPositive(cfg.MaxRegisters, prof.Device.MaxRegisters, modbus.MaxReadRegisters),
		maxBits:  firstPositive(cfg.MaxBits, prof.Device.MaxBits, modbus.MaxReadBits),
	}
	sfs := scaleFactors(prof)
	for i := range prof.Points {
		pt := &prof.Points[i]
		if pt.Table.IsBit() {
			pd.addBit(pt, i)
			continue
		}
		pd.addRegs(pt, i, cfg.Unit, sfs)
	}
	pd.fillGaps()
	for _, h := range prof.Device.Holes {
		for a := int(h.Address); a < int(h.Address)+h.Count && a <= 0xFFFF; a++ {
			if h.Table.IsBit() {
				delete(pd.bits(h.Table), uint16(a))
			} else {
				delete(pd.regs(h.Table), uint16(a))
			}
		}
	}
	return pd
}

// firstPositive returns the first of vs above zero.
func firstPositive(vs ...int) int {
	for _, v := range vs {
		if v > 0 {
			return v
		}
	}
	return 0
}

// regs returns the register map of a table.
func (pd *profileDevice) regs(t profiles.Table) map[uint16]*regCell {
	if t == profiles.TableInput {
		return pd.input
	}
	return pd.holding
}

// bits returns the bit map of a table.
func (pd *profileDevice) bits(t profiles.Table) map[uint16]*bitCell {
	if t == profiles.TableDiscrete {
		return pd.discrete
	}
	return pd.coils
}

// addBit serves a coil or discrete-input point: writable coils hold false,
// read-only bits toggle slowly (inputs that change now and then).
func (pd *profileDevice) addBit(pt *profiles.Point, idx int) {
	c := &bitCell{readOnly: !writable(pt)}
	if c.readOnly {
		c.toggle = time.Duration(30+7*idx) * time.Second
	}
	pd.bits(pt.Table)[pt.Address] = c
}

// addRegs serves a register point: a generator for a measured point, or
// the generated value at time 0 as writable registers for an rw point.
// A bool that is one bit of a register shares the register with others:
// it reads 0 and the first point on the register owns it.
func (pd *profileDevice) addRegs(pt *profiles.Point, idx, unit int, sfs map[string]int) {
	m := pd.regs(pt.Table)
	if _, taken := m[pt.Address]; taken && pt.Type == profiles.TypeBool {
		return
	}
	g := &pointGen{pt: pt, value: planPoint(pd.prof, pt, idx, unit, sfs)}
	if pt.ScaleFactor != "" {
		sf := sfs[pt.ScaleFactor]
		g.sf = &sf
	}
	if pt.Type == profiles.TypeSunSSF {
		sf := sfs[pt.Name]
		g.value = func(time.Duration) any { return int64(sf) }
	}
	n := pt.Size()
	if writable(pt) {
		regs := g.regs(0)
		for i := range n {
			m[pt.Address+uint16(i)] = &regCell{value: regs[i]}
		}
		return
	}
	for i := range n {
		m[pt.Address+uint16(i)] = &regCell{readOnly: true, gen: g, word: i}
	}
}

// writable reports whether a point may be written.
func writable(pt *profiles.Point) bool {
	return pt.Access == profiles.AccessReadWrite || pt.Access == profiles.AccessWrite
}

// fillGaps defines the registers and bits between points of one table as
// read-only zeros when the gap is shorter than the request limit.
func (pd *profileDevice) fillGaps() {
	for _, m := range []map[uint16]*regCell{pd.input, pd.holding} {
		for _, a := range gaps(m, pd.maxRegs) {
			m[a] = &regCell{readOnly: true}
		}
	}
	for _, m := range []map[uint16]*bitCell{pd.coils, pd.discrete} {
		for _, a := range gaps(m, pd.maxBits) {
			m[a] = &bitCell{readOnly: true}
		}
	}
}

// gaps lists the undefined addresses between defined ones where the run
// of undefined addresses is shorter than limit.
func gaps[C any](m map[uint16]*C, limit int) []uint16 {
	addrs := make([]int, 0, len(m))
	for a := range m {
		addrs = append(addrs, int(a))
	}
	slices.Sort(addrs)
	var out []uint16
	for i := 1; i < len(addrs); i++ {
		if gap := addrs[i] - addrs[i-1] - 1; gap > 0 && gap < limit {
			for a := addrs[i-1] + 1; a < addrs[i]; a++ {
				out = append(out, uint16(a))
			}
		}
	}
	return out
}

// merged returns the description with the profile's limits and identity
// filled in where the description leaves them unset.
func (pd *profileDevice) merged(cfg *DeviceConfig) *DeviceConfig {
	c := *cfg
	c.MaxRegisters, c.MaxBits = pd.maxRegs, pd.maxBits
	if c.Name == "" {
		c.Name = pd.prof.Vendor + " " + pd.prof.Model
	}
	if c.Identity == nil {
		c.Identity = profileIdentity(pd.prof, cfg.Unit)
	}
	return &c
}

// pointGen produces a profile point's registers at a device time.
type pointGen struct {
	pt    *profiles.Point
	sf    *int // the value of the point's scale factor, if it has one
	value func(t time.Duration) any
}

// regs encodes the point's value at time t. A value that does not encode
// (which planPoint avoids) reads as zeros.
func (g *pointGen) regs(t time.Duration) []uint16 {
	regs, err := g.pt.Encode(g.value(t), g.sf)
	if err != nil || len(regs) != g.pt.Size() {
		return make([]uint16, g.pt.Size())
	}
	return regs
}

// word returns register i of the point's value at time t.
func (g *pointGen) word(t time.Duration, i int) uint16 { return g.regs(t)[i] }
