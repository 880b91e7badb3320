package gateway

import (
	"fmt"
	"math"
	"strings"

	"github.com/busprobe/busprobe/profiles"
	"github.com/goccy/go-yaml"
)

// EdgeX device-modbus limits and defaults (device-modbus-go v3/v4,
// internal/driver: attributes primaryTable, startingAddress, rawType,
// isByteSwap, isWordSwap, stringRegisterSize; protocols modbus-tcp and
// modbus-rtu).
const (
	edgexMaxStringRegisters = 123
	edgexMaxCommandOps      = 100 // resource operations per generated command (SDK MaxCmdOps is 128)
	edgexTimeoutSeconds     = 5
)

// EdgeXProfile is one EdgeX v3 device profile: the YAML file device-modbus
// loads from its ProfilesDir.
type EdgeXProfile struct {
	Name           string                `yaml:"name"`
	Manufacturer   string                `yaml:"manufacturer,omitempty"`
	Model          string                `yaml:"model,omitempty"`
	Labels         []string              `yaml:"labels"`
	Description    string                `yaml:"description"`
	DeviceResource []EdgeXDeviceResource `yaml:"deviceResources"`
	DeviceCommands []EdgeXDeviceCommand  `yaml:"deviceCommands,omitempty"`
}

// EdgeXDeviceResource is one value of an EdgeX device profile.
type EdgeXDeviceResource struct {
	Name        string          `yaml:"name"`
	IsHidden    bool            `yaml:"isHidden"`
	Description string          `yaml:"description,omitempty"`
	Attributes  EdgeXAttributes `yaml:"attributes"`
	Properties  EdgeXProperties `yaml:"properties"`
}

// EdgeXAttributes are device-modbus's attributes of a resource.
// StartingAddress is the 0-based protocol address; a bool in a register
// is written ADDRESS.BIT with two bit digits (10.03: bit 3 of register
// 10), which device-modbus splits with %.2f.
type EdgeXAttributes struct {
	PrimaryTable       string `yaml:"primaryTable"`      // COILS, DISCRETES_INPUT, INPUT_REGISTERS, HOLDING_REGISTERS
	StartingAddress    any    `yaml:"startingAddress"`   // int, or float64 ADDRESS.BIT`
	RawType            string `yaml:"rawType,omitempty"` // Int16, Uint16 or Int32 under a Float valueType
	IsByteSwap         bool   `yaml:"isByteSwap,omitempty"`
	IsWordSwap         bool   `yaml:"isWordSwap,omitempty"`
	StringRegisterSize int    `yaml:"stringRegisterSize,omitempty"`
}

// EdgeXProperties describe a resource's value.
type EdgeXProperties struct {
	ValueType string   `yaml:"valueType"` // Bool, Int16 … Float64, String
	ReadWrite string   `yaml:"readWrite"` // R, RW or W
	Units     string   `yaml:"units,omitempty"`
	Scale     *float64 `yaml:"scale,omitempty"`
	Offset    *float64 `yaml:"offset,omitempty"`
}

// EdgeXDeviceCommand groups resources read together.
type EdgeXDeviceCommand struct {
	Name               string                   `yaml:"name"`
	ReadWrite          string                   `yaml:"readWrite"`
	IsHidden           bool                     `yaml:"isHidden"`
	ResourceOperations []EdgeXResourceOperation `yaml:"resourceOperations"`
}

// EdgeXResourceOperation names a resource of a command.
type EdgeXResourceOperation struct {
	DeviceResource string `yaml:"deviceResource"`
}

// EdgeXDevices is the device list file device-modbus loads from its
// DevicesDir.
type EdgeXDevices struct {
	DeviceList []EdgeXDevice `yaml:"deviceList"`
}

// EdgeXDevice is one device of the device list.
type EdgeXDevice struct {
	Name        string                    `yaml:"name"`
	ProfileName string                    `yaml:"profileName"`
	Description string                    `yaml:"description"`
	Labels      []string                  `yaml:"labels"`
	Protocols   map[string]map[string]any `yaml:"protocols"`
	AutoEvents  []EdgeXAutoEvent          `yaml:"autoEvents"`
}

