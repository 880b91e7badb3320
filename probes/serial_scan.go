package probes

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/busprobe/busprobe/profiles"
	"github.com/busprobe/busprobe/protocols/modbus"
)

// LineOpener opens the serial line at the given character format. The real
// one is SerialPortOpener; tests plug in the simulator's in-process line or
// open the simulator's pty.
type LineOpener func(ctx context.Context, s modbus.LineSettings) (modbus.Line, error)

// SerialPortOpener opens the serial port at path (modbus.OpenSerial).
func SerialPortOpener(path string) LineOpener {
	return func(_ context.Context, s modbus.LineSettings) (modbus.Line, error) {
		return modbus.OpenSerial(path, s)
	}
}

// DefaultBauds are the baud rates an automatic scan tries, most likely first.
var DefaultBauds = []int{9600, 19200, 38400, 115200, 4800, 57600, 2400, 1200}

// DefaultParities are the parities an automatic scan tries, most likely
// first. N comes first although the Modbus specification makes E the
// default: 8N1 is what most field installations run (and what most
// devices ship with). Odd parity is rare; see SerialSettingsOrder.
var DefaultParities = []string{"N", "E", "O"}

// CommonUnits are the unit IDs tried first at each line setting to lock the
// settings fast: factory defaults cluster at the low IDs, and 247 is the
// other common default.
var CommonUnits = []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 247}

// DefaultInitialTurnaround is the turnaround allowance before any device has
// answered. Once one has, the allowance is derived from what was measured.
const DefaultInitialTurnaround = 50 * time.Millisecond

// SerialScanConfig configures ScanSerial. Zero values pick the defaults.
type SerialScanConfig struct {
	Port     string   // the serial port, for URLs and reports
	Bauds    []int    // candidate baud rates, most likely first (DefaultBauds)
	Parities []string // candidate parities N, E, O (DefaultParities)
	StopBits []int    // candidate stop bits ([1]); see the note in ScanSerial
	Units    []int    // unit IDs to probe (1..247); 0 is never probed
	// Timeout is a fixed reply window per probe (counted from the request's
	// last byte); 0 derives it from the line and the devices (see ScanSerial).
	Timeout time.Duration
	// Retries is how many more times a silent unit is asked (default 0: a
	// unit that shows any sign of life gets a slower second pass anyway).
	Retries int
	// InitialTurnaround is the allowance before any device has answered
	// (DefaultInitialTurnaround).
	InitialTurnaround time.Duration
	// Library is the profile library each device found is identified
	// against (Identify: 43/14, 17, SunSpec, fingerprints); nil identifies
	// without profiles. NoIdentify skips identification.
	Library    *profiles.Library
	NoIdentify bool
	// Tap sees every frame the scan sends and receives.
	Tap modbus.Tap
}

// Scan tuning.
const (
	turnaroundFactor = 1.25                   // the window allows this × the slowest turnaround measured…
	minMargin        = 3 * time.Millisecond   // …plus this (or 2 characters), for timer and driver latency
	minSlowAllowance = 100 * time.Millisecond // second-pass allowance is at least this…
	slowFactor       = 3                      // …and at least this × the normal allowance
	garbleTries      = 5                      // tries for a unit whose replies come back garbled
	dupGarbled       = 3                      // garbled replies out of garbleTries that mean "duplicate unit ID"
	maxSecondRounds  = 3                      // rounds of the slow second pass
	suspectLookback  = 3                      // units before a stray garbage burst that become suspects
)

// serialScan is one run of ScanSerial.
type serialScan struct {
	cfg   SerialScanConfig
	open  LineOpener
	emit  func(Event)
	res   ScanResult
	start time.Time

	line   modbus.Line
	cur    modbus.LineSettings
	prober *lineProber

	maxTurn  time.Duration
	measured bool
	echo     bool
	units    map[byte]*unitState // at the locked settings
	order    []byte              // sent order at the locked settings (for stray garbage)
	done     int
	planned  int
	notes    []string
}

