package sim

import (
	"math/rand/v2"
	"sort"
	"sync"
	"time"

	"github.com/busprobe/busprobe/protocols/modbus"
)

// defaultLateDelay is how long a late reply is held back when Faults.LateDelay is 0.
const defaultLateDelay = 500 * time.Millisecond

// Stats counts what a bus did. Fault counters count injected faults, so a
// test can compare them with the configured rates.
type Stats struct {
	Requests    uint64 // well-formed requests received
	BadFrames   uint64 // requests ignored: bad CRC, malformed or cut short
	Replies     uint64 // replies sent, faulty and garbled ones included
	Exceptions  uint64 // exception replies produced (gateway 0A/0B included)
	Absent      uint64 // requests for units the bus does not have
	Broadcasts  uint64 // requests to unit 0
	Ignored     uint64 // requests a device chose not to answer
	Dropped     uint64 // replies dropped (fault)
	Late        uint64 // replies delayed (fault)
	Truncated   uint64 // replies cut short (fault)
	CorruptCRC  uint64 // replies with a corrupted CRC (fault)
	Garbage     uint64 // replies garbled by a line-settings mismatch
	Muted       uint64 // replies withheld by a line-settings mismatch (mismatch: silent)
	Echoes      uint64 // requests echoed back (Bus.Echo)
	Connections uint64 // TCP connections accepted and served
	Refused     uint64 // TCP connections closed at once beyond MaxConnections
}

// core is what every bus shares: its devices, unit routing, fault injection
// and counters.
type core struct {
	name    string
	devices map[byte]*Device
	absent  Absent
	faults  Faults

	mu    sync.Mutex
	rng   *rand.Rand
	stats Stats
}

// newCore builds a bus's devices; the bus description must be valid.
func newCore(b *Bus, o options) *core {
	c := &core{
		name:    b.Name,
		devices: map[byte]*Device{},
		absent:  b.Absent,
		faults:  b.Faults,
		rng:     rand.New(rand.NewPCG(uint64(b.Seed), 0x5eed)),
	}
	if b.Kind == BusRTU {
		c.absent = AbsentSilent
	} else if c.absent == "" {
		c.absent = AbsentException
	}
	if c.faults.LateDelay == 0 {
		c.faults.LateDelay = defaultLateDelay
	}
	for i := range b.Devices {
		d := newDevice(&b.Devices[i], o)
		c.devices[d.unit] = d
	}
	return c
}

// profiles maps the units built from a profile to its ID (nil: none).
func (c *core) profiles() map[byte]string {
	var m map[byte]string
	for u, d := range c.devices {
		if d.profile != "" {
			if m == nil {
				m = map[byte]string{}
			}
			m[u] = d.profile
		}
	}
	return m
}

// count applies f to the counters under the lock.
func (c *core) count(f func(*Stats)) {
	c.mu.Lock()
	f(&c.stats)
	c.mu.Unlock()
}

// snapshot returns a copy of the counters.
func (c *core) snapshot() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats
}

// units returns the bus's unit IDs in order.
func (c *core) units() []byte {
	u := make([]byte, 0, len(c.devices))
	for id := range c.devices {
		u = append(u, id)
	}
	sort.Slice(u, func(i, j int) bool { return u[i] < u[j] })
	return u
}

// serve routes one well-formed request to its unit. respond is false when
// nothing answers (broadcast, absent unit on a silent bus, ignoring device).
func (c *core) serve(unit byte, req modbus.PDU) (resp modbus.PDU, respond bool, turnaround time.Duration) {
	c.count(func(s *Stats) { s.Requests++ })
	if _, ok := c.devices[0]; unit == 0 && !ok {
		c.count(func(s *Stats) { s.Broadcasts++ })
		for _, d := range c.devices {
			d.Broadcast(req)
		}
		return modbus.PDU{}, false, 0
	}
	d, ok := c.devices[unit]
	if !ok {
		c.count(func(s *Stats) { s.Absent++ })
		switch c.absent {
		case AbsentException:
			resp = modbus.ExceptionPDU(req.Function, modbus.ExGatewayTargetNoResponse)
		case AbsentPath:
			resp = modbus.ExceptionPDU(req.Function, modbus.ExGatewayPathUnavailable)
		default:
			return modbus.PDU{}, false, 0
		}
		c.count(func(s *Stats) { s.Exceptions++ })
		return resp, true, 0
	}
	resp, ok = d.Handle(req)
	if !ok {
		c.count(func(s *Stats) { s.Ignored++ })
		return modbus.PDU{}, false, 0
	}
	if resp.Function.IsException() {
		c.count(func(s *Stats) { s.Exceptions++ })
	}
	return resp, true, d.Turnaround()
}

// inject applies the bus's faults to a reply frame. It returns the bytes to
// send (nil when dropped), the extra delay, and whether the frame was cut.
// crc says the frame ends in an RTU CRC that may be corrupted.
func (c *core) inject(frame []byte, crc bool) (out []byte, extra time.Duration, cut bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f := c.faults
	draw := func(rate float64) bool { return rate > 0 && c.rng.Float64() < rate }
	if draw(f.Drop) {
		c.stats.Dropped++
		return nil, 0, false
	}
	out = append([]byte(nil), frame...)
	if crc && len(out) >= 2 && draw(f.CorruptCRC) {
		c.stats.CorruptCRC++
		out[len(out)-2] ^= 0xA5
		out[len(out)-1] ^= 0x5A
	}
	if len(out) > 1 && draw(f.Truncate) {
		c.stats.Truncated++
		out = out[:1+c.rng.IntN(len(out)-1)]
		cut = true
	}
	if draw(f.Late) {
		c.stats.Late++
		extra = f.LateDelay
	}
	c.stats.Replies++
	return out, extra, cut
}

// rtuReply handles one RTU request frame: decode, route, encode and inject
// faults. It returns nil when nothing answers, and the delay from the end of
// the request to the start of the reply (turnaround plus any late fault).
func (c *core) rtuReply(frame []byte) ([]byte, time.Duration) {
	unit, pdu, err := modbus.DecodeRTU(frame)
	if err != nil {
		c.count(func(s *Stats) { s.BadFrames++ })
		return nil, 0
	}
	resp, ok, turn := c.serve(unit, pdu)
	if !ok {
		return nil, 0
	}
	out, extra, _ := c.inject(modbus.EncodeRTU(unit, resp), true)
	if out == nil {
		return nil, 0
	}
	return out, turn + extra
}