// EdgeXAutoEvent is a periodic read of a command or resource.
type EdgeXAutoEvent struct {
	Interval   string `yaml:"interval"`
	OnChange   bool   `yaml:"onChange"`
	SourceName string `yaml:"sourceName"`
}

// EdgeX is a config for EdgeX device-modbus: one device profile per
// distinct register map, and the device list.
type EdgeX struct {
	Profiles []EdgeXProfile
	Devices  EdgeXDevices
}

// BuildEdgeX converts the config for EdgeX device-modbus. Every device
// gets the profile "busprobe-PROFILE" (or "busprobe-DEVICE" when devices
// sharing a profile export different points) and an auto event reading
// its "Readings" command(s) at the poll interval. Points device-modbus
// cannot decode as busprobe does, and devices on buses it cannot reach
// (RTU over TCP), are skipped and returned.
//
// device-modbus reads one resource per request, so holes and max
// registers are respected by construction; it has no pause setting.
func BuildEdgeX(c Config) (EdgeX, []Skipped, error) {
	var out EdgeX
	var skipped []Skipped
	byName := map[string]int{}
	for _, d := range c.Devices {
		bus, ok := c.Bus(d.Bus)
		if !ok {
			return out, skipped, fmt.Errorf("gateway: device %s: unknown bus %q", d.Name, d.Bus)
		}
		proto, why := edgexProtocol(*bus, d.Unit)
		if why != "" {
			skipped = append(skipped, Skipped{Device: d.Name, Point: "*", Reason: why})
			continue
		}
		prof, s, err := edgexProfile(d)
		if err != nil {
			return out, skipped, err
		}
		skipped = append(skipped, s...)
		if i, ok := byName[prof.Name]; ok && !edgexSame(out.Profiles[i], prof) {
			prof.Name = "busprobe-" + d.Name
		}
		if _, ok := byName[prof.Name]; !ok {
			byName[prof.Name] = len(out.Profiles)
			out.Profiles = append(out.Profiles, prof)
		}
		dev := EdgeXDevice{Name: d.Name, ProfileName: prof.Name, Labels: []string{"busprobe", "modbus"},
			Description: fmt.Sprintf("unit %d on %s, profile %s (exported by %s)", d.Unit, bus.Name, orDefault(d.Profile, "-"), orDefault(c.Generator, "busprobe")),
			Protocols:   proto, AutoEvents: []EdgeXAutoEvent{}}
		for _, cmd := range prof.DeviceCommands {
			dev.AutoEvents = append(dev.AutoEvents, EdgeXAutoEvent{Interval: edgexInterval(d.PollInterval), SourceName: cmd.Name})
		}
		out.Devices.DeviceList = append(out.Devices.DeviceList, dev)
	}
	if out.Devices.DeviceList == nil {
		out.Devices.DeviceList = []EdgeXDevice{}
	}
	return out, skipped, nil
}

// edgexSame reports whether two profiles carry the same resources.
func edgexSame(a, b EdgeXProfile) bool {
	x, _ := yaml.Marshal(a.DeviceResource)
	y, _ := yaml.Marshal(b.DeviceResource)
	return string(x) == string(y)
}

func edgexInterval(d Duration) string {
	if d.D() <= 0 {
		return Duration(DefaultPollInterval).String()
	}
	return d.String()
}

// edgexProtocol returns the device's protocols block, or why it has none.
func edgexProtocol(b Bus, unit int) (map[string]map[string]any, string) {
	switch {
	case b.Kind == BusTCP && b.TCP != nil && b.TCP.Framing == FramingRTUOverTCP:
		return nil, "EdgeX device-modbus has no RTU over TCP (use a Modbus/TCP gateway)"
	case b.Kind == BusTCP && b.TCP != nil:
		return map[string]map[string]any{"modbus-tcp": {"Address": b.TCP.Host, "Port": b.TCP.Port,
			"UnitID": unit, "Timeout": edgexTimeoutSeconds, "IdleTimeout": edgexTimeoutSeconds}}, ""
	case b.Kind == BusSerial && b.Serial != nil:
		s := b.Serial
		return map[string]map[string]any{"modbus-rtu": {"Address": s.Port, "UnitID": unit, "BaudRate": s.Baud,
			"DataBits": orInt(s.DataBits, 8), "StopBits": orInt(s.StopBits, 1), "Parity": orDefault(s.Parity, "N"),
			"Timeout": edgexTimeoutSeconds, "IdleTimeout": edgexTimeoutSeconds}}, ""
	}
	return nil, "bus " + b.Name + " has no " + b.Kind + " settings"
}

