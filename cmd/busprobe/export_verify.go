package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/busprobe/busprobe/probes"
	"github.com/busprobe/busprobe/protocols/modbus"
)

// Verification outcomes of one point (probes.VerifyDevice's).
const (
	verifyOK             = probes.VerifyOK
	verifyException      = probes.VerifyException
	verifyError          = probes.VerifyError
	verifyOutOfRange     = probes.VerifyOutOfRange
	verifyNotImplemented = probes.VerifyNotImplemented
)

// pointCheck is the verification of one exported point.
type pointCheck = probes.PointCheck

// verifyReport is what --verify found, device by device, point by point.
type verifyReport struct {
	Checks []pointCheck
	Notes  []string // what the reads noticed (unlisted holes…)
}

// failed counts the points that did not verify ok.
func (r verifyReport) failed() int { return probes.VerifyFailures(r.Checks) }

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
		checks, notes := probes.VerifyDevice(ctx, c, d, ex.profile)
		rep.Checks = append(rep.Checks, checks...)
		rep.Notes = append(rep.Notes, notes...)
	}
	return rep
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
