package probes

import (
	"context"
	"errors"
	"fmt"

	"github.com/busprobe/busprobe/gateway"
	"github.com/busprobe/busprobe/profiles"
	"github.com/busprobe/busprobe/protocols/modbus"
)

// Verification outcomes of one exported point.
const (
	VerifyOK             = "ok"
	VerifyException      = "exception"       // the device answered with an exception
	VerifyError          = "error"           // timeout, connection, decode…
	VerifyOutOfRange     = "out of range"    // read, but outside the point's plausible range
	VerifyNotImplemented = "not implemented" // the device sent the not-implemented sentinel
)

// PointCheck is the verification of one exported point.
type PointCheck struct {
	Device string
	Unit   int
	Point  string
	Status string // one of the Verify constants
	Value  string // the decoded value with its unit, when read
	Detail string // the error, or the plausible range
}

// VerifyDevice reads every point of an exported device from the live
// device under the device's exported workarounds (so a hole the config does
// not list shows as an exception, as it would in the gateway) and classifies
// each: ok, exception, error, out of range, not implemented. p is the
// device's profile; the notes say what the reads noticed (unlisted holes…).
// CLI (`export --verify`, `report --verify`) and TUI use it alike.
func VerifyDevice(ctx context.Context, c *modbus.Client, d *gateway.Device, p *profiles.Profile) ([]PointCheck, []string) {
	fail := func(err error) []PointCheck {
		out := make([]PointCheck, 0, len(d.Points))
		for _, pt := range d.Points {
			out = append(out, PointCheck{Device: d.Name, Unit: d.Unit, Point: pt.Name, Status: VerifyError, Detail: err.Error()})
		}
		return out
	}
	lim, err := d.Workarounds.Limits()
	if err != nil {
		return fail(err), nil
	}
	prof := *p
	prof.Device = lim
	names := make([]string, len(d.Points))
	for i, pt := range d.Points {
		names[i] = pt.Name
	}
	rd, err := ReadPoints(ctx, c, byte(d.Unit), &prof, names)
	if err != nil && len(rd.Points) == 0 {
		return fail(err), nil
	}
	var notes []string
	for _, n := range rd.Notes {
		notes = append(notes, fmt.Sprintf("%s (unit %d): %s", d.Name, d.Unit, n))
	}
	checks := make([]PointCheck, 0, len(rd.Points))
	for _, r := range rd.Points {
		checks = append(checks, checkPoint(d, r))
	}
	return checks, notes
}

// VerifyFailures returns the checks that are not ok, for a device's points.
func VerifyFailures(checks []PointCheck) int {
	n := 0
	for _, c := range checks {
		if c.Status != VerifyOK {
			n++
		}
	}
	return n
}

// checkPoint classifies one point's reading.
func checkPoint(d *gateway.Device, r PointResult) PointCheck {
	c := PointCheck{Device: d.Name, Unit: d.Unit, Point: r.Name, Status: VerifyOK}
	var exc *modbus.ExceptionError
	switch {
	case r.Err != nil && errors.As(r.Err, &exc):
		c.Status, c.Detail = VerifyException, r.Err.Error()
	case r.Err != nil:
		c.Status, c.Detail = VerifyError, r.Err.Error()
	case !r.Value.Implemented:
		c.Status, c.Value = VerifyNotImplemented, r.Value.Display
	case r.Point != nil && !r.Point.InRange(r.Value):
		c.Status, c.Value = VerifyOutOfRange, r.Value.Display
		if rg := r.Point.Range; rg != nil {
			c.Detail = fmt.Sprintf("plausible %g..%g", rg.Min, rg.Max)
		}
	default:
		c.Value = r.Value.Display
	}
	return c
}
