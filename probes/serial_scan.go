package probes

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
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

// SerialSettingsOrder returns the candidate settings in the order a scan
// tries them before any evidence: for each baud (in the given order) the
// parities N and E (as given), then every baud with the remaining parities
// (O): baud rate is the likelier mistake, odd parity the rarest setting.
func SerialSettingsOrder(bauds []int, parities []string, stops []int) []modbus.LineSettings {
	var first, later []string
	for _, p := range parities {
		if p == "O" && len(parities) > 1 {
			later = append(later, p)
		} else {
			first = append(first, p)
		}
	}
	var out []modbus.LineSettings
	add := func(ps []string) {
		for _, b := range bauds {
			for _, p := range ps {
				for _, s := range stops {
					out = append(out, modbus.LineSettings{Baud: b, DataBits: 8, Parity: p, StopBits: s})
				}
			}
		}
	}
	add(first)
	add(later)
	return out
}

// unitState is what the scan knows about one unit at the locked settings.
type unitState struct {
	unit       byte
	probed     bool // asked at the locked settings, with a normal window
	found      bool
	late       bool // found only through a reply that came after its window
	exc        byte
	turns      []time.Duration
	tries      int
	garbled    int
	dup        bool
	sentAt     time.Time
	suspect    bool // showed a sign of life without a clean answer: second pass
	confirmed  bool // a late-found unit answered in a window
	secondSeen bool
	silent     int // tries that got nothing back in their window (a late reply may still come)
}

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

// allowance is the turnaround allowance of a normal window.
func (s *serialScan) allowance() time.Duration {
	if !s.measured {
		return s.cfg.InitialTurnaround
	}
	margin := max(minMargin, 2*s.cur.CharTime())
	return time.Duration(float64(s.maxTurn)*turnaroundFactor) + margin
}

// window is the reply window of one probe, counted from the request's end.
func (s *serialScan) window(slow bool) time.Duration {
	if s.cfg.Timeout > 0 {
		if slow {
			return 2 * s.cfg.Timeout
		}
		return s.cfg.Timeout
	}
	a := s.allowance()
	if slow {
		a = max(slowFactor*a, minSlowAllowance, 2*s.cfg.InitialTurnaround)
	}
	return s.cur.FrameTime(probeReplyLen) + a
}

func (s *serialScan) state(u byte) *unitState {
	st := s.units[u]
	if st == nil {
		st = &unitState{unit: u}
		s.units[u] = st
	}
	return st
}

// ask sends one probe to u and books what came back.
func (s *serialScan) ask(ctx context.Context, u byte, slow bool) (probeResult, error) {
	r, err := s.prober.probe(ctx, u, s.window(slow), s.allowance())
	s.res.Probes++
	s.done++
	if err != nil {
		return r, err
	}
	st := s.state(u)
	// A second reply means a duplicate unit ID only when no earlier request
	// to the unit is still unanswered (its late reply could be the second).
	cleanBefore := st.silent == 0
	if r.kind == probeSilent {
		st.silent++
	}
	st.sentAt = r.sent
	st.tries++
	s.order = append(s.order, u)
	if r.echo && !s.echo {
		s.echo = true
		s.notes = append(s.notes, "RS-485 local echo: the adapter returns every request on its receive line (harmless; busprobe discards it)")
	}
	for _, sf := range r.strays {
		s.stray(sf)
	}
	if len(r.drained) > 0 {
		s.strayGarbage(u)
	}
	switch r.kind {
	case probeAnswer:
		s.answered(st, r, cleanBefore)
	case probeGarbled, probeGarbage:
		st.garbled++
	}
	s.progress()
	return r, nil
}

// answered books a clean answer from st's unit.
func (s *serialScan) answered(st *unitState, r probeResult, cleanBefore bool) {
	st.turns = append(st.turns, r.turnaround)
	st.exc = r.exc
	if st.late {
		st.confirmed = true
	}
	if r.second && cleanBefore && !st.secondSeen {
		st.secondSeen, st.dup = true, true
	}
	if !s.measured || r.turnaround > s.maxTurn {
		s.maxTurn = r.turnaround
	}
	s.measured = true
	s.markFound(st, false)
}

