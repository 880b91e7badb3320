package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/busprobe/busprobe/probes"
	"github.com/busprobe/busprobe/protocols/modbus"
	"github.com/spf13/cobra"
)

// monitorFlags are the flags of `busprobe monitor`.
type monitorFlags struct {
	conn     connFlags
	profile  string
	profiles profileFlags
	table    string
	address  string
	count    uint16
	interval time.Duration
	polls    int
	ndjson   bool
}

func newMonitorCmd(e *env) *cobra.Command {
	var f monitorFlags
	cmd := &cobra.Command{
		Use:   "monitor URL",
		Short: "Poll one unit and show every frame on the wire, decoded, with its timing",
		Long: `Poll one unit at an interval and show every frame sent and received: time,
direction, timing, hex bytes and what the frame means ("unit 3 read holding 0..3
(40001×4)", "unit 3 exception 02 illegal data address"). The timing column shows
the silence since the previous frame (+12.5 ms) or, for an answer, the turnaround
from the end of the request (↳ 3.2 ms). A request that got no answer shows as a
timeout line. At the end (after --count-polls polls, or on Ctrl-C) a per-unit
summary: requests, replies, exceptions, CRC errors, timeouts, latency p50 and max.

Poll either a profile's points (--profile ID, in the fewest requests the device
allows) or a raw range (--table, --address, --count). Exit 0 when every poll was
answered, 4 when some were not, 1 when none was.`,
		Example: `  busprobe monitor 'rtu:///dev/ttyUSB0?baud=9600&parity=N' --unit 3 --table holding --address 0 --count 4
  busprobe monitor tcp://10.0.0.5:502 --unit 1 --profile eastron-sdm630 --interval 2s --count-polls 10
  busprobe monitor tcp://10.0.0.5:502 --unit 1 --count 2 --ndjson`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.profile != "" {
				for _, name := range []string{"table", "address", "count"} {
					if cmd.Flags().Changed(name) {
						return usagef("--%s does not go with --profile (the profile gives tables and addresses)", name)
					}
				}
			}
			return runMonitor(cmd.Context(), e, args[0], f)
		},
	}
	f.conn.register(cmd)
	fs := cmd.Flags()
	fs.StringVar(&f.profile, "profile", "", "poll this profile's readable points")
	fs.StringVar(&f.table, "table", "holding", "table to poll: holding, input, coil or discrete")
	fs.StringVar(&f.address, "address", "0", "first 0-based address (decimal or 0x hex)")
	fs.Uint16Var(&f.count, "count", 1, "number of registers or bits to poll")
	fs.DurationVar(&f.interval, "interval", time.Second, "time between polls")
	fs.IntVar(&f.polls, "count-polls", 0, "stop after this many polls (0: until Ctrl-C)")
	fs.BoolVar(&f.ndjson, "ndjson", false, "one JSON object per frame, then the summary as one object")
	f.profiles.register(cmd, false)
	return cmd
}

// pollFunc runs one poll of the monitor; its frames reach the tap.
type pollFunc func(ctx context.Context) error

// poller builds the poll the flags ask for: a profile's points, or a raw read.
func (f *monitorFlags) poller(e *env, s *session, unit byte) (pollFunc, error) {
	if f.profile != "" {
		p, err := f.profiles.profile(e, f.profile)
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context) error {
			rd, err := probes.ReadPoints(ctx, s.client, unit, p, nil)
			if err != nil {
				return err
			}
			for _, pt := range rd.Points {
				if pt.Err != nil {
					return pt.Err
				}
			}
			return nil
		}, nil
	}
	fc, err := tableFunction(f.table)
	if err != nil {
		return nil, err
	}
	addr, err := parseAddress(f.address)
	if err != nil {
		return nil, err
	}
	if _, err := modbus.ReadRequest(fc, addr, f.count); err != nil {
		return nil, usagef("%v", err)
	}
	return func(ctx context.Context) error {
		_, err := readValues(ctx, s.client, unit, fc, addr, f.count)
		return err
	}, nil
}

// monitorSummaryJSON is the last NDJSON record of a monitor or sniff run.
type monitorSummaryJSON struct {
	Type          string                `json:"type"` // "summary"
	SchemaVersion int                   `json:"schema_version"`
	Polls         int                   `json:"polls,omitempty"`
	Failed        int                   `json:"failed_polls,omitempty"`
	Summary       probes.TrafficSummary `json:"summary"`
}

// runMonitor is `busprobe monitor`: a loop of polls, each frame rendered by
// a trafficView on the session's tap. The loop only polls; rendering and
// statistics live in the view, so another poller can drive the same view.
func runMonitor(ctx context.Context, e *env, rawURL string, f monitorFlags) error {
	unit, err := f.conn.unitID()
	if err != nil {
		return err
	}
	if f.polls < 0 || f.interval < 0 {
		return usagef("--count-polls and --interval must not be negative")
	}
	if _, err := tableFunction(f.table); err != nil && f.profile == "" {
		return err
	}
	s, err := f.conn.open(ctx, e, rawURL)
	if err != nil {
		return err
	}
	defer s.close()
	poll, err := f.poller(e, s, unit)
	if err != nil {
		return err
	}
	view := newTrafficView(e.stdout, modbus.FramingOf(s.target.Scheme), f.ndjson, "TX", "RX")
	trace := s.trace
	s.client.SetTap(func(fr modbus.TapFrame) {
		view.tap(fr)
		if trace != nil {
			trace(fr)
		}
	})
	if !f.ndjson {
		fmt.Fprintf(e.stderr, "monitoring unit %d at %s every %s (Ctrl-C ends and prints the summary)\n", unit, s.target, f.interval)
	}
	polls, failed := 0, 0
	var firstErr error
	for f.polls == 0 || polls < f.polls { // bounded by --count-polls or ctx
		if ctx.Err() != nil {
			break
		}
		err := poll(ctx)
		view.flush()
		if ctx.Err() != nil {
			break // an interrupted poll is not a failed one
		}
		polls++
		if err != nil {
			failed++
			if firstErr == nil {
				firstErr = err
			}
			if !f.ndjson {
				fmt.Fprintf(e.stderr, "busprobe: poll %d: %v\n", polls, s.explain(unit, err))
			}
		}
		if f.polls > 0 && polls >= f.polls {
			break
		}
		if !sleepOrDone(ctx, f.interval) {
			break
		}
	}
	sum := view.summary()
	if f.ndjson {
		err = json.NewEncoder(e.stdout).Encode(monitorSummaryJSON{Type: "summary", SchemaVersion: schemaVersion, Polls: polls, Failed: failed, Summary: sum})
	} else {
		fmt.Fprintf(e.stdout, "\n%d polls, %d failed", polls, failed)
		err = writeTrafficSummary(e.stdout, sum)
	}
	if err != nil {
		return err
	}
	switch {
	case failed == 0:
		return nil
	case failed == polls:
		return &codedError{code: exitError, err: s.explain(unit, firstErr)}
	}
	return &codedError{code: exitPartial, err: fmt.Errorf("%d of %d polls failed; first: %w", failed, polls, s.explain(unit, firstErr))}
}

// sleepOrDone waits d; it returns false if ctx ended first.
func sleepOrDone(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
