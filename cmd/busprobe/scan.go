package main

import (
	"context"
	"strings"
	"time"

	"github.com/busprobe/busprobe/probes"
	"github.com/spf13/cobra"
)

// newScanCmd is `busprobe scan`: the parent of `scan tcp` and `scan serial`.
func newScanCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "scan",
		Short: "Find every Modbus device on a TCP network or a serial bus, and identify it",
		Long: `Find every Modbus device on a TCP network or a serial bus, and identify it.

Output: a table by default, --json (one document), --ndjson (one event per
line: progress, found, done); -o FILE also saves the JSON. Progress goes to
stderr. Exit codes: 0 devices found, 3 none found, 1 error, 130 interrupted.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newScanTCPCmd(e), newScanSerialCmd(e))
	return cmd
}

// newScanTCPCmd is `busprobe scan tcp TARGETS…`.
func newScanTCPCmd(e *env) *cobra.Command {
	var (
		out         scanOutputFlags
		pf          profileFlags
		ports       string
		units       string
		concurrency int
		connectTO   time.Duration
		timeout     time.Duration
		minTimeout  time.Duration
		noRTU       bool
		noIdentify  bool
	)
	cmd := &cobra.Command{
		Use:   "tcp TARGET...",
		Short: "Scan hosts, ranges and CIDR blocks for Modbus/TCP gateways and devices",
		Long: `Scan hosts, ranges (10.0.0.1-20) and CIDR blocks (10.0.0.0/24) for Modbus/TCP
gateways and the devices behind them; several targets may be given, or
separated by commas.

Every host gets at most one connection at a time, closed when its scan ends;
--concurrency hosts are scanned at once. Each unit is probed with a read of
holding register 0: a reply or an exception means a device, exceptions 0x0A
and 0x0B mean "gateway alive, unit absent". Unit timeouts follow each host's
measured turnaround. A host silent to Modbus/TCP is asked in RTU framing
(serial device servers: rtuovertcp://). A host that answers every unit alike
is listed once. Each device found is identified (43/14, 17, SunSpec,
profile fingerprints).`,
		Example: `  busprobe scan tcp 192.168.1.0/24
  busprobe scan tcp 10.0.0.5 10.0.0.20-40 --ports 502,1502 --units 1-10,247 --json
  busprobe scan tcp 10.0.0.0/24 --ndjson -o plant-scan.json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg := probes.TCPScanConfig{
				Targets: args, Concurrency: concurrency, ConnectTimeout: connectTO,
				FirstTimeout: timeout, MinTimeout: minTimeout, NoRTU: noRTU, NoIdentify: noIdentify,
			}
			if timeout > 0 && minTimeout == 0 {
				cfg.MinTimeout = timeout
				cfg.MaxTimeout = max(timeout, probes.DefaultScanMaxTimeout)
			}
			if _, err := probes.ParseTargets(args); err != nil {
				return &usageError{msg: err.Error()}
			}
			var err error
			if cfg.Ports, err = probes.ParseIntList(ports, "port", 1, 65535); err != nil {
				return &usageError{msg: err.Error()}
			}
			if strings.TrimSpace(units) != "" {
				if cfg.Units, err = probes.ParseIntList(units, "unit", 0, 255); err != nil {
					return &usageError{msg: err.Error()}
				}
			}
			if err := out.check(); err != nil {
				return err
			}
			if !noIdentify {
				if cfg.Library, err = pf.library(e); err != nil {
					return err
				}
			}
			return out.run(cmd.Context(), e, func(ctx context.Context, emit func(probes.Event)) (probes.ScanResult, error) {
				return probes.ScanTCP(ctx, cfg, emit)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&ports, "ports", "502", "TCP ports to try on every host, e.g. 502,1502,5020-5022")
	f.StringVar(&units, "units", "1-247", "unit IDs to probe on every host that accepts a connection (0 and 248-255 only when listed)")
	f.IntVar(&concurrency, "concurrency", probes.DefaultScanConcurrency, "hosts scanned at once (each gets one connection at a time)")
	f.DurationVar(&connectTO, "connect-timeout", probes.DefaultScanConnectTimeout, "TCP connect timeout per host")
	f.DurationVar(&timeout, "timeout", 0, "reply timeout per unit (default auto: from each host's measured turnaround)")
	f.DurationVar(&minTimeout, "min-timeout", 0, "floor of the automatic reply timeout (default 20ms)")
	f.BoolVar(&noRTU, "no-rtu", false, "do not try RTU framing on hosts silent to Modbus/TCP")
	f.BoolVar(&noIdentify, "no-identify", false, "only find devices, do not identify them")
	pf.register(cmd, false)
	out.register(cmd)
	return cmd
}
