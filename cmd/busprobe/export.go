package main

// `busprobe export`: a gateway config from a scan, in the native format
// (YAML or JSON by the file's extension) or as Telegraf inputs.modbus TOML,
// optionally verified point by point against the live devices.
//
// Exit codes: 0 written (and, with --verify, every point verified ok);
// 4 written but --verify found failing points; 3 no device of the scan has
// a profile; 2 bad command line; 1 an error (file exists without --force,
// unreadable scan, …).

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/busprobe/busprobe/gateway"
	"github.com/busprobe/busprobe/probes"
	"github.com/busprobe/busprobe/profiles"
	"github.com/spf13/cobra"
)

// Export formats.
const (
	formatNative   = "native"
	formatTelegraf = "telegraf"
	formatEdgeX    = "edgex"
	formatHA       = "homeassistant"
)

// exportFlags are the flags of `busprobe export`.
type exportFlags struct {
	scan       string
	profileFor []string
	format     string
	output     string
	verify     bool
	force      bool
	interval   time.Duration
	timeout    time.Duration
	learn      int // polls per device to learn workarounds; -1: 3 with --verify, else none
	profiles   profileFlags
}

func newExportCmd(e *env) *cobra.Command {
	var f exportFlags
	cmd := &cobra.Command{
		Use:   "export --scan SCAN.json --format native|telegraf|edgex|homeassistant -o FILE",
		Short: "Write a gateway config (native YAML/JSON or Telegraf TOML) for the devices of a scan",
		Long: `Export writes the gateway config for every device of a scan that has a profile
(from the scan's identification, or --profile-for UNIT=ID). Devices without a
profile are skipped with a warning. --format native writes busprobe's own
config (JSON when FILE ends in .json, YAML otherwise; see 'busprobe schema
gateway'); --format telegraf writes Telegraf's inputs.modbus (request style);
--format homeassistant writes Home Assistant's modbus: YAML; --format edgex
writes EdgeX device-modbus device profiles and a device list into the folder
FILE (FILE/profiles/NAME.yaml, FILE/devices/busprobe-devices.yaml).

--verify reads every exported point from the live devices first and reports
each one: ok, exception, error, out of range or not implemented. The file is
written either way; the exit code is 4 when any point failed.

--learn N polls each live device N times with the same poller as 'busprobe
watch' before writing, and exports what it learned (holes the profile does not
list, a smaller request size, one request per point, a pause between requests)
as the device's workarounds and request plan. --verify learns with 3 polls
unless --learn says otherwise (--learn 0: no learning).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runExport(cmd.Context(), e, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.scan, "scan", "", "the scan result (`SCAN.json`, from busprobe scan … -o)")
	fl.StringArrayVar(&f.profileFor, "profile-for", nil, "use profile ID for every device with unit UNIT (`UNIT=ID`, repeatable)")
	fl.StringVar(&f.format, "format", formatNative, "native, telegraf, edgex or homeassistant")
	fl.StringVarP(&f.output, "output", "o", "", "write the config to `FILE` (atomically)")
	fl.BoolVar(&f.verify, "verify", false, "read every exported point from the live devices and report")
	fl.BoolVar(&f.force, "force", false, "overwrite FILE if it exists")
	fl.DurationVar(&f.interval, "interval", gateway.DefaultPollInterval, "poll interval of every device")
	fl.DurationVar(&f.timeout, "timeout", 0, "reply timeout for --verify and --learn (default: the URL's or 1s)")
	fl.IntVar(&f.learn, "learn", -1, "poll each live device `N` times and export the workarounds learned (default: 3 with --verify, else 0)")
	f.profiles.register(cmd, false)
	return cmd
}

// runExport is `busprobe export`.
func runExport(ctx context.Context, e *env, f exportFlags) error {
	overrides, err := f.check()
	if err != nil {
		return err
	}
	scan, err := readScan(f.scan)
	if err != nil {
		return err
	}
	lib, err := f.profiles.library(e)
	if err != nil {
		return err
	}
	for unit, id := range overrides {
		if _, err := lib.Get(id); err != nil {
			return usagef("--profile-for %d=%s: %v", unit, id, err)
		}
	}
	ex := buildExport(scan, lib, overrides, f.interval)
	for _, s := range ex.skipped {
		fmt.Fprintln(e.stderr, "busprobe: warning: skipped "+s)
	}
	if len(ex.cfg.Devices) == 0 {
		return &codedError{code: exitNotFound, err: errors.New("no device of the scan has a profile: nothing to export (use --profile-for UNIT=ID)")}
	}
	if n := f.learnPolls(); n > 0 {
		learnWorkarounds(ctx, e, ex, n, f.timeout)
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	var failed int
	if f.verify {
		vr := verifyExport(ctx, ex, f.timeout)
		writeVerify(e.stdout, vr)
		failed = vr.failed()
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	if err := f.save(e, ex.cfg); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "saved %s (%s: %d buses, %d devices, %d points)\n", f.output, f.format,
		len(ex.cfg.Buses), len(ex.cfg.Devices), ex.points())
	if failed > 0 {
		return &codedError{code: exitPartial, err: fmt.Errorf("--verify: %d points failed (the file was written)", failed)}
	}
	return nil
}

// check validates the flags and parses --profile-for.
func (f exportFlags) check() (map[int]string, error) {
	switch {
	case f.scan == "":
		return nil, usagef("--scan SCAN.json is required")
	case f.output == "":
		return nil, usagef("-o FILE is required")
	case f.format != formatNative && f.format != formatTelegraf && f.format != formatEdgeX && f.format != formatHA:
		return nil, usagef("--format %q: want native, telegraf, edgex or homeassistant", f.format)
	case f.interval < 10*time.Millisecond:
		return nil, usagef("--interval %s: at least 10ms", f.interval)
	}
	if f.format != formatEdgeX { // edgex writes into a folder, checked file by file
		if err := checkNoClobber(f.output, f.force); err != nil {
			return nil, &codedError{code: exitError, err: err}
		}
	}
	out := map[int]string{}
	for _, s := range f.profileFor {
		u, id, ok := strings.Cut(s, "=")
		n, err := strconv.Atoi(strings.TrimSpace(u))
		if !ok || err != nil || n < 1 || n > 255 || strings.TrimSpace(id) == "" {
			return nil, usagef("--profile-for %q: want UNIT=PROFILE, unit 1..255", s)
		}
		out[n] = strings.TrimSpace(id)
	}
	return out, nil
}

// render encodes the config in the chosen format; Telegraf's skipped
// points are warned about on stderr.
func (f exportFlags) render(e *env, c gateway.Config) ([]byte, error) {
	var buf bytes.Buffer
	var skipped []gateway.Skipped
	var err error
	switch f.format {
	case formatTelegraf:
		skipped, err = gateway.WriteTelegraf(&buf, c)
	case formatHA:
		skipped, err = gateway.WriteHomeAssistant(&buf, c)
	default:
		err = gateway.Write(&buf, c, gateway.DetectFormat(f.output, nil))
	}
	for _, s := range skipped {
		fmt.Fprintf(e.stderr, "busprobe: warning: %s: skipped %s\n", f.format, s)
	}
	return buf.Bytes(), err
}

// save renders the config and writes it (every file of it) atomically.
func (f exportFlags) save(e *env, c gateway.Config) error {
	var files []outFile
	if f.format == formatEdgeX {
		var err error
		if files, err = edgexFiles(e, f.output, c); err != nil {
			return err
		}
	} else {
		data, err := f.render(e, c)
		if err != nil {
			return err
		}
		files = []outFile{{f.output, data}}
	}
	return writeFiles(files, f.force)
}

// readScan reads a scan result written by `busprobe scan … -o`.
func readScan(path string) (probes.ScanResult, error) {
	var res probes.ScanResult
	b, err := os.ReadFile(path)
	if err != nil {
		return res, &codedError{code: exitError, err: fmt.Errorf("--scan: %w", err)}
	}
	if err := json.Unmarshal(b, &res); err != nil {
		return res, &codedError{code: exitError, err: fmt.Errorf("--scan %s: not a scan result: %w", path, err)}
	}
	if res.SchemaVersion != probes.ScanSchemaVersion {
		return res, &codedError{code: exitError, err: fmt.Errorf("--scan %s: schema_version %d, want %d", path, res.SchemaVersion, probes.ScanSchemaVersion)}
	}
	return res, nil
}

// exported is one exported device with what verification needs.
type exported struct {
	device  *gateway.Device
	url     string            // where the scan reached it
	profile *profiles.Profile // the library's profile
}

// export is a built config and where its devices came from.
type export struct {
	cfg     gateway.Config
	devices []exported
	skipped []string // why devices of the scan were left out
}

func (x *export) points() int {
	n := 0
	for _, d := range x.cfg.Devices {
		n += len(d.Points)
	}
	return n
}

// buildExport turns the scan's devices into a native config: each device
// gets its profile (by --profile-for UNIT=ID, or the scan's), then
// gateway.Build builds the config.
func buildExport(scan probes.ScanResult, lib *profiles.Library, overrides map[int]string, interval time.Duration) *export {
	sources := make([]gateway.Source, 0, len(scan.Devices))
	for _, d := range scan.Devices {
		s := gateway.Source{URL: d.URL, Unit: d.Unit}
		id := d.Profile
		if o, ok := overrides[d.Unit]; ok {
			id = o
		}
		if id != "" {
			s.Profile, s.Err = lib.Get(id)
		}
		sources = append(sources, s)
	}
	b := gateway.Build(sources, interval, "busprobe "+readBuildVersion().Version)
	x := &export{cfg: b.Config, skipped: b.Skipped}
	if len(b.NoProfile) > 0 {
		x.skipped = append(x.skipped, fmt.Sprintf("%d device(s) without a profile (use --profile-for UNIT=ID): %s",
			len(b.NoProfile), strings.Join(b.NoProfile, ", ")))
	}
	for _, d := range b.Devices { // d.Device points into b.Config.Devices, which x.cfg shares
		x.devices = append(x.devices, exported{device: d.Device, url: d.URL, profile: d.Profile})
	}
	return x
}
