package probes

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/busprobe/busprobe/profiles"
	"github.com/busprobe/busprobe/protocols/modbus"
)

// Adaptation limits.
const (
	maxSplitDepth = 8 // halvings of one request within a poll (125 → 1 takes 7)
	// Pause learning (see pacer): at least pauseMinRate of pauseMinSent
	// first attempts answered busy, and pauseCureRate of those answered
	// after a wait; the pause never exceeds maxPause.
	pauseMinSent  = 10
	pauseMinRate  = 0.5
	pauseCureRate = 0.9
	maxPause      = 250 * time.Millisecond
	// maxSilent requests in a row that time out end a poll: the rest of its
	// requests fail without being sent, so a silent device costs little.
	maxSilent = 2
)

// pollCycle is one poll of a device: it sends the plan's requests on the
// bus's owner goroutine, adapts to what the device answers, and files raw
// data by point.
type pollCycle struct {
	p        *Poller
	ctx      context.Context
	raw      []rawData // by position in the poller's points
	planned  []int     // positions of the points of the plan request sent next
	notes    []string
	requests int
	lineTime time.Duration
	abort    error // set when the rest of the cycle cannot be sent
	silent   int   // requests in a row that timed out
	probing  bool  // sending the first half of a request that timed out
}

// pollOutcome says how a request ended, for the caller that split it.
type pollOutcome int

const (
	outOK       pollOutcome = iota // data filed
	outFailed                      // points failed with an error
	outRejected                    // exception 03: too large
)

// do sends req and files its points. depth counts splits of one request.
func (c *pollCycle) do(req profiles.Request, level, depth int) pollOutcome {
	pos := c.planned // for this request only, not its parts
	c.planned = nil
	if c.abort != nil {
		c.fail(req.Points, pos, c.reqErr(req, c.abort))
		return outFailed
	}
	r, busyRetried := c.send(req)
	if r.err == nil {
		c.silent = 0
		c.file(req, pos, r)
		return outOK
	}
	err := r.err
	var exc *modbus.ExceptionError
	var down *BusDownError
	var te *modbus.TransportError
	switch {
	case c.ctx.Err() != nil || errors.As(err, &down) || errors.As(err, &te) || errors.Is(err, modbus.ErrClosed):
		c.abort = err
	case errors.As(err, &exc) && exc.Code == modbus.ExIllegalDataAddress:
		if out, ok := c.splitHole(req, level, depth); ok {
			return out
		}
	case errors.As(err, &exc) && exc.Code == modbus.ExIllegalDataValue:
		if out, ok := c.shrink(req, depth, fmt.Sprintf("raised exception 03 (%s)", reqSizeWord(req)), false); ok {
			return out
		}
		c.fail(req.Points, nil, c.reqErr(req, err))
		return outRejected
	case errors.Is(err, modbus.ErrTimeout):
		out, handled := outFailed, false
		if !busyRetried && (!c.probing || c.p.answered) {
			out, handled = c.shrink(req, depth, fmt.Sprintf("timed out (%s)", reqSizeWord(req)), true)
		}
		if out != outOK && !c.probing {
			if c.silent++; c.silent >= maxSilent && c.abort == nil {
				c.abort = fmt.Errorf("unit %d stopped answering (%d requests in a row timed out): %w", c.p.cfg.Unit, c.silent, err)
			}
		}
		if handled {
			return out
		}
	}
	c.fail(req.Points, nil, c.reqErr(req, err))
	return outFailed
}

// send runs req on the bus, with the learned pause before it and retries
// with backoff while the device answers busy (exception 06).
func (c *pollCycle) send(req profiles.Request) (busResult, bool) {
	p := c.p
	var r busResult
	retried := false
	for attempt := 0; attempt <= p.cfg.BusyRetries; attempt++ {
		wait := time.Duration(0)
		if attempt > 0 {
			wait = p.cfg.BusyBackoff << (attempt - 1)
			retried = true
		}
		if pause := p.learned.Pause; !p.lastEnd.IsZero() && pause > wait {
			wait = pause - time.Since(p.lastEnd)
		}
		if wait > 0 {
			if err := sleepCtx(c.ctx, wait); err != nil {
				return busResult{err: err}, retried
			}
		}
		r = p.bus.serve(c.ctx, p.cfg.Unit, req)
		if !r.sent {
			return r, retried
		}
		c.requests++
		c.lineTime += r.lineTime
		p.lastEnd = r.end
		p.stats.request(r.err, r.latency, r.lineTime)
		busy := false
		if r.err != nil {
			exc, isExc := errors.AsType[*modbus.ExceptionError](r.err)
			p.answered = p.answered || isExc
			busy = isExc && exc.Code == modbus.ExServerDeviceBusy
		} else {
			p.answered = true
		}
		switch {
		case attempt == 0:
			p.pace.observe(busy)
		case !busy:
			p.pace.cure(wait)
		}
		if !busy {
			c.learnPause()
			return r, retried
		}
	}
	return r, retried
}

