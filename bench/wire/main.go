// Command wire benchmarks busprobe's Modbus wire layer against a peer client
// and against the physics of the line, side by side in one run:
//
//   - Modbus/TCP loopback: busprobe's client vs github.com/simonvetter/modbus
//     reading 10 holding registers from the same simulated gateway, in
//     alternating rounds; the figure is the ratio of reads per second.
//   - Modbus RTU at 9600 and 19200 baud 8N1, on the simulator's pty (which
//     emulates character time and device turnaround) and on its in-process
//     line: time per FC03 transaction against the wire-time floor.
//
// It prints a table and, last, one line of JSON with every figure. Absolute
// times depend on the machine; the ratios are the result. Run it with
// `go run ./bench/wire` (-quick for a short run).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"time"
)

// config holds the command line.
type config struct {
	quick     bool
	tcpRounds int
	tcpN      int
	rtuRounds int
	rtuN      int
	bauds     []int
	noTCP     bool
	noRTU     bool
}

// report is the JSON line printed last.
type report struct {
	Bench      string      `json:"bench"`
	Version    int         `json:"schema_version"`
	Time       string      `json:"time"`
	Go         string      `json:"go"`
	CPUs       int         `json:"cpus"`
	Quick      bool        `json:"quick"`
	TCP        *tcpResult  `json:"tcp,omitempty"`
	RTU        []rtuResult `json:"rtu,omitempty"`
	ElapsedS   float64     `json:"elapsed_s"`
	Turnaround float64     `json:"rtu_turnaround_ms"`
}

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench/wire:", err)
		os.Exit(1)
	}
}

// run parses args, runs the benchmarks and writes the table and JSON to out.
func run(args []string, out, errOut io.Writer) error {
	cfg, err := parseFlags(args, errOut)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	// Every benchmark is bounded in count; this bounds the whole run in time
	// too, should a simulator or client hang.
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()

	began := time.Now()
	rep := report{
		Bench: "wire", Version: 1, Time: began.UTC().Format(time.RFC3339), Go: runtime.Version(),
		CPUs: runtime.NumCPU(), Quick: cfg.quick, Turnaround: ms(rtuTurnaround),
	}
	fmt.Fprintf(out, "busprobe wire benchmarks (%s, %d CPUs%s)\n\n", runtime.Version(), runtime.NumCPU(), quickNote(cfg.quick))
	if !cfg.noTCP {
		fmt.Fprintln(errOut, "running: TCP loopback ...")
		r, err := runTCP(ctx, cfg.tcpRounds, cfg.tcpN)
		if err != nil {
			return fmt.Errorf("tcp: %w", err)
		}
		rep.TCP = &r
		printTCP(out, r)
	}
	if !cfg.noRTU {
		for _, baud := range cfg.bauds {
			fmt.Fprintf(errOut, "running: RTU %d baud ...\n", baud)
			rs, err := runRTU(ctx, baud, cfg.rtuRounds, cfg.rtuN)
			if err != nil {
				return fmt.Errorf("rtu %d: %w", baud, err)
			}
			rep.RTU = append(rep.RTU, rs...)
		}
		printRTU(out, rep.RTU, cfg.rtuRounds, cfg.rtuN)
	}
	rep.ElapsedS = round3(time.Since(began).Seconds())
	line, err := json.Marshal(rep)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\n%s\n", line)
	return nil
}

// parseFlags reads the command line; -quick shrinks every count.
func parseFlags(args []string, errOut io.Writer) (config, error) {
	fs := flag.NewFlagSet("wire", flag.ContinueOnError)
	fs.SetOutput(errOut)
	var cfg config
	fs.BoolVar(&cfg.quick, "quick", false, "short run (fewer rounds and requests)")
	fs.IntVar(&cfg.tcpRounds, "tcp-rounds", 0, "TCP rounds per client (default 21, quick 3)")
	fs.IntVar(&cfg.tcpN, "tcp-n", 0, "TCP reads per round (default 2000, quick 300)")
	fs.IntVar(&cfg.rtuRounds, "rtu-rounds", 0, "RTU rounds (default 5, quick 2)")
	fs.IntVar(&cfg.rtuN, "rtu-n", 0, "RTU transactions per cell and round (default 20, quick 5)")
	fs.BoolVar(&cfg.noTCP, "no-tcp", false, "skip the TCP comparison")
	fs.BoolVar(&cfg.noRTU, "no-rtu", false, "skip the RTU measurements")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	defaults := func(p *int, full, quick int) {
		switch {
		case *p < 0:
			*p = 1
		case *p == 0 && cfg.quick:
			*p = quick
		case *p == 0:
			*p = full
		}
	}
	defaults(&cfg.tcpRounds, 21, 3)
	defaults(&cfg.tcpN, 2000, 300)
	defaults(&cfg.rtuRounds, 5, 2)
	defaults(&cfg.rtuN, 20, 5)
	cfg.bauds = []int{9600, 19200}
	return cfg, nil
}

func quickNote(q bool) string {
	if q {
		return ", -quick"
	}
	return ""
}
