package probes

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/busprobe/busprobe/profiles"
	"github.com/busprobe/busprobe/protocols/modbus"
)

// PointResult is one point of a Reading: its decoded value, or the error
// that kept it from being read or decoded.
type PointResult struct {
	Name  string          // the point's name
	Label string          // the point's human label
	Point *profiles.Point // the profile's point
	Value profiles.Value  // the decoded value (zero when Err is set)
	Unit  string          // engineering unit
	Err   error           // why the point has no value; nil when read
}

// Reading is the result of ReadPoints: the points asked for, in profile
// order, and what reading them took.
type Reading struct {
	Profile  string        // the profile's ID
	Unit     byte          // the unit read
	Points   []PointResult // one per point asked for, in profile order
	Requests int           // requests sent, retries included
	Failed   int           // requests that got no usable answer
	Duration time.Duration // from the first request to the last answer
	// Notes say what the device did that the profile did not foresee,
	// e.g. an exception 02 inside a planned block (an unlisted hole).
	Notes []string
}

// OK returns how many points have a value.
func (r Reading) OK() int {
	n := 0
	for _, p := range r.Points {
		if p.Err == nil {
			n++
		}
	}
	return n
}

// RequestError is the error a point gets when its request failed.
type RequestError struct {
	Table   profiles.Table
	Address uint16
	Count   int
	Err     error // the client's error (*modbus.ExceptionError, *modbus.TimeoutError, …)
}

// Error formats as "read input 0..79: exception 02 illegal data address (…)".
func (e *RequestError) Error() string {
	return fmt.Sprintf("read %s %d..%d: %v", e.Table, e.Address, int(e.Address)+e.Count-1, e.Err)
}

// Unwrap returns the client's error.
func (e *RequestError) Unwrap() error { return e.Err }

// ScaleFactorError is the error a point gets when its scale factor could
// not be read or decoded.
type ScaleFactorError struct {
	Point       string // the point
	ScaleFactor string // its sunssf point
	Err         error  // why the scale factor is missing
}

// Error implements error.
func (e *ScaleFactorError) Error() string {
	return fmt.Sprintf("%s: scale factor %s: %v", e.Point, e.ScaleFactor, e.Err)
}

// Unwrap returns the scale factor's error.
func (e *ScaleFactorError) Unwrap() error { return e.Err }

// ReadPoints reads points of profile p from one unit: names selects them
// (every readable point when empty). It plans the fewest requests the
// device's limits allow, sends them with the profile's pause between
// them, and decodes every point, scale factors first. A failed request
// marks only its own points with a *RequestError; the other points still
// decode. A block that raises exception 02 is read again in runs of
// adjacent points, then point by point, so a gap or hole the profile does
// not list costs only the points inside it.
//
// The error is nil unless nothing could be planned (an unknown or
// write-only name, a point over the limits) or ctx ended; in the latter
// case the Reading holds what was read before.
func ReadPoints(ctx context.Context, client *modbus.Client, unit byte, p *profiles.Profile, names []string) (Reading, error) {
	rd := Reading{Profile: p.ID, Unit: unit}
	pts, err := p.Select(names)
	if err != nil {
		return rd, fmt.Errorf("read %s: %w", p.ID, err)
	}
	plan, err := profiles.Plan(pts, p.Device)
	if err != nil {
		return rd, fmt.Errorf("read %s: %w", p.ID, err)
	}
	ex := &executor{ctx: ctx, client: client, unit: unit, pause: plan.Pause, reading: &rd, raw: map[*profiles.Point]rawData{}}
	start := time.Now()
	for _, req := range plan.Requests {
		if ctx.Err() != nil {
			ex.fail(req.Points, &RequestError{req.Table, req.Address, req.Count, ctx.Err()})
			continue
		}
		ex.do(req, levelBlock)
	}
	rd.Duration = time.Since(start)
	rd.Points = decodeAll(pts[:asked(pts, names)], pts, ex.raw)
	if err := ctx.Err(); err != nil {
		return rd, fmt.Errorf("read %s: %w", p.ID, err)
	}
	return rd, nil
}

// rawData is what one point got from the device: registers or bits, or
// the error of its request.
type rawData struct {
	regs []uint16
	bits []bool
	err  error
}

