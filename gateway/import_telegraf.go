package gateway

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/busprobe/busprobe/profiles"
)

// ImportError is a Telegraf config busprobe cannot import, located.
type ImportError struct {
	File string
	Line int
	Msg  string
}

// Error formats as "FILE:LINE: MSG".
func (e *ImportError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// ImportedProfile is a register map built from an imported config: its
// YAML (ready to save) and the profile profiles.Load read back from it.
type ImportedProfile struct {
	ID      string
	YAML    []byte
	Profile *profiles.Profile
}

// Imported is what ImportTelegraf read: the native config and one
// profile per device (slave).
type Imported struct {
	Config   Config
	Profiles []ImportedProfile
}

// impDevice collects the points of one slave on one bus.
type impDevice struct {
	name     string
	bus      string
	unit     int
	interval time.Duration
	pause    time.Duration
	single   bool
	points   []impPoint
	names    map[string]bool
}

// ImportTelegraf reads a Telegraf config's [[inputs.modbus]] sections,
// in the "request" and the classic "register" configuration styles, into
// a native config with one profile per slave ("telegraf-DEVICE"). A
// device is named after its request tag "device" when it has one (as
// busprobe's Telegraf export writes), else INPUT_uSLAVE. Imported:
// buses, slaves, fields (table, address, type, byte order, scale, string
// length, bit), interval, pause_between_requests and
// one_request_per_field. Telegraf's request optimisation and per-field
// output types are not carried over. Anything busprobe cannot represent
// is an *ImportError with the line it is on.
func ImportTelegraf(generator, file string, data []byte) (*Imported, error) {
	root, err := ParseTOML(file, data)
	if err != nil {
		return nil, err
	}
	im := &importer{file: file, byKey: map[string]*impDevice{}}
	inputs, _ := root.Get("inputs")
	it, _ := inputs.V.(*TOMLTable)
	var sections []*TOMLTable
	if it != nil {
		mv, _ := it.Get("modbus")
		switch x := mv.V.(type) {
		case []*TOMLTable:
			sections = x
		case *TOMLTable:
			sections = []*TOMLTable{x}
		}
	}
	if len(sections) == 0 {
		return nil, &ImportError{File: file, Line: 1, Msg: "no [[inputs.modbus]] section"}
	}
	for _, s := range sections {
		if err := im.input(s); err != nil {
			return nil, err
		}
	}
	return im.build(generator)
}

// importer accumulates buses and devices over the inputs.
type importer struct {
	file    string
	cfg     Config
	devices []*impDevice
	byKey   map[string]*impDevice
}

func (im *importer) errAt(line int, format string, args ...any) *ImportError {
	return &ImportError{File: im.file, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// input imports one [[inputs.modbus]].
func (im *importer) input(s *TOMLTable) error {
	name := tomlStr(s, "name", "modbus")
	bus, err := im.bus(s, name)
	if err != nil {
		return err
	}
	interval := DefaultPollInterval
	if v, ok := s.Get("interval"); ok {
		d, err := time.ParseDuration(fmt.Sprint(v.V))
		if err != nil || d <= 0 {
			return im.errAt(v.Line, "interval %v: want a duration such as \"10s\"", v.V)
		}
		interval = d
	}
	var pause time.Duration
	var single bool
	if w, ok := s.Get("workarounds"); ok {
		wt, _ := w.V.(*TOMLTable)
		if wt == nil {
			return im.errAt(w.Line, "workarounds: want a table")
		}
		if v, ok := wt.Get("pause_between_requests"); ok {
			if pause, err = time.ParseDuration(fmt.Sprint(v.V)); err != nil {
				return im.errAt(v.Line, "pause_between_requests %v: want a duration", v.V)
			}
		}
		if v, ok := wt.Get("one_request_per_field"); ok {
			single, _ = v.V.(bool)
		}
	}
	dev := func(unit int, tag string) *impDevice {
		key := fmt.Sprintf("%s/%d", bus, unit)
		if d, ok := im.byKey[key]; ok {
			return d
		}
		n := Slug(fmt.Sprintf("%s_u%d", name, unit))
		if tag != "" {
			n = Slug(tag)
		}
		d := &impDevice{name: n, bus: bus, unit: unit, interval: interval, pause: pause, single: single, names: map[string]bool{}}
		im.byKey[key] = d
		im.devices = append(im.devices, d)
		return d
	}
	switch style := tomlStr(s, "configuration_type", "register"); style {
	case "request":
		return im.requests(s, dev)
	case "register":
		return im.registers(s, dev)
	default:
		v, _ := s.Get("configuration_type")
		return im.errAt(v.Line, "configuration_type %q: busprobe imports the request and register styles", style)
	}
}

// bus returns the name of the input's bus, adding it when new.
func (im *importer) bus(s *TOMLTable, name string) (string, error) {
	cv, ok := s.Get("controller")
	if !ok {
		return "", im.errAt(s.Line, "[[inputs.modbus]] %s: no controller", name)
	}
	ctrl := fmt.Sprint(cv.V)
	mode := strings.ToUpper(tomlStr(s, "transmission_mode", "auto"))
	var b Bus
	switch {
	case strings.HasPrefix(ctrl, "tcp://"):
		host, port, err := net.SplitHostPort(strings.TrimPrefix(ctrl, "tcp://"))
		p, perr := strconv.Atoi(port)
		if err != nil || perr != nil || p < 1 || p > 65535 {
			return "", im.errAt(cv.Line, "controller %q: want tcp://HOST:PORT", ctrl)
		}
		framing := FramingMBAP
		switch mode {
		case "TCP", "AUTO":
		case "RTUOVERTCP":
			framing = FramingRTUOverTCP
		default:
			return "", im.errAt(cv.Line, "transmission_mode %q: busprobe takes TCP and RTUoverTCP on tcp://", mode)
		}
		b = Bus{Kind: BusTCP, TCP: &TCP{Host: host, Port: p, Framing: framing}}
	case strings.HasPrefix(ctrl, "file://"):
		if mode != "RTU" && mode != "AUTO" {
			return "", im.errAt(cv.Line, "transmission_mode %q: busprobe takes RTU on a serial port", mode)
		}
		b = Bus{Kind: BusSerial, Serial: &Serial{Port: strings.TrimPrefix(ctrl, "file://"), Baud: tomlInt(s, "baud_rate", 9600),
			DataBits: tomlInt(s, "data_bits", 8), Parity: strings.ToUpper(tomlStr(s, "parity", "N")), StopBits: tomlInt(s, "stop_bits", 1)}}
	default:
		return "", im.errAt(cv.Line, "controller %q: want tcp://HOST:PORT or file:///dev/PORT", ctrl)
	}
	for _, x := range im.cfg.Buses {
		if sameEndpoint(x, b) {
			return x.Name, nil
		}
	}
	b.Name = Slug(name)
	for i := 2; ; i++ {
		if _, taken := im.cfg.Bus(b.Name); !taken {
			break
		}
		b.Name = Slug(fmt.Sprintf("%s_%d", name, i))
	}
	im.cfg.Buses = append(im.cfg.Buses, b)
	return b.Name, nil
}

// sameEndpoint reports whether two buses reach the same port or host.
func sameEndpoint(a, b Bus) bool {
	switch {
	case a.TCP != nil && b.TCP != nil:
		return *a.TCP == *b.TCP
	case a.Serial != nil && b.Serial != nil:
		return a.Serial.Port == b.Serial.Port
	}
	return false
}

func tomlStr(t *TOMLTable, key, def string) string {
	if v, ok := t.Get(key); ok {
		if s, ok := v.V.(string); ok {
			return s
		}
	}
	return def
}

func tomlInt(t *TOMLTable, key string, def int) int {
	if v, ok := t.Get(key); ok {
		if i, ok := v.V.(int64); ok {
			return int(i)
		}
	}
	return def
}

func tomlFloat(v TOMLValue) (float64, bool) {
	switch x := v.V.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}
