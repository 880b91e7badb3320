package sim

import (
	"time"

	"github.com/busprobe/busprobe/protocols/modbus"
)

// Plant describes a simulated plant: buses of devices. It is built in Go or
// parsed from YAML (ParsePlant); YAML keys are the yaml tags below.
type Plant struct {
	Name  string `yaml:"name,omitempty"`
	Buses []Bus  `yaml:"buses"`
}

// BusKind says how a bus is reached.
type BusKind string

// Bus kinds.
const (
	BusTCP BusKind = "tcp" // a Modbus/TCP gateway routing unit IDs to its devices
	BusRTU BusKind = "rtu" // an RS-485 segment served on a pty, a serial port or in-process lines
)

// Framing is the byte format a TCP gateway speaks.
type Framing string

// TCP framings.
const (
	FramingMBAP Framing = "mbap" // Modbus/TCP (default)
	FramingRTU  Framing = "rtu"  // RTU frames over TCP, as a serial device server sends them
)

// Absent says what a gateway does with a request for a unit it does not route.
type Absent string

// Absent-unit policies of a TCP gateway. RTU buses are always silent.
const (
	AbsentException Absent = "exception"        // exception 0x0B, gateway target failed to respond (default)
	AbsentPath      Absent = "path-unavailable" // exception 0x0A, gateway path unavailable
	AbsentSilent    Absent = "silent"           // no reply at all
)

// Serve says where an RTU bus is served.
type Serve string

// RTU bus endpoints.
const (
	ServePty    Serve = "pty"    // a pty pair; the client opens the slave path (default)
	ServeSerial Serve = "serial" // a real serial port at Bus.Port
	ServeNone   Serve = "none"   // in-process lines only (NewLine)
)

// Mismatch says what an RTU bus does when the client's line settings differ
// from the bus's (baud on a pty; baud, parity or data bits on an in-process line).
type Mismatch string

// Mismatch policies.
const (
	MismatchGarbage Mismatch = "garbage" // reply re-sampled at the client's settings (default)
	MismatchSilent  Mismatch = "silent"  // no reply
	MismatchIgnore  Mismatch = "ignore"  // answer normally (pty: do not read termios)
)

// Bus is one bus of a plant. Fields that do not apply to its Kind must be zero.
type Bus struct {
	Name string  `yaml:"name"`
	Kind BusKind `yaml:"kind"`

	// Listen is a TCP gateway's address, e.g. "127.0.0.1:0" (port 0 picks a free port).
	Listen string `yaml:"listen,omitempty"`
	// Framing is a TCP gateway's framing, mbap (default) or rtu.
	Framing Framing `yaml:"framing,omitempty"`
	// MaxConnections limits a TCP gateway's simultaneous connections; a
	// connection beyond the limit is accepted and closed at once. 0 means no limit.
	MaxConnections int `yaml:"max_connections,omitempty"`
	// Absent is a TCP gateway's answer to units it does not route.
	Absent Absent `yaml:"absent,omitempty"`

	// Serve is where an RTU bus is served: pty (default), serial or none.
	Serve Serve `yaml:"serve,omitempty"`
	// Port is the serial port path when Serve is serial.
	Port string `yaml:"port,omitempty"`
	// Line is an RTU bus's character format. A TCP gateway with rtu framing
	// may set it to emulate the serial side's wire time.
	Line *LineConfig `yaml:"line,omitempty"`
	// Mismatch is what an RTU bus does with a client at other line settings.
	Mismatch Mismatch `yaml:"mismatch,omitempty"`
	// Echo makes an RTU bus return each request's own bytes, as an RS-485
	// adapter without echo suppression does.
	Echo bool `yaml:"echo,omitempty"`
	// Sniff gives a pty-served RTU bus a second, listen-only pty (Endpoint.SniffPath)
	// that shows every request and reply as an RS-485 line carries them.
	Sniff bool `yaml:"sniff,omitempty"`

	// Faults are injected into this bus's replies.
	Faults Faults `yaml:"faults,omitempty"`
	// Seed seeds the bus's fault generator.
	Seed int64 `yaml:"seed,omitempty"`

	Devices []DeviceConfig `yaml:"devices"`
}