// executor sends a plan's requests and files the raw data by point.
type executor struct {
	ctx     context.Context
	client  *modbus.Client
	unit    byte
	pause   time.Duration
	reading *Reading
	raw     map[*profiles.Point]rawData
}

// Levels of retry for a block answered by exception 02.
const (
	levelBlock   = iota // as planned, gaps read over
	levelGapless        // runs of adjacent points, no unused register read
	levelSingle         // one point span per request
)

// do sends one request and files its points' data. A block answered by
// exception 02 is read again in runs of adjacent points (a gap the device
// refuses), and a run answered 02 point span by point span.
func (ex *executor) do(req profiles.Request, level int) {
	if ex.reading.Requests > 0 && ex.pause > 0 {
		if err := sleepCtx(ex.ctx, ex.pause); err != nil {
			ex.fail(req.Points, &RequestError{req.Table, req.Address, req.Count, err})
			return
		}
	}
	ex.reading.Requests++
	regs, bits, err := ex.read(req)
	if err == nil {
		for _, pt := range req.Points {
			off := int(pt.Address) - int(req.Address)
			if req.Table.IsBit() {
				ex.raw[pt] = rawData{bits: bits[off : off+pt.Size()]}
			} else {
				ex.raw[pt] = rawData{regs: regs[off : off+pt.Size()]}
			}
		}
		return
	}
	ex.reading.Failed++
	var exc *modbus.ExceptionError
	if errors.As(err, &exc) && exc.Code == modbus.ExIllegalDataAddress && ex.ctx.Err() == nil && level < levelSingle {
		parts, next := gapless(req), levelGapless
		if len(parts) < 2 || level == levelGapless {
			parts, next = singles(req), levelSingle
		}
		if len(parts) > 1 {
			how := "in runs of adjacent points"
			if next == levelSingle {
				how = "point by point"
			}
			ex.reading.Notes = append(ex.reading.Notes, fmt.Sprintf(
				"%s %s raised exception 02: read its %d points %s (a hole the profile does not list?)",
				req.Table, req.Span(), len(req.Points), how))
			for _, part := range parts {
				ex.do(part, next)
			}
			return
		}
	}
	ex.fail(req.Points, &RequestError{req.Table, req.Address, req.Count, err})
}

// fail files err for every point.
func (ex *executor) fail(pts []*profiles.Point, err error) {
	for _, pt := range pts {
		ex.raw[pt] = rawData{err: err}
	}
}

// read sends the request with the function code of its table.
func (ex *executor) read(req profiles.Request) ([]uint16, []bool, error) {
	addr, n := req.Address, uint16(req.Count)
	var regs []uint16
	var bits []bool
	var err error
	switch req.Table {
	case profiles.TableHolding:
		regs, err = ex.client.ReadHoldingRegisters(ex.ctx, ex.unit, addr, n)
	case profiles.TableInput:
		regs, err = ex.client.ReadInputRegisters(ex.ctx, ex.unit, addr, n)
	case profiles.TableCoil:
		bits, err = ex.client.ReadCoils(ex.ctx, ex.unit, addr, n)
	case profiles.TableDiscrete:
		bits, err = ex.client.ReadDiscreteInputs(ex.ctx, ex.unit, addr, n)
	default:
		return nil, nil, fmt.Errorf("no read function for table %s", req.Table)
	}
	if err == nil && len(regs)+len(bits) < req.Count {
		err = fmt.Errorf("answer holds %d values, asked for %d", len(regs)+len(bits), req.Count)
	}
	return regs, bits, err
}

// gapless splits a block into runs of points that touch or overlap, so
// that no request reads a register that belongs to no point.
func gapless(req profiles.Request) []profiles.Request {
	var out []profiles.Request
	for _, pt := range req.Points { // by address
		if n := len(out); n > 0 && int(pt.Address) <= out[n-1].End() {
			out[n-1].Count = max(out[n-1].Count, pt.End()-int(out[n-1].Address))
			out[n-1].Points = append(out[n-1].Points, pt)
			continue
		}
		out = append(out, profiles.Request{Table: req.Table, Address: pt.Address, Count: pt.Size(), Points: []*profiles.Point{pt}})
	}
	return out
}

// singles splits a block into one request per point span.
func singles(req profiles.Request) []profiles.Request {
	plan, err := profiles.Plan(req.Points, profiles.DeviceLimits{SinglePointReads: true})
	if err != nil {
		return nil
	}
	return plan.Requests
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
