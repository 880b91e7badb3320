// Command watch benchmarks the poller behind `busprobe watch`, side by side
// in one run, against the simulator on this machine:
//
//   - requests per full profile read vs the read planner's optimum, for
//     several library profiles (must be equal: the poller adds nothing);
//   - Modbus/TCP loopback poll rate of the poller vs the raw client sending
//     the same plan's requests, in interleaved rounds; the figure is the
//     median ratio (target ≥ 0.9);
//   - heap in use after a long watch at 10 Hz vs after a short one (flat
//     memory: the ratio should stay near 1).
//
// It prints a table and, last, one line of JSON with every figure. Run it
// with `go run ./bench/watch` (-quick: 6 s vs 1 min of watching instead of
// 1 min vs 10 min).
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
	quick            bool
	profiles         []string
	rounds, polls    int
	memShort, memLng time.Duration
	noMem            bool
}

// report is the JSON line printed last.
type report struct {
	Bench    string        `json:"bench"`
	Version  int           `json:"schema_version"`
	Time     string        `json:"time"`
	Go       string        `json:"go"`
	CPUs     int           `json:"cpus"`
	Quick    bool          `json:"quick"`
	Plans    []planResult  `json:"plans"`
	PlansOK  bool          `json:"plans_equal_optimum"`
	Rate     *rateResult   `json:"tcp_rate,omitempty"`
	Memory   *memoryResult `json:"memory,omitempty"`
	ElapsedS float64       `json:"elapsed_s"`
}

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench/watch:", err)
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
	// Every part is bounded in count; this bounds the whole run in time.
	ctx, cancel := context.WithTimeout(ctx, cfg.memLng+10*time.Minute)
	defer cancel()

	began := time.Now()
	rep := report{Bench: "watch", Version: 1, Time: began.UTC().Format(time.RFC3339), Go: runtime.Version(),
		CPUs: runtime.NumCPU(), Quick: cfg.quick}
	fmt.Fprintf(out, "busprobe watch benchmarks (%s, %d CPUs%s)\n\n", runtime.Version(), runtime.NumCPU(), quickNote(cfg.quick))

	if rep.Plans, err = benchPlans(ctx, cfg.profiles); err != nil {
		return err
	}
	rep.PlansOK = printPlans(out, rep.Plans)

	rate, err := benchRate(ctx, cfg.rounds, cfg.polls)
	if err != nil {
		return err
	}
	rep.Rate = &rate
	printRate(out, rate)

	if !cfg.noMem {
		fmt.Fprintf(out, "c. memory: watching at 10 Hz for %s (heap sampled after %s) …\n", cfg.memLng, cfg.memShort)
		mem, err := benchMemory(ctx, cfg.memShort, cfg.memLng)
		if err != nil {
			return err
		}
		rep.Memory = &mem
		printMemory(out, mem)
	}
	rep.ElapsedS = time.Since(began).Seconds()
	b, err := json.Marshal(rep)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, string(b))
	if !rep.PlansOK {
		return fmt.Errorf("a profile read took more requests than the planner's optimum")
	}
	return nil
}

// parseFlags reads the command line.
func parseFlags(args []string, errOut io.Writer) (config, error) {
	fs := flag.NewFlagSet("watch", flag.ContinueOnError)
	fs.SetOutput(errOut)
	var cfg config
	fs.BoolVar(&cfg.quick, "quick", false, "short run: 5 rounds of 200 polls, memory 6 s vs 1 min")
	fs.BoolVar(&cfg.noMem, "no-memory", false, "skip the memory benchmark (the long part)")
	rounds := fs.Int("rounds", 0, "rate rounds (default 21, quick 5)")
	polls := fs.Int("polls", 0, "polls per client per round (default 1000, quick 200)")
	short := fs.Duration("mem-short", 0, "memory: first heap sample (default 1m, quick 6s)")
	long := fs.Duration("mem-long", 0, "memory: second heap sample (default 10m, quick 1m)")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	cfg.rounds, cfg.polls, cfg.memShort, cfg.memLng = 21, 1000, time.Minute, 10*time.Minute
	if cfg.quick {
		cfg.rounds, cfg.polls, cfg.memShort, cfg.memLng = 5, 200, 6*time.Second, time.Minute
	}
	if *rounds > 0 {
		cfg.rounds = *rounds
	}
	if *polls > 0 {
		cfg.polls = *polls
	}
	if *short > 0 {
		cfg.memShort = *short
	}
	if *long > 0 {
		cfg.memLng = *long
	}
	if cfg.memShort >= cfg.memLng {
		return config{}, fmt.Errorf("-mem-short %s must be shorter than -mem-long %s", cfg.memShort, cfg.memLng)
	}
	cfg.profiles = []string{"eastron-sdm630", "carlogavazzi-em340", "abb-b23", "sunspec-inverter",
		"advantech-adam-6024", "schneider-atv320", "sht20-xy-md02"}
	return cfg, nil
}

func quickNote(quick bool) string {
	if quick {
		return ", -quick"
	}
	return ""
}
