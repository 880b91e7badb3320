package gateway

import (
	"fmt"
	"time"
)

// SchemaVersion is the version of the native config this package writes
// and reads.
const SchemaVersion = 1

// Bus kinds.
const (
	BusSerial = "serial" // RTU on a serial port
	BusTCP    = "tcp"    // a TCP endpoint (Modbus/TCP or RTU over TCP)
)

// TCP framings.
const (
	FramingMBAP       = "mbap"       // Modbus/TCP
	FramingRTUOverTCP = "rtuovertcp" // RTU frames through a serial device server
)

// Config is the native gateway configuration: the buses, the devices on
// them, their points and the request plan that reads them.
type Config struct {
	SchemaVersion int      `json:"schema_version" yaml:"schema_version"`
	Generator     string   `json:"generator" yaml:"generator"` // e.g. "busprobe 0.3.0"
	Buses         []Bus    `json:"buses" yaml:"buses"`
	Devices       []Device `json:"devices" yaml:"devices"`
}

// Bus is one physical or TCP bus the gateway polls. Exactly one of Serial
// and TCP is set, according to Kind.
type Bus struct {
	Name   string  `json:"name" yaml:"name"` // [a-z][a-z0-9_]*, unique
	Kind   string  `json:"kind" yaml:"kind"` // BusSerial or BusTCP
	Serial *Serial `json:"serial,omitempty" yaml:"serial,omitempty"`
	TCP    *TCP    `json:"tcp,omitempty" yaml:"tcp,omitempty"`
}

// Serial is a serial port's character format.
type Serial struct {
	Port     string `json:"port" yaml:"port"`           // e.g. /dev/ttyUSB0
	Baud     int    `json:"baud" yaml:"baud"`           // e.g. 9600
	Parity   string `json:"parity" yaml:"parity"`       // N, E or O
	StopBits int    `json:"stop_bits" yaml:"stop_bits"` // 1 or 2
	DataBits int    `json:"data_bits" yaml:"data_bits"` // 7 or 8
}

// TCP is a TCP endpoint.
type TCP struct {
	Host    string `json:"host" yaml:"host"`
	Port    int    `json:"port" yaml:"port"`
	Framing string `json:"framing" yaml:"framing"` // FramingMBAP or FramingRTUOverTCP
}

// Device is one Modbus unit on a bus, with its points and read plan.
type Device struct {
	Name         string      `json:"name" yaml:"name"` // [a-z][a-z0-9_]*, unique
	Bus          string      `json:"bus" yaml:"bus"`   // a Bus.Name
	Unit         int         `json:"unit" yaml:"unit"` // 1..255
	Profile      string      `json:"profile" yaml:"profile"`
	PollInterval Duration    `json:"poll_interval" yaml:"poll_interval"`
	Workarounds  Workarounds `json:"workarounds" yaml:"workarounds"`
	Points       []Point     `json:"points" yaml:"points"`
	Plan         []Request   `json:"plan" yaml:"plan"`
}

// Workarounds are the request limits a collector must respect for a
// device. They map one to one onto profiles.DeviceLimits and onto what the
// poller learns (max batch, holes, single-point reads, pause).
type Workarounds struct {
	MaxRegisters     int      `json:"max_registers" yaml:"max_registers"` // 1..125 per request
	MaxBits          int      `json:"max_bits" yaml:"max_bits"`           // 1..2000 per request
	Holes            []Hole   `json:"holes" yaml:"holes"`
	SinglePointReads bool     `json:"single_point_reads" yaml:"single_point_reads"`
	Pause            Duration `json:"pause" yaml:"pause"` // between two requests
}

// Hole is a range of addresses that must never be read.
type Hole struct {
	Table   string `json:"table" yaml:"table"`
	Address int    `json:"address" yaml:"address"` // 0-based protocol address
	Count   int    `json:"count" yaml:"count"`
}

// Point is one value of a device: where it is, how to decode it.
type Point struct {
	Name        string  `json:"name" yaml:"name"` // [a-z][a-z0-9_]*, unique in the device
	Label       string  `json:"label,omitempty" yaml:"label,omitempty"`
	Table       string  `json:"table" yaml:"table"`     // coil, discrete, input, holding
	Address     int     `json:"address" yaml:"address"` // 0-based protocol address
	Type        string  `json:"type" yaml:"type"`       // profile type name (u16 … sunssf)
	ByteOrder   string  `json:"byte_order,omitempty" yaml:"byte_order,omitempty"`
	Length      int     `json:"length,omitempty" yaml:"length,omitempty"` // string/bits registers
	StringOrder string  `json:"string_order,omitempty" yaml:"string_order,omitempty"`
	Bit         *int    `json:"bit,omitempty" yaml:"bit,omitempty"` // bool in a register
	Scale       float64 `json:"scale,omitempty" yaml:"scale,omitempty"`
	Offset      float64 `json:"offset,omitempty" yaml:"offset,omitempty"`
	ScaleFactor string  `json:"scale_factor,omitempty" yaml:"scale_factor,omitempty"` // a sunssf point
	Unit        string  `json:"unit,omitempty" yaml:"unit,omitempty"`
	Access      string  `json:"access" yaml:"access"` // r, rw or w
	Range       *Range  `json:"range,omitempty" yaml:"range,omitempty"`
}

// Range is a point's plausible range of engineering values.
type Range struct {
	Min float64 `json:"min" yaml:"min"`
	Max float64 `json:"max" yaml:"max"`
}

// Request is one read request of a device's plan.
type Request struct {
	Table   string   `json:"table" yaml:"table"`
	Address int      `json:"address" yaml:"address"`
	Count   int      `json:"count" yaml:"count"`
	Points  []string `json:"points" yaml:"points"` // point names, by address
}

// Duration is a time.Duration written as a Go duration string ("10s").
type Duration time.Duration

// D returns the duration as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String formats like time.Duration.
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("duration %q: %w", b, err)
	}
	*d = Duration(v)
	return nil
}

// Bus returns the bus with the given name.
func (c *Config) Bus(name string) (*Bus, bool) {
	for i := range c.Buses {
		if c.Buses[i].Name == name {
			return &c.Buses[i], true
		}
	}
	return nil, false
}

// Point returns the device's point with the given name.
func (d *Device) Point(name string) (*Point, bool) {
	for i := range d.Points {
		if d.Points[i].Name == name {
			return &d.Points[i], true
		}
	}
	return nil, false
}
