package gateway

import (
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/busprobe/busprobe/profiles"
)

// Telegraf's per-request limits (plugins/inputs/modbus, v1.37.2).
const (
	telegrafMaxRegisters = 125
	telegrafMaxBits      = 2000
)

// Skipped is a point a writer could not express in the target format.
type Skipped struct {
	Device string // device name
	Point  string // point name
	Reason string // why, e.g. "Telegraf has no BCD type"
}

// String formats as "device.point: reason".
func (s Skipped) String() string { return s.Device + "." + s.Point + ": " + s.Reason }

// WriteTelegraf writes the config as Telegraf inputs.modbus TOML in the
// "request" configuration style (checked against Telegraf v1.37.2): one
// [[inputs.modbus]] per bus, [[inputs.modbus.request]] sections per device,
// table and byte order, and the workarounds. Points Telegraf cannot read
// as busprobe decodes them are skipped, named in a TOML comment and
// returned.
//
// Request sections follow the device's workarounds. A device without
// limits gets one section per table and byte order with optimization
// "max_insert" (Telegraf then bridges gaps up to 125 registers, as the
// busprobe planner does). A device with holes or a smaller max_registers
// gets one section per planned request (optimization_max_register_fill =
// the request's count), so Telegraf sends exactly the plan's requests and
// never reads a hole or more than the device takes; single-point reads
// come out as one section per point. Telegraf's pause and
// one_request_per_field are per input (bus): the pause is the longest any
// device on the bus needs, and one_request_per_field is set only when
// every device needs it.
func WriteTelegraf(w io.Writer, c Config) ([]Skipped, error) {
	var b strings.Builder
	var skipped []Skipped
	fmt.Fprintf(&b, "# Telegraf inputs.modbus configuration (request style) written by %s\n", orDefault(c.Generator, "busprobe"))
	b.WriteString("# from a busprobe gateway config; run `telegraf --test --config FILE` to read once.\n")
	for _, bus := range c.Buses {
		var devs []Device
		for _, d := range c.Devices {
			if d.Bus == bus.Name {
				devs = append(devs, d)
			}
		}
		if len(devs) == 0 {
			continue
		}
		s, err := telegrafInput(&b, bus, devs)
		if err != nil {
			return skipped, err
		}
		skipped = append(skipped, s...)
	}
	_, err := io.WriteString(w, b.String())
	return skipped, err
}

// telegrafInput writes one [[inputs.modbus]] for a bus and its devices.
func telegrafInput(b *strings.Builder, bus Bus, devs []Device) ([]Skipped, error) {
	b.WriteString("\n[[inputs.modbus]]\n")
	fmt.Fprintf(b, "  name = %s\n", tomlString(bus.Name))
	switch {
	case bus.Kind == BusTCP && bus.TCP != nil:
		fmt.Fprintf(b, "  controller = %s\n", tomlString("tcp://"+net.JoinHostPort(bus.TCP.Host, strconv.Itoa(bus.TCP.Port))))
		mode := "TCP"
		if bus.TCP.Framing == FramingRTUOverTCP {
			mode = "RTUoverTCP"
		}
		fmt.Fprintf(b, "  transmission_mode = %q\n", mode)
	case bus.Kind == BusSerial && bus.Serial != nil:
		s := bus.Serial
		fmt.Fprintf(b, "  controller = %s\n", tomlString("file://"+s.Port))
		fmt.Fprintf(b, "  transmission_mode = \"RTU\"\n")
		fmt.Fprintf(b, "  baud_rate = %d\n  data_bits = %d\n  parity = %q\n  stop_bits = %d\n",
			s.Baud, orInt(s.DataBits, 8), orDefault(s.Parity, "N"), orInt(s.StopBits, 1))
	default:
		return nil, fmt.Errorf("gateway: bus %s: no %s settings", bus.Name, bus.Kind)
	}
	b.WriteString("  timeout = \"1s\"\n")
	interval, pause, allSingle, mixed := busTiming(devs)
	fmt.Fprintf(b, "  interval = %q\n", interval.String())
	if mixed {
		b.WriteString("  # devices on this bus have different poll intervals: the shortest is used\n")
	}
	b.WriteString("  configuration_type = \"request\"\n")
	var skipped []Skipped
	for _, d := range devs {
		s, err := telegrafDevice(b, d, allSingle)
		if err != nil {
			return skipped, err
		}
		skipped = append(skipped, s...)
	}
	if pause > 0 || allSingle {
		b.WriteString("\n  [inputs.modbus.workarounds]\n")
		if pause > 0 {
			fmt.Fprintf(b, "    pause_between_requests = %q\n", pause.String())
		}
		if allSingle {
			b.WriteString("    one_request_per_field = true\n")
		}
	}
	return skipped, nil
}

