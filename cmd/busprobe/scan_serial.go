package main

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/busprobe/busprobe/probes"
	"github.com/busprobe/busprobe/protocols/modbus"
	"github.com/spf13/cobra"
)

// scanSerialFlags are the flags of `busprobe scan serial`.
type scanSerialFlags struct {
	out        scanOutputFlags
	pf         profileFlags
	baud       string
	parity     string
	stop       string
	units      string
	timeout    string
	retries    int
	noIdentify bool
	trace      bool
}

// newScanSerialCmd is `busprobe scan serial PORT`.
func newScanSerialCmd(e *env) *cobra.Command {
	var f scanSerialFlags
	cmd := &cobra.Command{
		Use:   "serial PORT",
		Short: "Find the line settings and unit IDs of the devices on a serial (RS-485/RS-232) bus",
		Long: `Find the line settings and unit IDs of the devices on a serial bus, and identify them.

Each unit is asked for holding register 0 (FC03); a reply or any exception
proves a device. With several candidate settings the common unit IDs (1-10,
247) are asked at each setting first, most likely first (9600, 19200, 38400,
115200, 4800, 57600, 2400, 1200 baud; parity N, then E, then O); garbage on
the line means "right wire, wrong settings" and steers the search to the
nearest settings. A clean reply locks the settings, then every unit is swept
there. The reply window follows the line: reply wire time plus 1.25 × the
slowest turnaround measured (50 ms before any device answered), never a
fixed second. Units that showed a sign of life without a clean answer get a
slower second pass. Duplicate unit IDs and RS-485 echo are reported.

PORT is a serial device (/dev/ttyUSB0; see busprobe ports).`,
		Example: `  busprobe scan serial /dev/ttyUSB0
  busprobe scan serial /dev/ttyUSB0 --baud 9600,19200 --parity E --units 1-32 --json
  busprobe scan serial /dev/ttyUSB0 --baud 19200 --parity N --ndjson -o line2.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScanSerial(cmd.Context(), e, args[0], &f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.baud, "baud", "auto", "baud rates to try: auto or a list, e.g. 9600,19200")
	fl.StringVar(&f.parity, "parity", "auto", "parities to try: auto (N,E,O) or a list of N, E, O")
	fl.StringVar(&f.stop, "stop", "1", "stop bits to try: 1, 2 or 1,2 (devices accept either; the first is reported)")
	fl.StringVar(&f.units, "units", "1-247", "unit IDs to probe, e.g. 1-32,247 (0 is broadcast and never probed; 248-255 only when listed)")
	fl.StringVar(&f.timeout, "timeout", "auto", "reply window per probe: auto (from the baud rate and measured turnaround) or a duration such as 80ms")
	fl.IntVar(&f.retries, "retries", 0, "extra probes for a unit that stays silent")
	fl.BoolVar(&f.noIdentify, "no-identify", false, "only find devices, do not identify them")
	fl.BoolVar(&f.trace, "trace", false, "print every frame sent and received on stderr")
	f.pf.register(cmd, false)
	f.out.register(cmd)
	return cmd
}

// config turns the flags into the scan's configuration.
func (f *scanSerialFlags) config(port string) (probes.SerialScanConfig, error) {
	cfg := probes.SerialScanConfig{Port: port, Retries: f.retries, NoIdentify: f.noIdentify}
	var err error
	if !isAuto(f.baud) {
		if cfg.Bauds, err = parseBauds(f.baud); err != nil {
			return cfg, err
		}
	}
	if !isAuto(f.parity) {
		if cfg.Parities, err = parseParities(f.parity); err != nil {
			return cfg, err
		}
	}
	if cfg.StopBits, err = probes.ParseIntList(f.stop, "stop bits", 1, 2); err != nil {
		return cfg, &usageError{msg: "--stop: " + err.Error()}
	}
	if cfg.Units, err = probes.ParseIntList(f.units, "unit", 0, 255); err != nil {
		return cfg, &usageError{msg: "--units: " + err.Error()}
	}
	if len(cfg.Units) == 1 && cfg.Units[0] == 0 {
		return cfg, usagef("--units 0: unit 0 is broadcast: no device answers it, so busprobe never probes it")
	}
	if !isAuto(f.timeout) {
		d, err := time.ParseDuration(strings.TrimSpace(f.timeout))
		if err != nil || d <= 0 {
			return cfg, usagef("--timeout %q: want auto or a positive duration such as 80ms", f.timeout)
		}
		cfg.Timeout = d
	}
	if f.retries < 0 {
		return cfg, usagef("--retries %d: want 0 or more", f.retries)
	}
	return cfg, nil
}

func isAuto(s string) bool {
	s = strings.TrimSpace(strings.ToLower(s))
	return s == "" || s == "auto"
}

// parseBauds parses "19200,9600" keeping the order: the first is tried first.
func parseBauds(s string) ([]int, error) {
	var out []int
	for _, p := range strings.Split(s, ",") {
		b, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || b < 50 || b > 4000000 {
			return nil, usagef("--baud %q: want auto or a list of baud rates such as 9600,19200", s)
		}
		if !slices.Contains(out, b) {
			out = append(out, b)
		}
	}
	return out, nil
}

// parseParities parses "N,E" (also none, even, odd).
func parseParities(s string) ([]string, error) {
	var out []string
	for _, p := range strings.Split(s, ",") {
		var v string
		switch strings.ToLower(strings.TrimSpace(p)) {
		case "n", "none":
			v = "N"
		case "e", "even":
			v = "E"
		case "o", "odd":
			v = "O"
		default:
			return nil, usagef("--parity %q: want auto or a list of N, E, O", s)
		}
		if !strings.Contains(strings.Join(out, ""), v) {
			out = append(out, v)
		}
	}
	return out, nil
}

func runScanSerial(ctx context.Context, e *env, port string, f *scanSerialFlags) error {
	cfg, err := f.config(port)
	if err != nil {
		return err
	}
	if err := f.out.check(); err != nil {
		return err
	}
	if !f.noIdentify {
		if cfg.Library, err = f.pf.library(e); err != nil {
			return err
		}
	}
	if f.trace {
		cfg.Tap = traceTap(e.stderr)
	}
	open := probes.SerialPortOpener(port)
	// Open the port once up front so that a missing or busy port is an
	// error that names it, before any scanning starts.
	first := modbus.LineSettings{Baud: 9600, DataBits: 8, Parity: "N", StopBits: 1}
	if len(cfg.Bauds) > 0 {
		first.Baud = cfg.Bauds[0]
	}
	line, err := open(ctx, first)
	if err != nil {
		return err
	}
	_ = line.Close()
	return f.out.run(ctx, e, func(ctx context.Context, emit func(probes.Event)) (probes.ScanResult, error) {
		return probes.ScanSerial(ctx, open, cfg, emit)
	})
}