// learnPause turns frequent busy replies that a wait cures into a
// learned pause.
func (c *pollCycle) learnPause() {
	p := c.p
	d, ok := p.pace.needsPause(p.learned.Pause)
	if !ok || d <= p.learned.Pause {
		return
	}
	p.learned.Pause = d
	c.lesson(fmt.Sprintf("unit %d answered busy (exception 06) to %d of %d requests, and %d of them after a wait: pausing %s between requests",
		p.cfg.Unit, p.pace.busy, p.pace.sent, p.pace.cured, d))
	p.pace = pacer{}
}

// splitHole reads a block that raised exception 02 again in runs of
// adjacent points, then point by point, and learns where the hole is.
func (c *pollCycle) splitHole(req profiles.Request, level, depth int) (pollOutcome, bool) {
	if level < levelGapless {
		if parts := gapless(req); len(parts) > 1 {
			outs := c.doAll(parts, levelGapless, depth)
			if allOutOK(outs) {
				c.findHoles(req, parts)
				return outOK, true
			}
			return outFailed, true
		}
	}
	if level < levelSingle {
		if parts := singles(req); len(parts) > 1 {
			outs := c.doAll(parts, levelSingle, depth)
			if allOutOK(outs) && !c.p.learned.SinglePointReads {
				c.p.learned.SinglePointReads = true
				c.lesson(fmt.Sprintf("%s %s raised exception 02 though its points are adjacent, and each point reads alone: one request per point",
					req.Table, req.Span()))
			}
			if allOutOK(outs) {
				return outOK, true
			}
			return outFailed, true
		}
	}
	// One point span: the device does not implement it.
	for _, pt := range req.Points {
		if !c.p.unreadable[pt] {
			c.p.unreadable[pt] = true
			c.p.learned.Unreadable = append(c.p.learned.Unreadable, pt.Name)
		}
	}
	if c.p.learned.addHole(req.Table, req.Address, req.Count) {
		c.lesson(fmt.Sprintf("%s %s raised exception 02 when read alone: %s not implemented by the device; no longer polled",
			req.Table, req.Span(), joinPointNames(req.Points)))
	}
	return outFailed, false
}

// findHoles locates the gaps that made block req raise exception 02, once
// each of its runs of adjacent points (parts) has read alone. From the
// first run on, a binary search finds the longest span of runs that reads
// in one request; the gap after it holds a hole. Learning only those gaps
// keeps the other gaps readable, so the plan stays as short as the device
// allows. It costs about log2(len(parts)) requests per hole, once.
func (c *pollCycle) findHoles(req profiles.Request, parts []profiles.Request) {
	span := func(i, k int) profiles.Request {
		return profiles.Request{Table: req.Table, Address: parts[i].Address, Count: parts[k].End() - int(parts[i].Address)}
	}
	for start := 0; start < len(parts)-1; {
		lo, hi := start, len(parts)-1 // span(start, lo) reads
		for lo < hi {
			mid := (lo + hi + 1) / 2
			r, _ := c.send(span(start, mid))
			switch {
			case r.err == nil:
				lo = mid
			case isExceptionCode(r.err, modbus.ExIllegalDataAddress):
				hi = mid - 1
			default:
				return // no answer to go by: learn nothing now
			}
		}
		if lo == len(parts)-1 {
			return
		}
		a := parts[lo].End()
		if n := int(parts[lo+1].Address) - a; n > 0 && c.p.learned.addHole(req.Table, uint16(a), n) {
			c.lesson(fmt.Sprintf("%s %s raised exception 02 but its points read alone: the gap %s %d..%d is a hole",
				req.Table, req.Span(), req.Table, a, a+n-1))
		}
		start = lo + 1
	}
}