// busTiming returns the shortest poll interval, the longest pause, whether
// every device needs single-point reads and whether intervals differ.
func busTiming(devs []Device) (interval, pause time.Duration, allSingle, mixed bool) {
	allSingle = true
	for i, d := range devs {
		iv := d.PollInterval.D()
		if iv <= 0 {
			iv = DefaultPollInterval
		}
		if i > 0 && iv != interval {
			mixed = true
		}
		if i == 0 || iv < interval {
			interval = iv
		}
		pause = max(pause, d.Workarounds.Pause.D())
		allSingle = allSingle && d.Workarounds.SinglePointReads
	}
	return interval, pause, allSingle, mixed
}

// tfField is one Telegraf field of a request section.
type tfField struct {
	pt    profiles.Point
	line  string // the TOML inline table
	order string // the section byte order it needs
}

// telegrafDevice writes a device's request sections.
func telegrafDevice(b *strings.Builder, d Device, allSingle bool) ([]Skipped, error) {
	pts, err := d.ProfilePoints()
	if err != nil {
		return nil, fmt.Errorf("gateway: device %s: %w", d.Name, err)
	}
	byName := map[string]tfField{}
	var skipped []Skipped
	for _, pt := range pts {
		if !pt.Access.CanRead() {
			continue
		}
		f, why := telegrafField(pt)
		if why != "" {
			skipped = append(skipped, Skipped{Device: d.Name, Point: pt.Name, Reason: why})
			continue
		}
		byName[pt.Name] = f
	}
	fmt.Fprintf(b, "\n  # device %s: unit %d, profile %s\n", d.Name, d.Unit, orDefault(d.Profile, "-"))
	for _, s := range skipped {
		fmt.Fprintf(b, "  # skipped %s: %s\n", s.Point, s.Reason)
	}
	for _, sec := range telegrafSections(d, byName, allSingle) {
		fmt.Fprintf(b, "  [[inputs.modbus.request]]\n")
		fmt.Fprintf(b, "    slave_id = %d\n    register = %q\n", d.Unit, sec.table)
		if sec.order != "" {
			fmt.Fprintf(b, "    byte_order = %q\n", sec.order)
		}
		if sec.fill > 0 {
			fmt.Fprintf(b, "    optimization = \"max_insert\"\n    optimization_max_register_fill = %d\n", sec.fill)
		}
		b.WriteString("    fields = [\n")
		for _, f := range sec.fields {
			fmt.Fprintf(b, "      %s,\n", f.line)
		}
		b.WriteString("    ]\n")
		fmt.Fprintf(b, "    [inputs.modbus.request.tags]\n      device = %s\n", tomlString(d.Name))
		if d.Profile != "" {
			fmt.Fprintf(b, "      profile = %s\n", tomlString(d.Profile))
		}
	}
	return skipped, nil
}

// tfSection is one [[inputs.modbus.request]].
type tfSection struct {
	table  string
	order  string // "" for coils and discrete inputs
	fill   int    // optimization_max_register_fill; 0: no optimization
	fields []tfField
}

