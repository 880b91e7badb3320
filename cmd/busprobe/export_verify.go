package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/busprobe/busprobe/gateway"
	"github.com/busprobe/busprobe/probes"
	"github.com/busprobe/busprobe/profiles"
	"github.com/busprobe/busprobe/protocols/modbus"
)

// Verification outcomes of one point.
const (
	verifyOK             = "ok"
	verifyException      = "exception"       // the device answered with an exception
	verifyError          = "error"           // timeout, connection, decode…
	verifyOutOfRange     = "out of range"    // read, but outside the point's plausible range
	verifyNotImplemented = "not implemented" // the device sent the not-implemented sentinel
)

// pointCheck is the verification of one exported point.
type pointCheck struct {
	Device string
	Unit   int
	Point  string
	Status string
	Value  string // the decoded value with unit, when read
	Detail string // the error, or the range
}

// verifyReport is what --verify found, device by device, point by point.
type verifyReport struct {
	Checks []pointCheck
	Notes  []string // what the reads noticed (unlisted holes…)
}

// failed counts the points that did not verify ok.
func (r verifyReport) failed() int {
	n := 0
	for _, c := range r.Checks {
		if c.Status != verifyOK {
			n++
		}
	}
	return n
}

// verifyExport reads every exported point from its device, under the
// device's exported workarounds (so a hole the config does not list shows
// as an exception, as it would in the gateway).
func verifyExport(ctx context.Context, x *export, timeout time.Duration) verifyReport {
	var rep verifyReport
	clients := map[string]*modbus.Client{}
	defer func() {
		for _, c := range clients {
			_ = c.Close()
		}
	}()
	for _, ex := range x.devices {
		d := ex.device
		fail := func(status string, err error) {
			for _, p := range d.Points {
				rep.Checks = append(rep.Checks, pointCheck{Device: d.Name, Unit: d.Unit, Point: p.Name, Status: status, Detail: err.Error()})
			}
		}
		c, ok := clients[ex.url]
		if !ok {
			t, err := modbus.ParseURL(ex.url)
			if err == nil {
				if timeout > 0 {
					t.Timeout = timeout
				}
				c, err = modbus.Dial(ctx, t, modbus.DialOptions{Timeout: timeout})
			}
			if err != nil {
				fail(verifyError, err)
				continue
			}
			clients[ex.url] = c
		}
		lim, err := d.Workarounds.Limits()
		if err != nil {
			fail(verifyError, err)
			continue
		}
		p := *ex.profile
		p.Device = lim
		names := make([]string, len(d.Points))
		for i, pt := range d.Points {
			names[i] = pt.Name
		}
		rd, err := probes.ReadPoints(ctx, c, byte(d.Unit), &p, names)
		if err != nil && len(rd.Points) == 0 {
			fail(verifyError, err)
			continue
		}
		for _, n := range rd.Notes {
			rep.Notes = append(rep.Notes, fmt.Sprintf("%s (unit %d): %s", d.Name, d.Unit, n))
		}
		for _, r := range rd.Points {
			rep.Checks = append(rep.Checks, checkPoint(d, r))
		}
	}
	return rep
}

// checkPoint classifies one point's reading.
func checkPoint(d *gateway.Device, r probes.PointResult) pointCheck {
	c := pointCheck{Device: d.Name, Unit: d.Unit, Point: r.Name, Status: verifyOK}
	var exc *modbus.ExceptionError
	switch {
	case r.Err != nil && errors.As(r.Err, &exc):
		c.Status, c.Detail = verifyException, r.Err.Error()
	case r.Err != nil:
		c.Status, c.Detail = verifyError, r.Err.Error()
	case !r.Value.Implemented:
		c.Status, c.Value = verifyNotImplemented, r.Value.Display
	case r.Point != nil && !r.Point.InRange(r.Value):
		c.Status, c.Value = verifyOutOfRange, r.Value.Display
		c.Detail = fmt.Sprintf("plausible %s", rangeText(r.Point.Range))
	default:
		c.Value = r.Value.Display
	}
	return c
}

func rangeText(r *profiles.Range) string {
	if r == nil {
		return "-"
	}
	return fmt.Sprintf("%g..%g", r.Min, r.Max)
}

// writeVerify prints the report: one line per point, then a summary.
func writeVerify(w io.Writer, r verifyReport) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "DEVICE\tUNIT\tPOINT\tSTATUS\tVALUE\tDETAIL")
	for _, c := range r.Checks {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\n", c.Device, c.Unit, c.Point, c.Status, dash(c.Value), dash(c.Detail))
	}
	_ = tw.Flush()
	for _, n := range r.Notes {
		fmt.Fprintln(w, "note:", n)
	}
	counts := map[string]int{}
	for _, c := range r.Checks {
		counts[c.Status]++
	}
	fmt.Fprintf(w, "verified %d points: %d ok", len(r.Checks), counts[verifyOK])
	for _, s := range []string{verifyException, verifyError, verifyOutOfRange, verifyNotImplemented} {
		if counts[s] > 0 {
			fmt.Fprintf(w, ", %d %s", counts[s], s)
		}
	}
	fmt.Fprintln(w)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