// shrink reads a request the device rejected or did not answer again in
// halves. It learns the smaller limit when the first half is answered;
// when that fails too it gives up (a silent device is not a small one).
// timeout says the request timed out: the first half is then not split
// again on a timeout.
func (c *pollCycle) shrink(req profiles.Request, depth int, why string, timeout bool) (pollOutcome, bool) {
	largest := 0
	for _, pt := range req.Points {
		largest = max(largest, pt.Size())
	}
	half := max(req.Count/2, largest)
	if depth >= maxSplitDepth || len(req.Points) < 2 || half >= req.Count {
		return outFailed, false
	}
	lim := profiles.DeviceLimits{Holes: c.p.learned.Limits(c.p.base).Holes}
	if req.Table.IsBit() {
		lim.MaxBits = half
	} else {
		lim.MaxRegisters = half
	}
	plan, err := profiles.Plan(req.Points, lim)
	if err != nil || len(plan.Requests) < 2 {
		return outFailed, false
	}
	c.probing = timeout
	first := c.do(plan.Requests[0], levelBlock, depth+1)
	c.probing = false
	if first != outOK && timeout {
		var rest []*profiles.Point
		for _, r := range plan.Requests[1:] {
			rest = append(rest, r.Points...)
		}
		c.fail(rest, nil, c.reqErr(req, errors.New(why+"; a smaller request failed too")))
		return outFailed, true
	}
	if first == outOK && c.learnLimit(req.Table, half) {
		c.lesson(fmt.Sprintf("%s %s %s; requests now read at most %d", req.Table, req.Span(), why, half))
	}
	if allOutOK(c.doAll(plan.Requests[1:], levelBlock, depth+1)) && first == outOK {
		return outOK, true
	}
	return outFailed, true
}

// learnLimit lowers the learned request limit of table t to n.
func (c *pollCycle) learnLimit(t profiles.Table, n int) bool {
	l := &c.p.learned
	cur := &l.MaxRegisters
	if t.IsBit() {
		cur = &l.MaxBits
	}
	if *cur != 0 && *cur <= n {
		return false
	}
	*cur = n
	return true
}

// doAll sends every request and returns their outcomes.
func (c *pollCycle) doAll(reqs []profiles.Request, level, depth int) []pollOutcome {
	outs := make([]pollOutcome, len(reqs))
	for i, r := range reqs {
		outs[i] = c.do(r, level, depth)
	}
	return outs
}

// lesson records something learned: the plan is rebuilt for the next poll.
func (c *pollCycle) lesson(s string) {
	c.p.learned.addReason(s)
	c.p.planDirty = true
	c.notes = append(c.notes, s)
}

// file stores the answer's data by point; pos holds the points'
// positions when known (a planned request), else they are looked up.
func (c *pollCycle) file(req profiles.Request, pos []int, r busResult) {
	for k, pt := range req.Points {
		i := c.at(pos, k, pt)
		if i < 0 {
			continue
		}
		off := int(pt.Address) - int(req.Address)
		if req.Table.IsBit() {
			c.raw[i] = rawData{bits: r.bits[off : off+pt.Size()]}
		} else {
			c.raw[i] = rawData{regs: r.regs[off : off+pt.Size()]}
		}
	}
}

// fail files err for every point (pos as for file).
func (c *pollCycle) fail(pts []*profiles.Point, pos []int, err error) {
	for k, pt := range pts {
		if i := c.at(pos, k, pt); i >= 0 {
			c.raw[i] = rawData{err: err}
		}
	}
}

// at returns the position of pt, the k-th point of a request whose
// positions are pos (nil: unknown).
func (c *pollCycle) at(pos []int, k int, pt *profiles.Point) int {
	if pos != nil {
		return pos[k]
	}
	return c.p.pos(pt)
}

// reqErr wraps err with the request it belongs to.
func (c *pollCycle) reqErr(req profiles.Request, err error) error {
	return &RequestError{Table: req.Table, Address: req.Address, Count: req.Count, Err: err}
}

func allOutOK(outs []pollOutcome) bool {
	for _, o := range outs {
		if o != outOK {
			return false
		}
	}
	return true
}

func isExceptionCode(err error, code modbus.ExceptionCode) bool {
	exc, ok := errors.AsType[*modbus.ExceptionError](err)
	return ok && exc.Code == code
}

// reqSizeWord formats a request's size, e.g. "80 registers".
func reqSizeWord(req profiles.Request) string {
	if req.Table.IsBit() {
		return fmt.Sprintf("%d bits", req.Count)
	}
	return fmt.Sprintf("%d registers", req.Count)
}

// joinPointNames joins the points' names.
func joinPointNames(pts []*profiles.Point) string {
	s := ""
	for i, pt := range pts {
		if i > 0 {
			s += ", "
		}
		s += pt.Name
	}
	return s
}