// edgexProfile builds the device profile of a device.
func edgexProfile(d Device) (EdgeXProfile, []Skipped, error) {
	p := EdgeXProfile{Name: "busprobe-" + orDefault(d.Profile, d.Name), Labels: []string{"busprobe", "modbus"},
		Description: "Register map " + orDefault(d.Profile, d.Name) + " exported by busprobe", DeviceResource: []EdgeXDeviceResource{}}
	pts, err := d.ProfilePoints()
	if err != nil {
		return p, nil, fmt.Errorf("gateway: device %s: %w", d.Name, err)
	}
	var skipped []Skipped
	var readable []string
	for _, pt := range pts {
		r, why := edgexResource(pt)
		if why != "" {
			skipped = append(skipped, Skipped{Device: d.Name, Point: pt.Name, Reason: why})
			continue
		}
		p.DeviceResource = append(p.DeviceResource, r)
		if pt.Access.CanRead() {
			readable = append(readable, pt.Name)
		}
	}
	for i := 0; i < len(readable); i += edgexMaxCommandOps {
		name := "Readings"
		if len(readable) > edgexMaxCommandOps {
			name = fmt.Sprintf("Readings%d", i/edgexMaxCommandOps+1)
		}
		cmd := EdgeXDeviceCommand{Name: name, ReadWrite: "R"}
		for _, n := range readable[i:min(i+edgexMaxCommandOps, len(readable))] {
			cmd.ResourceOperations = append(cmd.ResourceOperations, EdgeXResourceOperation{DeviceResource: n})
		}
		p.DeviceCommands = append(p.DeviceCommands, cmd)
	}
	return p, skipped, nil
}

// edgexTables maps busprobe tables to primaryTable values.
func edgexTable(t profiles.Table) string {
	switch t {
	case profiles.TableCoil:
		return "COILS"
	case profiles.TableDiscrete:
		return "DISCRETES_INPUT"
	case profiles.TableInput:
		return "INPUT_REGISTERS"
	}
	return "HOLDING_REGISTERS"
}

// edgexResource maps a point to a device resource, or says why it cannot.
func edgexResource(pt profiles.Point) (EdgeXDeviceResource, string) {
	r := EdgeXDeviceResource{Name: pt.Name, Description: pt.Label,
		Attributes: EdgeXAttributes{PrimaryTable: edgexTable(pt.Table), StartingAddress: int(pt.Address)},
		Properties: EdgeXProperties{ReadWrite: strings.ToUpper(pt.Access.String()), Units: pt.Unit}}
	if pt.Table.IsBit() {
		r.Properties.ValueType = "Bool"
		return r, ""
	}
	if pt.ScaleFactor != "" {
		return r, "scaled by the register " + pt.ScaleFactor + " (SunSpec scale factor): EdgeX cannot apply a scale-factor register"
	}
	vt, raw, why := edgexType(pt)
	if why != "" {
		return r, why
	}
	regs := pt.Size()
	switch {
	case pt.Type == profiles.TypeString:
		if pt.StringOrder != profiles.StringPacked {
			return r, "swapped string: EdgeX reads strings high byte first"
		}
		if pt.Length > edgexMaxStringRegisters {
			return r, fmt.Sprintf("string of %d registers: EdgeX reads at most %d", pt.Length, edgexMaxStringRegisters)
		}
		r.Attributes.StringRegisterSize = pt.Length
	case regs == 1 || pt.Type == profiles.TypeBool:
		if pt.ByteOrder.ByteSwap() {
			return r, "byte-swapped 16-bit register: EdgeX swaps 32-bit values only"
		}
	case regs == 2:
		r.Attributes.IsByteSwap, r.Attributes.IsWordSwap = pt.ByteOrder.ByteSwap(), pt.ByteOrder.WordSwap()
	default:
		if pt.ByteOrder != profiles.ABCD {
			return r, "64-bit value in order " + pt.ByteOrder.String() + ": EdgeX swaps 32-bit values only"
		}
	}
	if pt.Type == profiles.TypeBool {
		r.Attributes.StartingAddress = float64(pt.Address) + float64(*pt.Bit)/100
	}
	r.Properties.ValueType, r.Attributes.RawType = vt, raw
	if pt.Type.IsNumeric() {
		if pt.Scale != 1 && pt.Scale != 0 {
			s := pt.Scale
			r.Properties.Scale = &s
		}
		if pt.Offset != 0 {
			o := pt.Offset
			r.Properties.Offset = &o
		}
	}
	return r, ""
}

