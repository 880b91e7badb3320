package gateway

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/busprobe/busprobe/profiles"
	"github.com/goccy/go-yaml"
)

// HAConfig is the `modbus:` block of Home Assistant's configuration.yaml.
type HAConfig struct {
	Modbus []HAHub `yaml:"modbus"`
}

// HAHub is one Modbus hub (a connection) of Home Assistant.
type HAHub struct {
	Name string `yaml:"name"`
	Type string `yaml:"type"` // tcp, rtuovertcp or serial
	// tcp and rtuovertcp
	Host string `yaml:"host,omitempty"`
	// the TCP port (number) or the serial port (path)
	Port     any    `yaml:"port"`
	Method   string `yaml:"method,omitempty"` // serial: rtu
	Baudrate int    `yaml:"baudrate,omitempty"`
	Bytesize int    `yaml:"bytesize,omitempty"`
	Parity   string `yaml:"parity,omitempty"`
	Stopbits int    `yaml:"stopbits,omitempty"`
	Timeout  int    `yaml:"timeout"` // seconds
	// MessageWait is the pause between two requests, in milliseconds.
	MessageWait   int              `yaml:"message_wait_milliseconds,omitempty"`
	Sensors       []HASensor       `yaml:"sensors,omitempty"`
	BinarySensors []HABinarySensor `yaml:"binary_sensors,omitempty"`
}

// HASensor is one register value of a hub.
type HASensor struct {
	Name              string   `yaml:"name"`
	UniqueID          string   `yaml:"unique_id"`
	Slave             int      `yaml:"slave"`
	Address           int      `yaml:"address"`
	InputType         string   `yaml:"input_type"` // holding or input
	DataType          string   `yaml:"data_type"`
	Count             int      `yaml:"count,omitempty"` // string registers
	Swap              string   `yaml:"swap,omitempty"`  // byte, word, word_byte
	Scale             *float64 `yaml:"scale,omitempty"`
	Offset            *float64 `yaml:"offset,omitempty"`
	Precision         *int     `yaml:"precision,omitempty"`
	UnitOfMeasurement string   `yaml:"unit_of_measurement,omitempty"`
	ScanInterval      int      `yaml:"scan_interval"` // seconds
}

// HABinarySensor is one coil or discrete input of a hub.
type HABinarySensor struct {
	Name         string `yaml:"name"`
	UniqueID     string `yaml:"unique_id"`
	Slave        int    `yaml:"slave"`
	Address      int    `yaml:"address"`
	InputType    string `yaml:"input_type"` // coil or discrete_input
	ScanInterval int    `yaml:"scan_interval"`
}

// BuildHomeAssistant converts the config into Home Assistant's modbus
// integration: one hub per bus, a sensor per register point and a binary
// sensor per coil or discrete input. Entity names are "DEVICE POINT",
// unique IDs DEVICE_POINT. Points HA cannot decode as busprobe does are
// skipped and returned.
//
// Home Assistant reads each entity with its own request, so holes and max
// registers are respected by construction; the pause becomes the hub's
// message_wait_milliseconds (the longest any device on the bus needs).
// scan_interval is whole seconds (at least 1).
func BuildHomeAssistant(c Config) (HAConfig, []Skipped, error) {
	out := HAConfig{Modbus: []HAHub{}}
	var skipped []Skipped
	for _, bus := range c.Buses {
		hub, err := haHub(bus)
		if err != nil {
			return out, skipped, err
		}
		used := false
		for _, d := range c.Devices {
			if d.Bus != bus.Name {
				continue
			}
			used = true
			hub.MessageWait = max(hub.MessageWait, int(d.Workarounds.Pause.D().Milliseconds()))
			s, err := haDevice(&hub, d)
			if err != nil {
				return out, skipped, err
			}
			skipped = append(skipped, s...)
		}
		if used {
			out.Modbus = append(out.Modbus, hub)
		}
	}
	return out, skipped, nil
}

// haHub returns the hub of a bus, without entities.
func haHub(b Bus) (HAHub, error) {
	h := HAHub{Name: b.Name, Timeout: 1}
	switch {
	case b.Kind == BusTCP && b.TCP != nil:
		h.Type, h.Host, h.Port = "tcp", b.TCP.Host, b.TCP.Port
		if b.TCP.Framing == FramingRTUOverTCP {
			h.Type = "rtuovertcp"
		}
	case b.Kind == BusSerial && b.Serial != nil:
		s := b.Serial
		h.Type, h.Port, h.Method = "serial", s.Port, "rtu"
		h.Baudrate, h.Bytesize, h.Parity, h.Stopbits = s.Baud, orInt(s.DataBits, 8), orDefault(s.Parity, "N"), orInt(s.StopBits, 1)
	default:
		return h, fmt.Errorf("gateway: bus %s: no %s settings", b.Name, b.Kind)
	}
	return h, nil
}

