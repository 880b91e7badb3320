package sim

import (
	"errors"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/busprobe/busprobe/profiles"
	"github.com/busprobe/busprobe/protocols/modbus"
)

// Option adjusts a device, bus or plant at construction.
type Option func(*options)

type options struct {
	clock func() time.Time
	// lib returns the profile library that DeviceConfig.Profile names
	// resolve in; the embedded library is loaded on first use only.
	lib func() *profiles.Library
}

// WithClock makes devices read time from clock instead of time.Now. Waves
// and toggling bits are functions of the time since the device was created,
// so a test that steps its clock gets exact values. Line timing always uses
// real time.
func WithClock(clock func() time.Time) Option {
	return func(o *options) { o.clock = clock }
}

// WithProfiles resolves DeviceConfig.Profile in lib instead of the
// embedded library (profiles.Embedded).
func WithProfiles(lib *profiles.Library) Option {
	return func(o *options) { o.lib = func() *profiles.Library { return lib } }
}

func buildOptions(opts []Option) options {
	o := options{clock: time.Now}
	for _, f := range opts {
		f(&o)
	}
	if o.lib == nil {
		// A broken embedded profile does not hide the others; a device that
		// names it fails validation as an unknown profile.
		o.lib = sync.OnceValue(func() *profiles.Library {
			l, _ := profiles.Embedded()
			return l
		})
	}
	return o
}

// DeviceStats counts what a device did.
type DeviceStats struct {
	Requests   uint64 // requests addressed to it (broadcasts included)
	Exceptions uint64 // exception replies
	Busy       uint64 // exception 06 replies drawn from BusyRate
	Ignored    uint64 // requests left unanswered (IgnoreFunctions)
	Broadcasts uint64 // broadcast requests executed without reply
}

// Device is a simulated Modbus device. It is safe for concurrent use.
type Device struct {
	unit    byte
	name    string
	clock   func() time.Time
	epoch   time.Time
	maxRegs int
	maxBits int
	busy    float64
	turn    time.Duration
	jitter  time.Duration
	ignore  map[modbus.FunctionCode]bool
	objects []modbus.DeviceObject
	conform byte
	server  []byte // function 17 raw reply; nil: unsupported
	profile string // the profile's ID when built from one

	mu    sync.Mutex
	rng   *rand.Rand
	img   *image
	stats DeviceStats
}

// NewDevice builds a device from its description. The description is
// checked first; problems come back as ConfigErrors.
func NewDevice(cfg DeviceConfig, opts ...Option) (*Device, error) {
	o := buildOptions(opts)
	v := &validator{lib: o.lib}
	if cfg.Unit < 0 || cfg.Unit > 255 {
		v.add("$.unit", "unit %d out of range 0..255", cfg.Unit)
	}
	v.device("$", &cfg)
	if len(v.errs) > 0 {
		return nil, v.errs
	}
	return newDevice(&cfg, o), nil
}

// newDevice builds a device from a validated description.
func newDevice(cfg *DeviceConfig, o options) *Device {
	var pd *profileDevice
	if cfg.Profile != "" {
		prof, _ := o.lib().Get(cfg.Profile) // validated
		pd = newProfileDevice(prof, cfg)
		cfg = pd.merged(cfg)
	}
	d := &Device{
		unit:    byte(cfg.Unit),
		name:    cfg.Name,
		clock:   o.clock,
		epoch:   o.clock(),
		maxRegs: cfg.MaxRegisters,
		maxBits: cfg.MaxBits,
		busy:    cfg.BusyRate,
		turn:    cfg.Turnaround,
		jitter:  cfg.Jitter,
		ignore:  map[modbus.FunctionCode]bool{},
		rng:     rand.New(rand.NewPCG(uint64(cfg.Seed), uint64(cfg.Unit))),
		img:     newImage(cfg, pd),
	}
	if pd != nil {
		d.profile = pd.prof.ID
	}
	if d.maxRegs == 0 {
		d.maxRegs = modbus.MaxReadRegisters
	}
	if d.maxBits == 0 {
		d.maxBits = modbus.MaxReadBits
	}
	for _, fc := range cfg.IgnoreFunctions {
		d.ignore[modbus.FunctionCode(fc)] = true
	}
	if cfg.Identity != nil {
		d.objects, d.conform = identityObjects(cfg.Identity)
		if s := cfg.Identity.ServerID; s != nil {
			run := byte(0x00)
			if s.Running {
				run = 0xFF
			}
			d.server = append([]byte{byte(s.ID), run}, s.Data...)
		}
	}
	return d
}

// Unit returns the device's unit ID.
func (d *Device) Unit() byte { return d.unit }

// Name returns the device's name from its description.
func (d *Device) Name() string { return d.name }

// Profile returns the ID of the profile the device was built from, or "".
func (d *Device) Profile() string { return d.profile }

// Stats returns a copy of the device's counters.
func (d *Device) Stats() DeviceStats {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stats
}