// stray books a well-formed reply that came outside its unit's window.
func (s *serialScan) stray(sf strayFrame) {
	st, ok := s.units[sf.unit]
	if !ok || st.sentAt.IsZero() {
		s.notes = appendOnce(s.notes, fmt.Sprintf("unsolicited reply from unit %d (another master on the bus?)", sf.unit))
		return
	}
	switch {
	case !st.found:
		st.exc = sf.exc
		st.late = true
		s.markFound(st, true)
	case st.silent == 0 && !st.late:
		// Every request to the unit was answered in its window, and yet
		// another reply came: two devices answer to this unit ID.
		st.secondSeen, st.dup = true, true
	}
}

// strayGarbage makes the units asked just before a garbage burst suspects:
// one of them may have answered late into the next request.
func (s *serialScan) strayGarbage(current byte) {
	n := len(s.order)
	for i := max(0, n-suspectLookback); i < n; i++ {
		if u := s.order[i]; u != current {
			s.state(u).suspect = true
		}
	}
}

// markFound records st as found and emits the event.
func (s *serialScan) markFound(st *unitState, late bool) {
	if st.found {
		return
	}
	st.found = true
	st.late = late
	d := s.device(st)
	s.emit(Event{Type: "found", Device: &d})
}

func (s *serialScan) foundCount() int {
	n := 0
	for _, st := range s.units {
		if st.found || st.dup {
			n++
		}
	}
	return n
}

// progress emits a progress event with an ETA from the current window.
func (s *serialScan) progress() {
	left := max(s.planned-s.done, 0)
	per := s.cur.FrameTime(8) + s.window(false) + s.cur.T35()
	s.emit(Event{Type: "progress", Progress: &Progress{
		Done: s.done, Total: s.done + left, Current: s.cur.String(),
		ETAMS: ms(time.Duration(left) * per), FoundNow: s.foundCount(),
	}})
}

// evidence is garbage seen at some settings.
type evidence struct {
	at   modbus.LineSettings
	unit byte
	n    int // bytes of garbage
}

// findSettings is phase 1: it asks the common unit IDs at each candidate
// setting, steered by garbage, until a clean reply locks the settings.
func (s *serialScan) findSettings(ctx context.Context, cands []modbus.LineSettings) (bool, error) {
	tried := map[modbus.LineSettings]bool{}
	var evid []evidence
	var garbledAt *modbus.LineSettings // setting where replies came back structured but garbled
	common := s.common()
	for range len(cands) {
		c, ok := nextSettings(cands, tried, evid)
		if !ok {
			break
		}
		tried[c] = true
		if err := s.use(ctx, c); err != nil {
			return false, err
		}
		order := evidenceUnits(evid)
		for _, u := range common {
			if !slices.Contains(order, u) {
				order = append(order, u)
			}
		}
		s.planned -= len(common) // replanned below as asked
		s.planned += len(order)
	units:
		for _, u := range order {
			r, err := s.ask(ctx, u, false)
			if err != nil {
				return false, err
			}
			if s.foundCount() > 0 {
				return true, nil
			}
			switch r.kind {
			case probeGarbage:
				evid = append(evid, evidence{at: c, unit: u, n: len(r.junk)})
				break units
			case probeGarbled:
				// Header right, CRC wrong: probably the right settings and a
				// noisy reply (or a duplicate unit ID). Ask again.
				for range garbleTries - 1 {
					r2, err := s.ask(ctx, u, false)
					if err != nil {
						return false, err
					}
					if r2.kind == probeAnswer || s.foundCount() > 0 {
						return true, nil
					}
				}
				if garbledAt == nil {
					cc := c
					garbledAt = &cc
				}
				evid = append(evid, evidence{at: c, unit: u, n: probeReplyLen})
				break units
			}
			if len(r.drained) > 0 {
				evid = append(evid, evidence{at: c, unit: u, n: len(r.drained)})
			}
		}
	}
	if garbledAt != nil {
		if err := s.use(ctx, *garbledAt); err != nil {
			return false, err
		}
		s.notes = append(s.notes, fmt.Sprintf("no clean reply at any setting; %s gave well-framed replies with bad CRCs: scanning there", garbledAt))
		return true, nil
	}
	if len(evid) > 0 {
		var at []string
		for _, e := range evid {
			at = appendOnce(at, e.at.String())
		}
		s.notes = append(s.notes, "garbage (right wire, wrong settings?) at "+strings.Join(at, ", ")+" but no clean reply at any setting tried")
	}
	return false, nil
}

