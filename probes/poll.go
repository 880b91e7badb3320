package probes

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/busprobe/busprobe/profiles"
)

// PollConfig configures a Poller.
type PollConfig struct {
	Unit    byte
	Profile *profiles.Profile // the device's register map and limits
	Names   []string          // points to poll; every readable point when empty
	// Interval is the time between the starts of two polls; 0 polls back
	// to back as fast as the device answers.
	Interval time.Duration
	// MaxSamples stops Run after that many polls; 0 runs until ctx ends.
	MaxSamples int
	// Learned starts the poller from earlier lessons (e.g. a saved run).
	Learned Learned
	// BusyRetries is how often a request answered busy (exception 06) is
	// sent again (3 if 0; negative: never), the first after BusyBackoff
	// (10 ms if 0), each next after twice as long.
	BusyRetries int
	BusyBackoff time.Duration
}

// Poller polls a device's points through the read planner at an interval
// and adapts to the device (see Learned): one engine for `busprobe watch`
// and the TUI. Its requests go through a Bus, which serialises them with
// those of the other devices on the line. Run may be called again once it
// has returned (never concurrently): the schedule and Seq start over, what
// was learned and the statistics carry on.
type Poller struct {
	bus   *Bus
	cfg   PollConfig
	base  profiles.DeviceLimits
	all   []*profiles.Point // points to read: the asked ones, then their scale factors
	asked int               // how many of all were asked for
	stats *statsRecorder

	// Owned by Run's goroutine.
	learned    Learned
	unreadable map[*profiles.Point]bool
	plan       profiles.ReadPlan
	planDirty  bool
	pace       pacer
	lastEnd    time.Time // when the device's last reply (or timeout) ended
	answered   bool      // the device has answered at least once
	// The hot path works by position in all, not by map: index gives a
	// point's position, planPos those of each plan request's points, sfPos
	// that of each point's scale factor (-1: none).
	index   map[*profiles.Point]int
	planPos [][]int
	sfPos   []int
	raw     []rawData     // the poll's data by position, cleared every poll
	last    []lastGood    // each point's last value read
	sfs     []scaleFactor // scratch of decode: scale factors by position
	sfVals  []int         // the values sfs point to

	mu       sync.Mutex // guards snapshot
	snapshot Learned
}

// lastGood is a point's last value read.
type lastGood struct {
	value profiles.Value
	at    time.Time
	ok    bool // a value was read
}

// PollError is a poller that cannot be set up: unknown points, or points
// that cannot be planned within the device's limits.
type PollError struct {
	Profile string
	Err     error
}

// Error formats as "poll eastron-sdm630: …".
func (e *PollError) Error() string { return fmt.Sprintf("poll %s: %v", e.Profile, e.Err) }

// Unwrap returns the cause.
func (e *PollError) Unwrap() error { return e.Err }

// NewPoller checks the points and returns a poller of one unit on bus.
func NewPoller(bus *Bus, cfg PollConfig) (*Poller, error) {
	if cfg.Profile == nil {
		return nil, &PollError{Err: errors.New("no profile")}
	}
	if cfg.BusyRetries == 0 {
		cfg.BusyRetries = 3
	}
	cfg.BusyRetries = max(cfg.BusyRetries, 0)
	if cfg.BusyBackoff <= 0 {
		cfg.BusyBackoff = 10 * time.Millisecond
	}
	pts, err := cfg.Profile.Select(cfg.Names)
	if err != nil {
		return nil, &PollError{Profile: cfg.Profile.ID, Err: err}
	}
	p := &Poller{bus: bus, cfg: cfg, base: cfg.Profile.Device, all: pts, asked: asked(pts, cfg.Names),
		stats: newStatsRecorder(), learned: cfg.Learned.clone(), unreadable: map[*profiles.Point]bool{},
		planDirty: true}
	p.positions()
	for _, name := range p.learned.Unreadable {
		if pt, ok := cfg.Profile.Point(name); ok {
			p.unreadable[pt] = true
		}
	}
	if err := p.replan(); err != nil {
		return nil, &PollError{Profile: cfg.Profile.ID, Err: err}
	}
	p.snapshot = p.learned.clone()
	return p, nil
}

// Learned returns what the poller has learned so far (safe to call while
// Run runs).
func (p *Poller) Learned() Learned {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.snapshot.clone()
}

// Stats returns the device's figures so far.
func (p *Poller) Stats() Stats { return p.stats.snapshot() }

// Plan returns the read plan the next poll will use.
func (p *Poller) Plan() profiles.ReadPlan { return p.plan }

// replan rebuilds the plan from the profile's limits and the lessons,
// leaving out the points known to be unreadable.
func (p *Poller) replan() error {
	if !p.planDirty {
		return nil
	}
	var pts []*profiles.Point
	for _, pt := range p.all {
		if !p.unreadable[pt] {
			pts = append(pts, pt)
		}
	}
	lim := p.learned.Limits(p.base)
	// Unreadable points are holes of the learned map but not of this plan.
	plan, err := profiles.Plan(pts, lim)
	if err != nil {
		return err
	}
	p.plan, p.planDirty = plan, false
	p.planPos = make([][]int, len(plan.Requests))
	for i, req := range plan.Requests {
		p.planPos[i] = make([]int, len(req.Points))
		for k, pt := range req.Points {
			p.planPos[i][k] = p.pos(pt)
		}
	}
	return nil
}