// haDevice adds a device's entities to its hub.
func haDevice(h *HAHub, d Device) ([]Skipped, error) {
	pts, err := d.ProfilePoints()
	if err != nil {
		return nil, fmt.Errorf("gateway: device %s: %w", d.Name, err)
	}
	scan := int(math.Max(1, math.Round(d.PollInterval.D().Seconds())))
	if d.PollInterval.D() <= 0 {
		scan = int(DefaultPollInterval.Seconds())
	}
	var skipped []Skipped
	for _, pt := range pts {
		if !pt.Access.CanRead() {
			continue
		}
		name, id := d.Name+" "+pt.Name, d.Name+"_"+pt.Name
		if pt.Table.IsBit() {
			it := "coil"
			if pt.Table == profiles.TableDiscrete {
				it = "discrete_input"
			}
			h.BinarySensors = append(h.BinarySensors, HABinarySensor{Name: name, UniqueID: id, Slave: d.Unit,
				Address: int(pt.Address), InputType: it, ScanInterval: scan})
			continue
		}
		s, why := haSensor(pt)
		if why != "" {
			skipped = append(skipped, Skipped{Device: d.Name, Point: pt.Name, Reason: why})
			continue
		}
		s.Name, s.UniqueID, s.Slave, s.ScanInterval = name, id, d.Unit, scan
		h.Sensors = append(h.Sensors, s)
	}
	return skipped, nil
}

// haSensor maps a register point to a sensor, or says why it cannot.
func haSensor(pt profiles.Point) (HASensor, string) {
	s := HASensor{Address: int(pt.Address), InputType: pt.Table.String(), UnitOfMeasurement: pt.Unit}
	if pt.ScaleFactor != "" {
		return s, "scaled by the register " + pt.ScaleFactor + " (SunSpec scale factor): Home Assistant cannot apply a scale-factor register"
	}
	switch pt.Type {
	case profiles.TypeU16, profiles.TypeEnum:
		s.DataType = "uint16"
	case profiles.TypeI16, profiles.TypeSunSSF:
		s.DataType = "int16"
	case profiles.TypeU32, profiles.TypeAcc32:
		s.DataType = "uint32"
	case profiles.TypeI32:
		s.DataType = "int32"
	case profiles.TypeU64:
		s.DataType = "uint64"
	case profiles.TypeI64:
		s.DataType = "int64"
	case profiles.TypeF32:
		s.DataType = "float32"
	case profiles.TypeF64:
		s.DataType = "float64"
	case profiles.TypeBits:
		s.DataType = "uint16"
		if pt.Size() == 2 {
			s.DataType = "uint32"
		}
	case profiles.TypeString:
		s.DataType, s.Count = "string", pt.Length
		if pt.StringOrder == profiles.StringSwapped {
			s.Swap = "byte"
		}
		return s, ""
	case profiles.TypeBool:
		return s, "bool in a register: Home Assistant's binary sensors read coils and discrete inputs only"
	default:
		return s, "type " + pt.Type.String() + " has no Home Assistant equivalent"
	}
	s.Swap = haSwap(pt.ByteOrder, pt.Size())
	if pt.Scale != 1 && pt.Scale != 0 {
		v := pt.Scale
		s.Scale = &v
	}
	if pt.Offset != 0 {
		v := pt.Offset
		s.Offset = &v
	}
	prec := haPrecision(pt)
	s.Precision = &prec
	return s, ""
}

// haSwap returns HA's swap for a byte order: byte swaps the bytes of each
// register, word reverses the registers (as profiles.Reorder does).
func haSwap(o profiles.ByteOrder, regs int) string {
	byteSwap, wordSwap := o.ByteSwap(), o.WordSwap() && regs > 1
	switch {
	case byteSwap && wordSwap:
		return "word_byte"
	case wordSwap:
		return "word"
	case byteSwap:
		return "byte"
	}
	return ""
}

// haPrecision is the decimals HA shows (it rounds to them): 3 for floats,
// the decimals of the scale or offset for scaled integers, else 0.
func haPrecision(pt profiles.Point) int {
	if pt.Type.IsFloat() {
		return 3
	}
	return min(max(decimals(pt.Scale), decimals(pt.Offset)), 6)
}

// decimals counts the digits after the point of f's shortest form.
func decimals(f float64) int {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return len(s) - i - 1
	}
	return 0
}

// WriteHomeAssistant writes the config as Home Assistant YAML (the
// `modbus:` block, to paste into configuration.yaml or include).
func WriteHomeAssistant(w io.Writer, c Config) ([]Skipped, error) {
	ha, skipped, err := BuildHomeAssistant(c)
	if err != nil {
		return skipped, err
	}
	b, err := yaml.MarshalWithOptions(ha, yaml.Indent(2), yaml.IndentSequence(true))
	if err != nil {
		return skipped, fmt.Errorf("gateway: encode Home Assistant YAML: %w", err)
	}
	head := fmt.Sprintf("# Home Assistant modbus integration written by %s; paste into configuration.yaml.\n", orDefault(c.Generator, "busprobe"))
	for _, s := range skipped {
		head += "# skipped " + s.String() + "\n"
	}
	_, err = io.WriteString(w, head+string(b))
	return skipped, err
}
