package sim

import (
	"fmt"
	"strings"

	"github.com/busprobe/busprobe/profiles"
)

// ConfigError is one problem in a plant description. Path is the YAML path
// of the offending value ("$.buses[0].devices[1].unit"); File, Line and
// Column are set when the plant came from YAML.
type ConfigError struct {
	File   string
	Line   int
	Column int
	Path   string
	Msg    string
}

// Error formats as "plant.yaml:12:7: $.buses[0].devices[1].unit: unit 300 out of range 1..247".
func (e *ConfigError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File + ":")
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, "%d:%d:", e.Line, e.Column)
	}
	if b.Len() > 0 {
		b.WriteString(" ")
	}
	if e.Path != "" {
		b.WriteString(e.Path + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ConfigErrors is every problem found in a plant description.
type ConfigErrors []*ConfigError

// Error lists the problems one per line.
func (es ConfigErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return "invalid plant:\n  " + strings.Join(lines, "\n  ")
}

// validator collects problems with their paths. lib resolves profile
// names (nil: profiles are not checked).
type validator struct {
	errs ConfigErrors
	lib  func() *profiles.Library
}

func (v *validator) add(path, format string, args ...any) {
	v.errs = append(v.errs, &ConfigError{Path: path, Msg: fmt.Sprintf(format, args...)})
}

func (v *validator) rate(path string, r float64) {
	if r < 0 || r > 1 {
		v.add(path, "rate %g outside 0..1", r)
	}
}

// Validate checks the plant and returns ConfigErrors listing every problem,
// or nil. Profile names are looked up in the library of WithProfiles (the
// embedded library by default); other options are ignored.
func (p *Plant) Validate(opts ...Option) error {
	return p.validate(buildOptions(opts))
}

// validate is Validate with built options.
func (p *Plant) validate(o options) error {
	v := &validator{lib: o.lib}
	if len(p.Buses) == 0 {
		v.add("$.buses", "a plant needs at least one bus")
	}
	names := map[string]bool{}
	for i := range p.Buses {
		path := fmt.Sprintf("$.buses[%d]", i)
		b := &p.Buses[i]
		if b.Name == "" {
			v.add(path+".name", "bus name is required")
		} else if names[b.Name] {
			v.add(path+".name", "bus name %q is used twice", b.Name)
		}
		names[b.Name] = true
		v.bus(path, b)
	}
	if len(v.errs) == 0 {
		return nil
	}
	return v.errs
}

func (v *validator) bus(path string, b *Bus) {
	minUnit, maxUnit := 1, 247
	switch b.Kind {
	case BusTCP:
		minUnit, maxUnit = 0, 255
		if b.Listen == "" {
			v.add(path+".listen", "a tcp bus needs a listen address, e.g. 127.0.0.1:0")
		}
		if b.Framing != "" && b.Framing != FramingMBAP && b.Framing != FramingRTU {
			v.add(path+".framing", "framing %q is not mbap or rtu", b.Framing)
		}
		if b.MaxConnections < 0 {
			v.add(path+".max_connections", "must not be negative")
		}
		switch b.Absent {
		case "", AbsentException, AbsentPath, AbsentSilent:
		default:
			v.add(path+".absent", "absent %q is not exception, path-unavailable or silent", b.Absent)
		}
		if b.Serve != "" || b.Port != "" || b.Mismatch != "" || b.Echo {
			v.add(path, "serve, port, mismatch and echo apply to rtu buses only")
		}
		if b.Line != nil && b.Framing != FramingRTU {
			v.add(path+".line", "line applies to a tcp bus only with rtu framing")
		}
	case BusRTU:
		if b.Line == nil {
			v.add(path+".line", "an rtu bus needs line settings (baud, parity, stop_bits)")
		}
		switch b.Serve {
		case "", ServePty, ServeNone:
			if b.Port != "" {
				v.add(path+".port", "port applies only with serve: serial")
			}
		case ServeSerial:
			if b.Port == "" {
				v.add(path+".port", "serve: serial needs a port path")
			}
		default:
			v.add(path+".serve", "serve %q is not pty, serial or none", b.Serve)
		}
		switch b.Mismatch {
		case "", MismatchGarbage, MismatchSilent, MismatchIgnore:
		default:
			v.add(path+".mismatch", "mismatch %q is not garbage, silent or ignore", b.Mismatch)
		}
		if b.Listen != "" || b.Framing != "" || b.MaxConnections != 0 || b.Absent != "" {
			v.add(path, "listen, framing, max_connections and absent apply to tcp buses only")
		}
	default:
		v.add(path+".kind", "kind %q is not tcp or rtu", b.Kind)
	}
	if b.Line != nil {
		v.line(path+".line", *b.Line)
	}
	v.sniff(path, b)
	f := b.Faults
	v.rate(path+".faults.corrupt_crc", f.CorruptCRC)
	v.rate(path+".faults.drop", f.Drop)
	v.rate(path+".faults.late", f.Late)
	v.rate(path+".faults.truncate", f.Truncate)
	if f.LateDelay < 0 {
		v.add(path+".faults.late_delay", "must not be negative")
	}
	units := map[int]bool{}
	for j := range b.Devices {
		dp := fmt.Sprintf("%s.devices[%d]", path, j)
		d := &b.Devices[j]
		if d.Unit < minUnit || d.Unit > maxUnit {
			v.add(dp+".unit", "unit %d out of range %d..%d", d.Unit, minUnit, maxUnit)
		} else if units[d.Unit] {
			v.add(dp+".unit", "unit %d is used twice on this bus", d.Unit)
		}
		units[d.Unit] = true
		v.device(dp, d)
	}
}

func (v *validator) line(path string, l LineConfig) {
	if l.Baud <= 0 || l.Baud > 4000000 {
		v.add(path+".baud", "baud %d out of range", l.Baud)
	}
	if l.DataBits != 0 && l.DataBits != 7 && l.DataBits != 8 {
		v.add(path+".data_bits", "data bits %d is not 7 or 8", l.DataBits)
	}
	if l.Parity != "" && l.Parity != "N" && l.Parity != "E" && l.Parity != "O" {
		v.add(path+".parity", "parity %q is not N, E or O", l.Parity)
	}
	if l.StopBits != 0 && l.StopBits != 1 && l.StopBits != 2 {
		v.add(path+".stop_bits", "stop bits %d is not 1 or 2", l.StopBits)
	}
}

func (v *validator) device(path string, d *DeviceConfig) {
	if d.Profile != "" && v.lib != nil {
		if _, err := v.lib().Get(d.Profile); err != nil {
			v.add(path+".profile", "unknown profile %q (see busprobe profiles list)", d.Profile)
		}
	}
	if d.Turnaround < 0 || d.Jitter < 0 {
		v.add(path, "turnaround and jitter must not be negative")
	}
	if d.MaxRegisters < 0 || d.MaxRegisters > 125 {
		v.add(path+".max_registers", "max_registers %d out of range 0..125", d.MaxRegisters)
	}
	if d.MaxBits < 0 || d.MaxBits > 2000 {
		v.add(path+".max_bits", "max_bits %d out of range 0..2000", d.MaxBits)
	}
	v.rate(path+".busy_rate", d.BusyRate)
	if d.ProtectException != 0 && d.ProtectException != 2 && d.ProtectException != 4 {
		v.add(path+".protect_exception", "protect_exception %d is not 2 or 4", d.ProtectException)
	}
	for i, fc := range d.IgnoreFunctions {
		if fc < 1 || fc > 127 {
			v.add(fmt.Sprintf("%s.ignore_functions[%d]", path, i), "function code %d out of range 1..127", fc)
		}
	}
	v.regBlocks(path+".input_registers", d.InputRegisters)
	v.regBlocks(path+".holding_registers", d.HoldingRegisters)
	v.bitBlocks(path+".coils", d.Coils)
	v.bitBlocks(path+".discrete_inputs", d.DiscreteInputs)
	for i, h := range d.Holes {
		hp := fmt.Sprintf("%s.holes[%d]", path, i)
		switch h.Table {
		case TableCoils, TableDiscrete, TableInput, TableHolding:
		default:
			v.add(hp+".table", "table %q is not coils, discrete_inputs, input_registers or holding_registers", h.Table)
		}
		v.span(hp, h.Address, max(h.Count, 1))
	}
	if d.Identity != nil {
		v.identity(path+".identity", d.Identity)
	}
}

// span checks that count items from address fit the 16-bit address space.
func (v *validator) span(path string, address, count int) {
	if address < 0 || address > 0xFFFF {
		v.add(path+".address", "address %d out of range 0..65535", address)
	} else if count < 1 || address+count > 0x10000 {
		v.add(path, "%d items from address %d do not fit 0..65535", count, address)
	}
}

func (v *validator) regBlocks(path string, blocks []RegBlock) {
	used := map[int]bool{}
	for i, b := range blocks {
		bp := fmt.Sprintf("%s[%d]", path, i)
		n := b.extent()
		if b.Count < 0 || (b.Count > 0 && len(b.Values) > b.Count) {
			v.add(bp+".count", "count %d is negative or less than the %d values given", b.Count, len(b.Values))
		}
		for j, x := range b.Values {
			if x < -32768 || x > 65535 {
				v.add(fmt.Sprintf("%s.values[%d]", bp, j), "value %d does not fit 16 bits", x)
			}
		}
		if w := b.Wave; w != nil {
			v.wave(bp+".wave", w)
			if len(b.Values) > 0 || (b.Count != 0 && b.Count != w.words()) {
				v.add(bp, "a wave block holds exactly its %d word(s) and no values", w.words())
			}
		}
		v.span(bp, b.Address, n)
		for a := b.Address; a < b.Address+n && a <= 0xFFFF; a++ {
			if used[a] {
				v.add(bp, "address %d is defined twice in %s", a, path)
				break
			}
			used[a] = true
		}
	}
}

func (v *validator) bitBlocks(path string, blocks []BitBlock) {
	used := map[int]bool{}
	for i, b := range blocks {
		bp := fmt.Sprintf("%s[%d]", path, i)
		n := max(b.Count, len(b.Values))
		if b.Count < 0 || (b.Count > 0 && len(b.Values) > b.Count) {
			v.add(bp+".count", "count %d is negative or less than the %d values given", b.Count, len(b.Values))
		}
		if b.Toggle < 0 {
			v.add(bp+".toggle", "must not be negative")
		}
		v.span(bp, b.Address, n)
		for a := b.Address; a < b.Address+n && a <= 0xFFFF; a++ {
			if used[a] {
				v.add(bp, "address %d is defined twice in %s", a, path)
				break
			}
			used[a] = true
		}
	}
}

func (v *validator) wave(path string, w *Wave) {
	switch w.Kind {
	case WaveCounter, WaveSine, WaveRamp:
	default:
		v.add(path+".kind", "wave kind %q is not counter, sine or ramp", w.Kind)
	}
	if w.Words != 0 && w.Words != 1 && w.Words != 2 {
		v.add(path+".words", "words %d is not 1 or 2", w.Words)
	}
	if w.Period <= 0 {
		v.add(path+".period", "a wave needs a positive period")
	}
}

func (v *validator) identity(path string, id *Identity) {
	for k, s := range id.Extended {
		if k < 0x07 || k > 0xFF {
			v.add(fmt.Sprintf("%s.extended.%d", path, k), "object ID %d out of range 0x07..0xFF", k)
		}
		if len(s) > 240 {
			v.add(fmt.Sprintf("%s.extended.%d", path, k), "object of %d bytes exceeds 240", len(s))
		}
	}
	switch id.Conformity {
	case 0, 0x01, 0x02, 0x03, 0x81, 0x82, 0x83:
	default:
		v.add(path+".conformity", "conformity 0x%02X is not 0x01-0x03 or 0x81-0x83", id.Conformity)
	}
	if s := id.ServerID; s != nil {
		if s.ID < 0 || s.ID > 255 {
			v.add(path+".server_id.id", "server ID %d does not fit a byte", s.ID)
		}
		if len(s.Data) > 240 {
			v.add(path+".server_id.data", "data of %d bytes exceeds 240", len(s.Data))
		}
	}
}

// extent is the number of registers a block defines.
func (b RegBlock) extent() int {
	if b.Wave != nil && b.Count == 0 && len(b.Values) == 0 {
		return b.Wave.words()
	}
	return max(b.Count, len(b.Values))
}

// words is the wave's register count.
func (w *Wave) words() int {
	if w.Words == 2 {
		return 2
	}
	return 1
}