// Turnaround draws the device's next turnaround: the configured turnaround
// plus a uniform draw from [0, Jitter) of the device's own generator.
func (d *Device) Turnaround() time.Duration {
	if d.jitter <= 0 {
		return d.turn
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.turn + time.Duration(d.rng.Int64N(int64(d.jitter)))
}

// Handle serves one request addressed to the device and returns the reply
// PDU (a normal or exception response). respond is false when the device
// stays silent (a function listed in IgnoreFunctions). Transports add the
// turnaround (Turnaround) and framing.
func (d *Device) Handle(req modbus.PDU) (resp modbus.PDU, respond bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.stats.Requests++
	if d.ignore[req.Function] {
		d.stats.Ignored++
		return modbus.PDU{}, false
	}
	resp = d.handle(req)
	if resp.Function.IsException() {
		d.stats.Exceptions++
		if len(resp.Data) == 1 && modbus.ExceptionCode(resp.Data[0]) == modbus.ExServerDeviceBusy {
			d.stats.Busy++
		}
	}
	return resp, true
}

// Broadcast executes a request sent to unit 0: write functions take effect,
// nothing is answered, other functions are ignored.
func (d *Device) Broadcast(req modbus.PDU) {
	switch req.Function {
	case modbus.FuncWriteSingleCoil, modbus.FuncWriteSingleRegister,
		modbus.FuncWriteMultipleCoils, modbus.FuncWriteMultipleRegisters:
	default:
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.stats.Requests++
	d.stats.Broadcasts++
	d.handle(req)
}

// handle builds the reply to req; d.mu is held.
func (d *Device) handle(req modbus.PDU) modbus.PDU {
	r, err := modbus.ParseRequest(req)
	if err != nil {
		var ex *modbus.ExceptionError
		if errors.As(err, &ex) {
			return modbus.ExceptionPDU(req.Function, ex.Code)
		}
		return modbus.ExceptionPDU(req.Function, modbus.ExIllegalDataValue)
	}
	if d.busy > 0 && d.rng.Float64() < d.busy {
		return modbus.ExceptionPDU(r.Function, modbus.ExServerDeviceBusy)
	}
	t := d.clock().Sub(d.epoch)
	fail := func(c modbus.ExceptionCode) modbus.PDU { return modbus.ExceptionPDU(r.Function, c) }
	im := d.img
	switch r.Function {
	case modbus.FuncReadCoils, modbus.FuncReadDiscreteInputs:
		if int(r.Count) > d.maxBits {
			return fail(modbus.ExIllegalDataValue)
		}
		m := im.coils
		if r.Function == modbus.FuncReadDiscreteInputs {
			m = im.discrete
		}
		bits, c := readBits(m, r.Address, r.Count, t)
		if c != 0 {
			return fail(c)
		}
		return modbus.BitsResponse(r.Function, bits)
	case modbus.FuncReadHoldingRegisters, modbus.FuncReadInputRegisters:
		if int(r.Count) > d.maxRegs {
			return fail(modbus.ExIllegalDataValue)
		}
		m := im.holding
		if r.Function == modbus.FuncReadInputRegisters {
			m = im.input
		}
		regs, c := readRegs(m, r.Address, r.Count, t)
		if c != 0 {
			return fail(c)
		}
		return modbus.RegistersResponse(r.Function, regs)
	case modbus.FuncWriteSingleCoil, modbus.FuncWriteMultipleCoils:
		if len(r.Bits) > d.maxBits {
			return fail(modbus.ExIllegalDataValue)
		}
		if c := im.writeBits(r.Address, r.Bits); c != 0 {
			return fail(c)
		}
		return modbus.WriteResponse(r)
	case modbus.FuncWriteSingleRegister, modbus.FuncWriteMultipleRegisters:
		if len(r.Values) > d.maxRegs {
			return fail(modbus.ExIllegalDataValue)
		}
		if c := im.checkWriteRegs(r.Address, len(r.Values)); c != 0 {
			return fail(c)
		}
		im.writeRegs(r.Address, r.Values)
		return modbus.WriteResponse(r)
	case modbus.FuncReadWriteMultipleRegisters:
		return d.readWrite(r, t)
	case modbus.FuncDiagnostics:
		return modbus.EchoResponse(r)
	case modbus.FuncReportServerID:
		if d.server == nil {
			return fail(modbus.ExIllegalFunction)
		}
		return modbus.ServerIDResponse(d.server)
	case modbus.FuncEncapsulatedInterface:
		if len(d.objects) == 0 {
			return fail(modbus.ExIllegalFunction)
		}
		return modbus.DeviceIDResponse(r, d.conform, d.objects)
	}
	return fail(modbus.ExIllegalFunction)
}

// readWrite serves function 23: the write happens before the read, and
// nothing is written unless both ranges are valid.
func (d *Device) readWrite(r modbus.Request, t time.Duration) modbus.PDU {
	fail := func(c modbus.ExceptionCode) modbus.PDU { return modbus.ExceptionPDU(r.Function, c) }
	if int(r.Count) > d.maxRegs || len(r.Values) > d.maxRegs {
		return fail(modbus.ExIllegalDataValue)
	}
	if c := d.img.checkWriteRegs(r.WriteAddress, len(r.Values)); c != 0 {
		return fail(c)
	}
	if _, c := readRegs(d.img.holding, r.Address, r.Count, t); c != 0 {
		return fail(c)
	}
	d.img.writeRegs(r.WriteAddress, r.Values)
	regs, _ := readRegs(d.img.holding, r.Address, r.Count, t)
	return modbus.RegistersResponse(r.Function, regs)
}