// LineConfig is a serial character format in YAML form.
type LineConfig struct {
	Baud     int    `yaml:"baud"`
	DataBits int    `yaml:"data_bits,omitempty"` // 7 or 8; 0 means 8
	Parity   string `yaml:"parity,omitempty"`    // N, E or O; "" means N
	StopBits int    `yaml:"stop_bits,omitempty"` // 1 or 2; 0 means 1
}

// Settings returns the codec's form of the line settings, with defaults filled in.
func (l LineConfig) Settings() modbus.LineSettings {
	s := modbus.LineSettings{Baud: l.Baud, DataBits: l.DataBits, Parity: l.Parity, StopBits: l.StopBits}
	return normalize(s)
}

// normalize fills a LineSettings' zero fields with 8N1.
func normalize(s modbus.LineSettings) modbus.LineSettings {
	if s.DataBits == 0 {
		s.DataBits = 8
	}
	if s.Parity == "" {
		s.Parity = "N"
	}
	if s.StopBits == 0 {
		s.StopBits = 1
	}
	return s
}

// Faults are per-bus fault injection rates, each a probability in [0, 1]
// drawn independently for every reply a device would send.
type Faults struct {
	CorruptCRC float64       `yaml:"corrupt_crc,omitempty"` // reply CRC bytes flipped (RTU framing only)
	Drop       float64       `yaml:"drop,omitempty"`        // reply not sent
	Late       float64       `yaml:"late,omitempty"`        // reply held back by LateDelay more
	LateDelay  time.Duration `yaml:"late_delay,omitempty"`  // default 500ms
	Truncate   float64       `yaml:"truncate,omitempty"`    // reply cut short (MBAP: then the connection is closed)
}

// DeviceConfig describes one simulated device.
type DeviceConfig struct {
	// Unit is the device's unit ID: 1-247 on an RTU bus, 0-255 behind a TCP
	// gateway. Unit 0 is broadcast (writes done, no reply) unless a device
	// of a TCP gateway has it, as a TCP device addressed as unit 0 does.
	Unit int    `yaml:"unit"`
	Name string `yaml:"name,omitempty"`
	// Profile builds the device from a profile of the library (ID or alias,
	// e.g. "eastron-sdm630"; see WithProfiles): every point serves a
	// plausible, slowly varying value, and the profile's limits, holes and
	// identity apply. Explicit blocks, holes, limits and Identity below
	// override what the profile gives; see profileDevice for the rules.
	Profile string `yaml:"profile,omitempty"`
	// Turnaround is the time from the end of a request to the start of the
	// reply; each reply adds a uniform draw from [0, Jitter).
	Turnaround time.Duration `yaml:"turnaround,omitempty"`
	Jitter     time.Duration `yaml:"jitter,omitempty"`
	// Seed seeds the device's generator (jitter, busy draws).
	Seed int64 `yaml:"seed,omitempty"`
	// MaxRegisters is the most registers one request may read or write
	// (exception 03 beyond); 0 means the profile's max_registers, or 125. MaxBits likewise for coils and
	// discrete inputs; 0 means 2000.
	MaxRegisters int `yaml:"max_registers,omitempty"`
	MaxBits      int `yaml:"max_bits,omitempty"`
	// BusyRate is the probability that a request is answered with exception 06.
	BusyRate float64 `yaml:"busy_rate,omitempty"`
	// ProtectException is the exception code for writes to read-only or
	// measured (wave) items: 2 (illegal data address, default) or 4 (server
	// device failure).
	ProtectException int `yaml:"protect_exception,omitempty"`
	// IgnoreFunctions are function codes the device never answers (it stays
	// silent instead of raising exception 01), as some field devices do.
	IgnoreFunctions []int `yaml:"ignore_functions,omitempty"`

	Coils            []BitBlock `yaml:"coils,omitempty"`
	DiscreteInputs   []BitBlock `yaml:"discrete_inputs,omitempty"`
	InputRegisters   []RegBlock `yaml:"input_registers,omitempty"`
	HoldingRegisters []RegBlock `yaml:"holding_registers,omitempty"`
	// Holes are addresses removed from the blocks above: reading or writing
	// them raises exception 02, as does any address no block defines.
	Holes []Hole `yaml:"holes,omitempty"`

	// Identity answers functions 43/14 and 17; without it both raise exception 01.
	Identity *Identity `yaml:"identity,omitempty"`
}