// ScanSerial finds the devices on a serial line: the line settings they use
// and their unit IDs. emit (may be nil) receives progress and found events
// as the scan runs. The result lists the devices in unit order.
//
// Timing: each probe (FC03, one register at 0) waits a window counted from
// the request's last byte: the reply's wire time plus a turnaround
// allowance. Until a device has answered the allowance is
// cfg.InitialTurnaround; then it is 1.25 × the slowest turnaround measured
// plus a margin of max(3 ms, 2 characters). A device slower than that still
// shows: its reply arrives in a later window and is taken as a late reply
// (or as garbage that makes the units just asked suspects), and a slower
// second pass asks again. An exception reply proves a device as well as a
// normal one.
//
// Settings: with several candidates, phase 1 asks the common unit IDs (1-10,
// 247) at each setting, most likely first. Garbage is evidence of the right
// wire at the wrong settings: the scan leaves that setting at once and tries
// next the settings nearest to what the garbage suggests (about as many
// bytes as a reply: same baud, other parity; fewer: a faster bus; more: a
// slower one), asking the unit that produced it first. A clean reply locks
// the settings (devices on one segment share them); phase 2 sweeps every
// unit there. Stop bits cannot be told apart by listening (a receiver checks
// only the first stop bit); the first candidate is reported.
//
// Duplicate unit IDs show as two replies to one request, or as replies that
// come back garbled at settings proven right (3 of 5 tries). RS-485 local
// echo (the adapter returns each request) is recognised and reported.
func ScanSerial(ctx context.Context, open LineOpener, cfg SerialScanConfig, emit func(Event)) (ScanResult, error) {
	s := &serialScan{cfg: withSerialDefaults(cfg), open: open, emit: emit, units: map[byte]*unitState{}}
	if emit == nil {
		s.emit = func(Event) {}
	}
	s.start = time.Now()
	s.res = ScanResult{SchemaVersion: ScanSchemaVersion, Kind: "serial", Target: cfg.Port, Started: s.start, Devices: []Device{}}
	err := s.run(ctx)
	if s.line != nil {
		if err == nil && !s.cfg.NoIdentify && len(s.res.Devices) > 0 {
			s.identify(ctx)
		}
		_ = s.line.Close()
	}
	s.res.Duration = time.Since(s.start)
	s.res.DurationMS = ms(s.res.Duration)
	s.res.Notes = append(s.res.Notes, s.notes...)
	if ctx.Err() != nil {
		s.res.Interrupted = true
		err = ctx.Err()
	}
	res := s.res
	s.emit(Event{Type: "done", Result: &res})
	return s.res, err
}

func withSerialDefaults(c SerialScanConfig) SerialScanConfig {
	if len(c.Bauds) == 0 {
		c.Bauds = DefaultBauds
	}
	if len(c.Parities) == 0 {
		c.Parities = DefaultParities
	}
	if len(c.StopBits) == 0 {
		c.StopBits = []int{1}
	}
	if len(c.Units) == 0 {
		for u := 1; u <= 247; u++ {
			c.Units = append(c.Units, u)
		}
	}
	c.Units = slices.DeleteFunc(slices.Clone(c.Units), func(u int) bool { return u <= 0 || u > 255 })
	if c.InitialTurnaround <= 0 {
		c.InitialTurnaround = DefaultInitialTurnaround
	}
	c.Retries = max(c.Retries, 0)
	return c
}

func (s *serialScan) run(ctx context.Context) error {
	cands := SerialSettingsOrder(s.cfg.Bauds, s.cfg.Parities, s.cfg.StopBits)
	if len(s.cfg.Units) == 0 {
		return errors.New("no unit IDs to probe")
	}
	s.planned = len(s.cfg.Units)
	locked := false
	if len(cands) == 1 {
		if err := s.use(ctx, cands[0]); err != nil {
			return err
		}
		locked = true
	} else {
		s.planned += len(cands) * len(s.common())
		var err error
		locked, err = s.findSettings(ctx, cands)
		if err != nil {
			return err
		}
	}
	if !locked {
		// No evidence anywhere: sweep every unit at each setting, most likely
		// first, until one holds a device.
		s.notes = append(s.notes, "no reply to the common unit IDs at any setting: full sweep at each setting")
		for _, c := range cands {
			if err := s.use(ctx, c); err != nil {
				return err
			}
			if err := s.sweep(ctx); err != nil {
				return err
			}
			if s.foundCount() > 0 {
				break
			}
		}
	} else if err := s.sweep(ctx); err != nil {
		return err
	}
	if err := s.linger(ctx); err != nil {
		return err
	}
	if err := s.secondPass(ctx); err != nil {
		return err
	}
	s.finish()
	return nil
}

// common returns the common unit IDs that are among the units to probe.
func (s *serialScan) common() []byte {
	var out []byte
	for _, u := range CommonUnits {
		if slices.Contains(s.cfg.Units, u) {
			out = append(out, byte(u))
		}
	}
	return out
}

// use opens the line at settings c (closing the previous one) and resets the
// per-settings state.
func (s *serialScan) use(ctx context.Context, c modbus.LineSettings) error {
	if s.line != nil && s.cur == c {
		return nil
	}
	if s.line != nil {
		_ = s.line.Close()
		s.line = nil
	}
	line, err := s.open(ctx, c)
	if err != nil {
		return err
	}
	s.line, s.cur = line, c
	s.prober = newLineProber(line, c, s.cfg.Tap)
	s.units = map[byte]*unitState{}
	s.order = nil
	return nil
}

func appendOnce(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}