// edgexType returns the valueType (and rawType) of a register point. An
// integer with a fractional scale or an offset is read as a float of its
// raw integer, which device-modbus supports for Int16/Uint16 (Float32)
// and Int32 (Float64) only.
func edgexType(pt profiles.Point) (vt, raw, why string) {
	scaled := pt.Type.IsInteger() && (pt.Offset != 0 || (pt.Scale != 0 && pt.Scale != math.Trunc(pt.Scale)))
	switch pt.Type {
	case profiles.TypeU16, profiles.TypeEnum:
		vt = "Uint16"
	case profiles.TypeI16, profiles.TypeSunSSF:
		vt = "Int16"
	case profiles.TypeU32, profiles.TypeAcc32:
		vt = "Uint32"
	case profiles.TypeI32:
		vt = "Int32"
	case profiles.TypeU64:
		vt = "Uint64"
	case profiles.TypeI64:
		vt = "Int64"
	case profiles.TypeF32:
		return "Float32", "", ""
	case profiles.TypeF64:
		return "Float64", "", ""
	case profiles.TypeString:
		return "String", "", ""
	case profiles.TypeBits:
		if pt.Size() == 2 {
			return "Uint32", "", ""
		}
		return "Uint16", "", ""
	case profiles.TypeBool:
		if pt.Bit == nil {
			return "", "", "bool of a whole register (non-zero is true): EdgeX has no such type"
		}
		return "Bool", "", ""
	default:
		return "", "", "type " + pt.Type.String() + " has no EdgeX equivalent"
	}
	if !scaled {
		return vt, "", ""
	}
	switch vt {
	case "Int16", "Uint16":
		return "Float32", vt, ""
	case "Int32":
		return "Float64", vt, ""
	}
	return "", "", "type " + pt.Type.String() + " with a fractional scale or an offset: EdgeX converts only Int16, Uint16 and Int32 raw values to floats"
}

// WriteEdgeXProfile writes one device profile as YAML.
func WriteEdgeXProfile(p EdgeXProfile, generator string) ([]byte, error) {
	b, err := yaml.MarshalWithOptions(p, yaml.Indent(2), yaml.IndentSequence(true))
	if err != nil {
		return nil, fmt.Errorf("gateway: encode EdgeX profile %s: %w", p.Name, err)
	}
	head := fmt.Sprintf("# EdgeX device-modbus device profile written by %s.\n", orDefault(generator, "busprobe"))
	return append([]byte(head), b...), nil
}

// WriteEdgeXDevices writes the device list as YAML.
func WriteEdgeXDevices(d EdgeXDevices, generator string) ([]byte, error) {
	b, err := yaml.MarshalWithOptions(d, yaml.Indent(2), yaml.IndentSequence(true))
	if err != nil {
		return nil, fmt.Errorf("gateway: encode EdgeX devices: %w", err)
	}
	head := fmt.Sprintf("# EdgeX device-modbus device list written by %s.\n", orDefault(generator, "busprobe"))
	return append([]byte(head), b...), nil
}