// RegBlock defines registers from Address on: Values, then zeros up to Count
// registers. A block with a Wave holds a changing measurement of Wave.Words
// registers and is read-only.
type RegBlock struct {
	Address  int   `yaml:"address"`
	Count    int   `yaml:"count,omitempty"`
	Values   []int `yaml:"values,omitempty"` // -32768..65535; negatives are stored as two's complement
	ReadOnly bool  `yaml:"read_only,omitempty"`
	Wave     *Wave `yaml:"wave,omitempty"`
}

// BitBlock defines coils or discrete inputs from Address on: Values, then
// false up to Count. Toggle > 0 makes every bit of the block flip each Toggle.
type BitBlock struct {
	Address  int           `yaml:"address"`
	Count    int           `yaml:"count,omitempty"`
	Values   []bool        `yaml:"values,omitempty"`
	ReadOnly bool          `yaml:"read_only,omitempty"`
	Toggle   time.Duration `yaml:"toggle,omitempty"`
}

// WaveKind is the shape of a changing value.
type WaveKind string

// Wave kinds. t is the time since the device was created.
const (
	WaveCounter WaveKind = "counter" // Offset + Step·⌊t/Period⌋
	WaveSine    WaveKind = "sine"    // Offset + Amplitude·sin(2πt/Period)
	WaveRamp    WaveKind = "ramp"    // Offset + Amplitude·frac(t/Period)
)

// Wave is a value that changes with time, deterministic given the device clock.
type Wave struct {
	Kind      WaveKind      `yaml:"kind"`
	Words     int           `yaml:"words,omitempty"` // 1 (default) or 2: 32 bits, high word first
	Offset    float64       `yaml:"offset,omitempty"`
	Amplitude float64       `yaml:"amplitude,omitempty"`
	Step      float64       `yaml:"step,omitempty"`
	Period    time.Duration `yaml:"period"`
}

// Table names a register table.
type Table string

// Register tables.
const (
	TableCoils     Table = "coils"
	TableDiscrete  Table = "discrete_inputs"
	TableInput     Table = "input_registers"
	TableHolding   Table = "holding_registers"
	tableUndefined Table = ""
)

// Hole is a run of addresses of one table that raise exception 02.
type Hole struct {
	Table   Table `yaml:"table"`
	Address int   `yaml:"address"`
	Count   int   `yaml:"count,omitempty"` // 0 means 1
}

// Identity is what a device reports about itself. The string objects answer
// function 43/14: 0-2 are basic, 3-6 regular, Extended (IDs 0x80-0xFF) extended.
type Identity struct {
	VendorName          string         `yaml:"vendor_name,omitempty"`
	ProductCode         string         `yaml:"product_code,omitempty"`
	Revision            string         `yaml:"revision,omitempty"`
	VendorURL           string         `yaml:"vendor_url,omitempty"`
	ProductName         string         `yaml:"product_name,omitempty"`
	ModelName           string         `yaml:"model_name,omitempty"`
	UserApplicationName string         `yaml:"user_application_name,omitempty"`
	Extended            map[int]string `yaml:"extended,omitempty"`
	// Conformity is the 43/14 conformity level; 0 derives it from the objects
	// present (0x81, 0x82 or 0x83: stream and individual access).
	Conformity int `yaml:"conformity,omitempty"`
	// ServerID answers function 17; nil raises exception 01.
	ServerID *ServerID `yaml:"server_id,omitempty"`
}

// ServerID is the function 17 reply: server ID byte, run indicator, then Data.
type ServerID struct {
	ID      int    `yaml:"id"`
	Running bool   `yaml:"running"`
	Data    string `yaml:"data,omitempty"`
}