// evidenceUnits returns the units that produced garbage, most recent first.
func evidenceUnits(ev []evidence) []byte {
	var out []byte
	for i := len(ev) - 1; i >= 0; i-- {
		if !slices.Contains(out, ev[i].unit) {
			out = append(out, ev[i].unit)
		}
	}
	return out
}

// nextSettings picks the next setting to try: without evidence the next
// untried candidate in order; after garbage the untried candidate nearest
// to what the latest garbage suggests.
func nextSettings(cands []modbus.LineSettings, tried map[modbus.LineSettings]bool, ev []evidence) (modbus.LineSettings, bool) {
	var left []int
	for i, c := range cands {
		if !tried[c] {
			left = append(left, i)
		}
	}
	if len(left) == 0 {
		return modbus.LineSettings{}, false
	}
	if len(ev) == 0 {
		return cands[left[0]], true
	}
	e := ev[len(ev)-1]
	// Estimated bus baud: a reply of probeReplyLen characters read at the
	// wrong rate yields about probeReplyLen × client/bus characters.
	est := float64(e.at.Baud)
	if e.n > 0 && abs(e.n-probeReplyLen) > 1 {
		est = float64(e.at.Baud) * probeReplyLen / float64(e.n)
	}
	score := func(i int) float64 {
		c := cands[i]
		d := math.Abs(math.Log2(float64(c.Baud) / est))
		if abs(e.n-probeReplyLen) <= 1 && c.Baud == e.at.Baud {
			d = -1 // as many bytes as a reply: same baud, another parity
		}
		if e.n > probeReplyLen+1 && c.Baud >= e.at.Baud || e.n < probeReplyLen-1 && c.Baud <= e.at.Baud {
			d += 4 // the garbage says the bus is on the other side
		}
		return d*1000 + float64(i) // ties: the likelihood order
	}
	sort.SliceStable(left, func(a, b int) bool { return score(left[a]) < score(left[b]) })
	return cands[left[0]], true
}

// sweep is phase 2: every unit at the current settings, common IDs first.
func (s *serialScan) sweep(ctx context.Context) error {
	var order []byte
	for _, u := range s.common() {
		order = append(order, u)
	}
	for _, u := range s.cfg.Units {
		if !slices.Contains(order, byte(u)) {
			order = append(order, byte(u))
		}
	}
	todo := order[:0:0]
	for _, u := range order {
		if st, ok := s.units[u]; !ok || st.tries == 0 {
			todo = append(todo, u)
		}
	}
	s.planned = s.done + len(todo)
	for _, u := range todo {
		if err := s.probeUnit(ctx, u); err != nil {
			return err
		}
	}
	// Units asked in phase 1 at these settings that came back garbled get
	// their tries completed here.
	for _, u := range order {
		if st, ok := s.units[u]; ok && !st.found && st.garbled > 0 && st.tries < garbleTries {
			if err := s.probeUnit(ctx, u); err != nil {
				return err
			}
		}
	}
	return nil
}

// probeUnit asks u until it answers cleanly, stays silent (after the
// configured retries) or has come back garbled garbleTries times.
func (s *serialScan) probeUnit(ctx context.Context, u byte) error {
	st := s.state(u)
	silent := 0
	for range garbleTries + s.cfg.Retries + 1 {
		if st.found || st.tries >= garbleTries+s.cfg.Retries+1 {
			break
		}
		r, err := s.ask(ctx, u, false)
		if err != nil {
			return err
		}
		st.probed = true
		switch r.kind {
		case probeAnswer:
			return nil
		case probeGarbled, probeGarbage:
			if st.garbled >= garbleTries {
				break
			}
			if r.kind == probeGarbage {
				s.strayGarbage(u) // might be a late reply colliding with this request
			}
			continue
		default:
			silent++
			if silent > s.cfg.Retries {
				if st.garbled > 0 {
					st.suspect = true
				}
				return nil
			}
			continue
		}
		break
	}
	if !st.found && st.garbled > 0 {
		st.suspect = true
	}
	return nil
}

// linger listens one slow window after the last probe, so that a late reply
// to it is not lost.
func (s *serialScan) linger(ctx context.Context) error {
	if s.prober == nil {
		return nil
	}
	r, err := s.prober.idle(ctx, s.window(true))
	if err != nil {
		return err
	}
	for _, sf := range r.strays {
		s.stray(sf)
	}
	if len(r.drained) > 0 {
		s.strayGarbage(0)
	}
	return nil
}

