package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/busprobe/busprobe/probes"
	"github.com/busprobe/busprobe/profiles"
	"github.com/busprobe/busprobe/protocols/modbus"
	"github.com/spf13/cobra"
)

// watchFlags are the flags of `busprobe watch`.
type watchFlags struct {
	conn     connFlags
	profile  string
	points   []string
	profiles profileFlags
	table    string
	address  string
	count    uint16
	interval time.Duration
	samples  int
	ndjson   bool
	csv      string
	force    bool
	append   bool
}

func newWatchCmd(e *env) *cobra.Command {
	var f watchFlags
	cmd := &cobra.Command{
		Use:   "watch URL",
		Short: "Poll one unit's points at an interval and show live values and bus health",
		Long: `Poll a profile's decoded points (--profile ID [--points a,b]) or raw registers
(--table T --address A --count C) of one unit at an interval, and show the values as
they change with the bus's health: requests, latency p50/p95/p99, timeouts, CRC
errors, exceptions by code, line utilisation and the achievable poll rate.

The poller adapts to the device and says what it learned (on stderr, and in the
summary): a block answered with exception 02 is split and the hole remembered; busy
replies (06) are retried with backoff and, when the device needs them, pauses are
kept between requests; a device that rejects (03) or ignores large requests gets
smaller ones. A dropped TCP connection or an unplugged USB adapter is reported and
re-opened with backoff. A poll that cannot be made on time, or a run of polls that
read nothing, is reported as a gap: no sample is lost silently.

Output: on a terminal a table redrawn in place, else one line per poll; --ndjson
prints one JSON object per poll (type "sample"), per gap ("gap") and a final
"summary". --csv FILE logs one row per poll (header once, flushed every row) for
hours without growing memory; an existing FILE is never overwritten without
--force (--append adds rows under the same header).

Stops after --samples polls, or on Ctrl-C, printing a summary of the figures on
stderr. Exit 0 when every poll read every point, or after Ctrl-C; 4 when some
polls or points failed; 1 when no point was ever read.`,
		Example: `  busprobe watch tcp://10.0.0.5:502 --unit 1 --profile eastron-sdm630 --points voltage_l1,frequency
  busprobe watch 'rtu:///dev/ttyUSB0?baud=9600' --unit 3 --table holding --address 0 --count 4 --interval 250ms
  busprobe watch tcp://10.0.0.5:502 --unit 1 --profile sdm630 --interval 10s --csv meter.csv
  busprobe watch tcp://10.0.0.5:502 --unit 1 --profile sdm630 --samples 10 --ndjson`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runWatch(cmd, e, args[0], f)
		},
	}
	f.conn.register(cmd)
	fs := cmd.Flags()
	fs.StringVar(&f.profile, "profile", "", "poll and decode the points of this profile (ID or alias)")
	fs.StringSliceVar(&f.points, "points", nil, "with --profile: points to poll, comma-separated (default all)")
	fs.StringVar(&f.table, "table", "", "poll raw values of this table: holding, input, coil or discrete")
	fs.StringVar(&f.address, "address", "0", "with --table: first address, 0-based (decimal or 0x hex)")
	fs.Uint16Var(&f.count, "count", 1, "with --table: number of registers or bits")
	fs.DurationVar(&f.interval, "interval", time.Second, "time between the starts of two polls (0: back to back)")
	fs.IntVar(&f.samples, "samples", 0, "stop after this many polls (default: until Ctrl-C)")
	fs.BoolVar(&f.ndjson, "ndjson", false, "print one JSON object per poll, gap and a final summary")
	fs.StringVar(&f.csv, "csv", "", "log one CSV row per poll to this file")
	fs.BoolVar(&f.force, "force", false, "with --csv: overwrite an existing file")
	fs.BoolVar(&f.append, "append", false, "with --csv: add rows to an existing file with the same columns")
	f.profiles.register(cmd, false)
	return cmd
}

// watchTarget is what the flags ask to poll.
type watchTarget struct {
	unit    byte
	profile *profiles.Profile
	names   []string
}