// telegrafSections groups a device's fields into request sections; see
// WriteTelegraf.
func telegrafSections(d Device, byName map[string]tfField, allSingle bool) []tfSection {
	lim, _ := d.Workarounds.Limits()
	plain := len(lim.Holes) == 0 && !lim.SinglePointReads &&
		lim.Limit(profiles.TableHolding) >= telegrafMaxRegisters && lim.Limit(profiles.TableCoil) >= telegrafMaxBits
	var secs []tfSection
	add := func(key string, f tfField, fill int, keyed map[string]int) {
		if i, ok := keyed[key]; ok {
			secs[i].fields = append(secs[i].fields, f)
			return
		}
		keyed[key] = len(secs)
		secs = append(secs, tfSection{table: f.pt.Table.String(), order: f.order, fill: fill, fields: []tfField{f}})
	}
	if plain {
		keyed := map[string]int{}
		for _, t := range []profiles.Table{profiles.TableCoil, profiles.TableDiscrete, profiles.TableInput, profiles.TableHolding} {
			for _, p := range d.Points {
				f, ok := byName[p.Name]
				if !ok || f.pt.Table != t {
					continue
				}
				fill := telegrafMaxRegisters
				if t.IsBit() {
					fill = telegrafMaxBits
				}
				add(t.String()+"/"+f.order, f, fill, keyed)
			}
		}
		return secs
	}
	for i, r := range d.Plan {
		keyed := map[string]int{}
		fill := r.Count
		if allSingle {
			fill = 0 // one_request_per_field does the splitting
		}
		for _, name := range r.Points {
			if f, ok := byName[name]; ok {
				add(fmt.Sprintf("%d/%s", i, f.order), f, fill, keyed)
			}
		}
	}
	return secs
}

// telegrafField maps a point to a Telegraf field, or says why it cannot.
func telegrafField(pt profiles.Point) (tfField, string) {
	f := tfField{pt: pt}
	name := tomlString(pt.Name)
	if pt.Table.IsBit() {
		f.line = fmt.Sprintf("{ address=%d, name=%s, output=\"BOOL\" }", pt.Address, name)
		return f, ""
	}
	switch {
	case pt.ScaleFactor != "":
		return f, "scaled by the register " + pt.ScaleFactor + " (SunSpec scale factor): Telegraf cannot apply a scale-factor register"
	case pt.Offset != 0:
		return f, "offset " + fmtFloat(pt.Offset) + ": Telegraf's request style has no offset"
	}
	f.order = pt.ByteOrder.String()
	var typ string
	extra := ""
	switch pt.Type {
	case profiles.TypeU16, profiles.TypeEnum:
		typ = "UINT16"
	case profiles.TypeI16, profiles.TypeSunSSF:
		typ = "INT16"
	case profiles.TypeU32, profiles.TypeAcc32:
		typ = "UINT32"
	case profiles.TypeI32:
		typ = "INT32"
	case profiles.TypeU64:
		typ = "UINT64"
	case profiles.TypeI64:
		typ = "INT64"
	case profiles.TypeF32:
		typ = "FLOAT32"
	case profiles.TypeF64:
		typ = "FLOAT64"
	case profiles.TypeBits:
		typ = "UINT16"
		if pt.Size() == 2 {
			typ = "UINT32"
		}
	case profiles.TypeString:
		typ, f.order = "STRING", "ABCD"
		if pt.StringOrder == profiles.StringSwapped {
			f.order = "BADC"
		}
		extra = fmt.Sprintf(", length=%d", pt.Length)
	case profiles.TypeBool:
		if pt.Bit == nil {
			return f, "bool of a whole register (non-zero is true): Telegraf has no such type"
		}
		typ, extra = "BIT", fmt.Sprintf(", bit=%d", *pt.Bit)
	case profiles.TypeBCD16, profiles.TypeBCD32:
		return f, "type " + pt.Type.String() + ": Telegraf has no BCD type"
	default:
		return f, "type " + pt.Type.String() + " has no Telegraf equivalent"
	}
	if pt.Type.IsNumeric() && pt.Scale != 1 && pt.Scale != 0 {
		extra += ", scale=" + fmtFloat(pt.Scale)
	}
	f.line = fmt.Sprintf("{ address=%d, name=%s, type=%q%s }", pt.Address, name, typ, extra)
	return f, ""
}

// tomlString quotes s as a TOML basic string.
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, "\\u%04X", r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// fmtFloat formats a TOML float (always with a '.' or an exponent).
func fmtFloat(f float64) string {
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eEn") {
		s += ".0"
	}
	return s
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func orInt(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}
