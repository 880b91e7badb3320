package sim

import (
	"fmt"
	"time"

	"github.com/busprobe/busprobe/protocols/modbus"
)

// RTUBus is a simulated RS-485 segment: devices sharing one line setting.
// It is served on a pty or serial port by Start, and reached in-process with
// NewLine; all of them share the bus's devices, faults and counters. It is
// safe for concurrent use.
type RTUBus struct {
	core     *core
	line     modbus.LineSettings
	mismatch Mismatch
	echo     bool
	sniff    bool // serve a listen-only copy of the line (see sniffPty)
}

// NewRTUBus builds an RTU bus from its description (Kind must be rtu). The
// bus is not served anywhere until Start serves it or NewLine reaches it.
func NewRTUBus(cfg Bus, opts ...Option) (*RTUBus, error) {
	if cfg.Kind != BusRTU {
		return nil, fmt.Errorf("sim: bus %q: kind %q, want rtu", cfg.Name, cfg.Kind)
	}
	p := Plant{Buses: []Bus{cfg}}
	o := buildOptions(opts)
	if err := p.validate(o); err != nil {
		return nil, fmt.Errorf("sim: bus %q: %w", cfg.Name, err)
	}
	return newRTUBus(&cfg, o), nil
}

// newRTUBus builds a validated RTU bus.
func newRTUBus(cfg *Bus, o options) *RTUBus {
	m := cfg.Mismatch
	if m == "" {
		m = MismatchGarbage
	}
	return &RTUBus{core: newCore(cfg, o), line: cfg.Line.Settings(), mismatch: m, echo: cfg.Echo, sniff: cfg.Sniff}
}

// Name returns the bus's name.
func (b *RTUBus) Name() string { return b.core.name }

// Settings returns the bus's line settings.
func (b *RTUBus) Settings() modbus.LineSettings { return b.line }

// Stats returns a copy of the bus's counters.
func (b *RTUBus) Stats() Stats { return b.core.snapshot() }

// Device returns the device at unit, or nil.
func (b *RTUBus) Device(unit byte) *Device { return b.core.devices[unit] }

// Units returns the bus's unit IDs in order.
func (b *RTUBus) Units() []byte { return b.core.units() }

// exchange serves one request frame sent by a client at settings client
// (whose baud is 0 when unknown: taken as matching). It returns the bytes
// the client receives, or nil, and the delay from the end of the request on
// the wire to the arrival of the reply's last byte: turnaround, any late
// fault, and — when wire is set — the reply's wire time at the bus's settings.
func (b *RTUBus) exchange(frame []byte, client modbus.LineSettings, wire bool) ([]byte, time.Duration) {
	reply, delay := b.core.rtuReply(frame)
	if reply == nil {
		return nil, 0
	}
	if wire {
		delay += b.line.FrameTime(len(reply))
	}
	if b.mismatch != MismatchIgnore && client.Baud > 0 && mismatched(b.line, client) {
		if b.mismatch == MismatchSilent {
			b.core.count(func(s *Stats) { s.Muted++; s.Replies-- })
			return nil, 0
		}
		b.core.count(func(s *Stats) { s.Garbage++ })
		reply = resample(reply, b.line, client)
		if len(reply) == 0 {
			return nil, 0
		}
	}
	return reply, delay
}

// withBaud returns the bus's settings with another baud rate: what a client
// on a pty is known to use (a pty carries the baud, never the parity).
func (b *RTUBus) withBaud(baud int) modbus.LineSettings {
	s := b.line
	s.Baud = baud
	return s
}