// check validates the flags and resolves the profile.
func (f watchFlags) check(cmd *cobra.Command, e *env) (watchTarget, error) {
	unit, err := f.conn.unitID()
	if err != nil {
		return watchTarget{}, err
	}
	switch {
	case f.interval < 0:
		return watchTarget{}, usagef("--interval %s: want 0 or more", f.interval)
	case f.samples < 0:
		return watchTarget{}, usagef("--samples %d: want 0 (until Ctrl-C) or more", f.samples)
	case f.force && f.append:
		return watchTarget{}, usagef("--force and --append exclude each other")
	case (f.force || f.append) && f.csv == "":
		return watchTarget{}, usagef("--force and --append go with --csv")
	case f.profile != "" && f.table != "":
		return watchTarget{}, usagef("--profile and --table exclude each other")
	case f.profile == "" && f.table == "":
		return watchTarget{}, usagef("say what to watch: --profile ID, or --table T --address A --count C")
	}
	if f.profile == "" {
		if len(f.points) > 0 {
			return watchTarget{}, usagef("--points needs --profile")
		}
		fc, err := tableFunction(f.table)
		if err != nil {
			return watchTarget{}, err
		}
		addr, err := parseAddress(f.address)
		if err != nil {
			return watchTarget{}, err
		}
		if _, err := modbus.ReadRequest(fc, addr, f.count); err != nil {
			return watchTarget{}, usagef("%v", err)
		}
		t, _ := profiles.ParseTable(tableName(fc))
		return watchTarget{unit: unit, profile: probes.RawProfile(t, addr, int(f.count))}, nil
	}
	for _, name := range []string{"address", "count"} {
		if cmd.Flags().Changed(name) {
			return watchTarget{}, usagef("--%s does not go with --profile (the profile gives addresses)", name)
		}
	}
	p, err := f.profiles.profile(e, f.profile)
	if err != nil {
		return watchTarget{}, err
	}
	if _, err := p.Select(f.points); err != nil {
		return watchTarget{}, usagef("--points: %v", err)
	}
	return watchTarget{unit: unit, profile: p, names: f.points}, nil
}

// runWatch is `busprobe watch`.
func runWatch(cmd *cobra.Command, e *env, rawURL string, f watchFlags) error {
	ctx := cmd.Context()
	wt, err := f.check(cmd, e)
	if err != nil {
		return err
	}
	var csvOut *csvSink
	if f.csv != "" {
		if csvOut, err = openCSVSink(f.csv, f.force, f.append, csvHeader(wt)); err != nil {
			return err
		}
		defer csvOut.close()
	}
	s, err := f.conn.open(ctx, e, rawURL)
	if err != nil {
		return err
	}
	line := modbus.LineSettings{}
	if s.target.Scheme == modbus.SchemeRTU || s.target.Line.Baud > 0 {
		line = s.target.Line
	}
	// The bus owns the connection from here on and re-opens it after a failure.
	bus := probes.StartBus(ctx, probes.BusConfig{Name: s.target.String(), Client: s.client, Line: line,
		Open: func(ctx context.Context) (*modbus.Client, error) {
			s2, err := f.conn.open(ctx, e, rawURL)
			if err != nil {
				return nil, err
			}
			return s2.client, nil
		}})
	defer bus.Close()
	poller, err := probes.NewPoller(bus, probes.PollConfig{Unit: wt.unit, Profile: wt.profile, Names: wt.names,
		Interval: f.interval, MaxSamples: f.samples})
	if err != nil {
		return usagef("%v", err)
	}
	w := newWatchWriter(e, wt, s.target.String(), f.ndjson, csvOut)
	runErr := poller.Run(ctx, w.write)
	if err := w.finish(poller); err != nil && runErr == nil {
		runErr = err
	}
	if runErr != nil {
		return runErr
	}
	return w.outcome(ctx.Err() != nil)
}

// outcome turns the run into the exit code (see the command's help).
func (w *watchWriter) outcome(interrupted bool) error {
	switch {
	case w.everRead == 0 && w.polls > 0:
		err := errors.New("no point was ever read")
		if w.firstErr != "" {
			err = fmt.Errorf("no point was ever read: %s", w.firstErr)
		}
		if interrupted {
			return nil // the summary said it; Ctrl-C is a clean stop
		}
		return &codedError{code: exitError, err: err}
	case interrupted || w.incomplete == 0:
		return nil
	}
	return &codedError{code: exitPartial, err: fmt.Errorf("%d of %d polls did not read every point", w.incomplete, w.polls)}
}