// positions indexes the points to read and sizes the per-poll buffers.
func (p *Poller) positions() {
	n := len(p.all)
	p.index = make(map[*profiles.Point]int, n)
	ssf := map[string]int{}
	for i, pt := range p.all {
		if _, dup := p.index[pt]; !dup {
			p.index[pt] = i
		}
		if pt.Type == profiles.TypeSunSSF {
			ssf[pt.Name] = i
		}
	}
	p.sfPos = make([]int, n)
	for i, pt := range p.all {
		p.sfPos[i] = -1
		if j, ok := ssf[pt.ScaleFactor]; ok && pt.ScaleFactor != "" {
			p.sfPos[i] = j
		}
	}
	p.raw, p.last = make([]rawData, n), make([]lastGood, n)
	p.sfs, p.sfVals = make([]scaleFactor, n), make([]int, n)
}

// pos returns the position of pt in all, or -1 when it is not polled.
func (p *Poller) pos(pt *profiles.Point) int {
	if i, ok := p.index[pt]; ok {
		return i
	}
	return -1
}

// Run polls until ctx ends or MaxSamples polls were made, calling emit
// with every sample and gap report, in order, on Run's goroutine (a slow
// emit delays the next poll and shows up as missed slots). It returns nil
// when stopped by ctx or the sample limit, or a *PollError when the plan
// cannot be rebuilt after a lesson.
func (p *Poller) Run(ctx context.Context, emit func(Sample)) error {
	interval := p.cfg.Interval
	next := time.Now()
	var seq int64
	var outage *Gap
	for n := 0; p.cfg.MaxSamples <= 0 || n < p.cfg.MaxSamples; n++ {
		if interval == 0 { // next is the end of the last poll: no wait, no clock read
			if ctx.Err() != nil {
				break
			}
		} else if err := waitUntil(ctx, next); err != nil {
			break
		}
		s, err := p.poll(ctx, seq)
		if err != nil {
			return err
		}
		if ctx.Err() != nil {
			break // stopped mid-poll: not a sample
		}
		switch {
		case s.OK == 0 && len(s.Points) > 0:
			if outage == nil {
				outage = &Gap{FirstSeq: seq, From: next, Reason: firstPointError(s.Points)}
			}
			outage.LastSeq, outage.To = seq, next
			outage.Failed++
		case outage != nil:
			p.emitGap(emit, *outage)
			outage = nil
		}
		emit(s)
		seq++
		next = next.Add(interval)
		if now := time.Now(); interval > 0 && now.Sub(next) >= interval {
			missed := int64(now.Sub(next) / interval)
			p.emitGap(emit, Gap{FirstSeq: seq, LastSeq: seq + missed - 1, From: next,
				To: next.Add(time.Duration(missed-1) * interval), Missed: missed,
				Reason: fmt.Sprintf("a poll and its output took %s, longer than the %s interval", now.Sub(next.Add(-interval)).Round(time.Millisecond), interval)})
			seq += missed
			next = next.Add(time.Duration(missed) * interval)
		} else if interval == 0 {
			next = now
		}
	}
	if outage != nil {
		outage.Reason += " (still failing when polling stopped)"
		p.emitGap(emit, *outage)
	}
	return nil
}

// emitGap sends a gap report.
func (p *Poller) emitGap(emit func(Sample), g Gap) {
	emit(Sample{Seq: g.LastSeq, Time: time.Now(), Unit: p.cfg.Unit, Gap: &g,
		Stats: p.stats.snapshot(), Bus: p.bus.Stats(), Line: p.bus.Status()})
}

// poll reads every point once.
func (p *Poller) poll(ctx context.Context, seq int64) (Sample, error) {
	if err := p.replan(); err != nil {
		return Sample{}, &PollError{Profile: p.cfg.Profile.ID, Err: err}
	}
	start := time.Now()
	clear(p.raw) // reused: a poll allocates only what it hands out
	c := pollCycle{p: p, ctx: ctx, raw: p.raw}
	for pt := range p.unreadable {
		if i := p.pos(pt); i >= 0 {
			c.raw[i] = rawData{err: fmt.Errorf("%s: not implemented by the device (exception 02 when read alone)", pt)}
		}
	}
	sendAll := func() {
		for i, req := range p.plan.Requests {
			c.planned = p.planPos[i]
			c.do(req, levelBlock, 0)
		}
	}
	if err := p.bus.exec(ctx, sendAll); err != nil {
		c.abort = err
		sendAll() // fails every point with err; nothing is sent
	}
	s := Sample{Seq: seq, Time: start, Duration: time.Since(start), Unit: p.cfg.Unit,
		Requests: c.requests, Notes: c.notes}
	s.Points = p.decode(c.raw)
	for i := range s.Points {
		ps, lg := &s.Points[i], &p.last[i] // the asked points come first in all
		if ps.Err == nil {
			ps.Updated = start
			*lg = lastGood{value: ps.Value, at: start, ok: true}
			s.OK++
		} else if lg.ok {
			ps.Value, ps.Stale, ps.Updated = lg.value, true, lg.at
		}
	}
	if ctx.Err() == nil {
		p.stats.poll(s.OK > 0, c.lineTime)
		p.bus.stats.poll(s.OK > 0, c.lineTime)
	}
	if len(c.notes) > 0 {
		p.mu.Lock()
		p.snapshot = p.learned.clone()
		p.mu.Unlock()
	}
	now := time.Now() // one clock read for both snapshots
	s.Stats, s.Bus, s.Line = p.stats.snapshotAt(now), p.bus.stats.snapshotAt(now), p.bus.Status()
	return s, nil
}

// waitUntil waits for t or ctx's end; a time already past costs no timer
// (and no trip through the scheduler), which matters when polling back to
// back.
func waitUntil(ctx context.Context, t time.Time) error {
	if d := time.Until(t); d > 0 {
		return sleepCtx(ctx, d)
	}
	return ctx.Err()
}

// firstPointError returns the first point error's text.
func firstPointError(pts []PointSample) string {
	for _, p := range pts {
		if p.Err != nil {
			return p.Err.Error()
		}
	}
	return "no point read"
}