// secondPass asks the suspects (units that showed a sign of life without a
// clean answer) and the units found only by a late reply, with a slow window.
func (s *serialScan) secondPass(ctx context.Context) error {
	for round := range maxSecondRounds {
		var todo []byte
		for _, st := range s.units {
			if (st.suspect && !st.found && st.garbled < garbleTries) || (st.found && st.late && !st.confirmed && st.tries < 3+round) {
				todo = append(todo, st.unit)
			}
		}
		if len(todo) == 0 {
			return nil
		}
		slices.Sort(todo)
		s.planned = s.done + 2*len(todo)
		for _, u := range todo {
			st := s.state(u)
			st.suspect = false
			for range 2 {
				r, err := s.ask(ctx, u, true)
				if err != nil {
					return err
				}
				if r.kind == probeAnswer {
					break
				}
			}
		}
		if err := s.linger(ctx); err != nil {
			return err
		}
	}
	return nil
}

// finish turns the unit states into the result's devices.
func (s *serialScan) finish() {
	var units []byte
	for u, st := range s.units {
		if st.found || (st.garbled >= dupGarbled && st.tries >= dupGarbled) {
			units = append(units, u)
		}
	}
	slices.Sort(units)
	for _, u := range units {
		st := s.units[u]
		if !st.found {
			st.dup = true
		}
		s.res.Devices = append(s.res.Devices, s.device(st))
	}
	if s.measured {
		s.notes = append(s.notes, fmt.Sprintf("settings %s; reply window %s (slowest turnaround %s)",
			s.cur, modbus.Millis(s.window(false)), modbus.Millis(s.maxTurn)))
	}
}

// device builds the reported device of st.
func (s *serialScan) device(st *unitState) Device {
	t := modbus.Target{Scheme: modbus.SchemeRTU, Address: s.cfg.Port, Line: s.cur}
	if s.echo {
		t.Echo = modbus.EchoOn
	}
	d := Device{
		URL: t.String(), Unit: int(st.unit),
		Baud: s.cur.Baud, Parity: s.cur.Parity, Stop: s.cur.StopBits,
		Framing: "rtu",
	}
	if len(st.turns) > 0 {
		d.LatencyMS = math.Round(ms(median(st.turns))*10) / 10
	}
	if st.exc != 0 {
		d.Notes = append(d.Notes, fmt.Sprintf("answers the probe (FC03 register 0) with exception %s", modbus.ExceptionCode(st.exc)))
	}
	if st.late && !st.confirmed {
		d.Notes = append(d.Notes, "answered only after its reply window (slow or busy device)")
	}
	if st.dup {
		if st.secondSeen {
			d.Notes = append(d.Notes, "duplicate unit ID: two replies came back to one request")
		} else {
			d.Notes = append(d.Notes, fmt.Sprintf("duplicate unit ID suspected: %d of %d replies garbled at settings proven right (colliding replies)", st.garbled, st.tries))
		}
	} else if st.garbled > 0 {
		d.Notes = append(d.Notes, fmt.Sprintf("%d of %d replies garbled (line noise?)", st.garbled, st.tries))
	}
	return d
}

// identify runs Identify for each device over a client on the line. The
// reply timeout allows a reply of the largest size plus the slow allowance.
func (s *serialScan) identify(ctx context.Context) {
	to := s.cur.FrameTime(256) + s.window(true)
	tr := modbus.NewRTUTransport(noClose{s.line}, modbus.RTUConfig{Timeout: to, Tap: s.cfg.Tap})
	c := modbus.NewClient(tr, to)
	for i := range s.res.Devices {
		d := &s.res.Devices[i]
		if ctx.Err() != nil {
			return
		}
		id, err := Identify(ctx, c, byte(d.Unit), s.cfg.Library)
		s.res.Probes += id.Requests
		if err != nil {
			d.Notes = append(d.Notes, "identification failed: "+err.Error())
			continue
		}
		d.Identity, d.Profile, d.Confidence, d.Evidence = id.Identity, id.Profile, id.Confidence, id.Evidence
	}
}

// noClose keeps a client's transport from closing the scan's line.
type noClose struct{ modbus.Line }

func (noClose) Close() error { return nil }

func median(d []time.Duration) time.Duration {
	c := slices.Clone(d)
	slices.Sort(c)
	return c[len(c)/2]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func appendOnce(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}
