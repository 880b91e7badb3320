package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"slices"
	"strings"
	"time"

	mb "github.com/simonvetter/modbus"

	"github.com/busprobe/busprobe/protocols/modbus"
	"github.com/busprobe/busprobe/sim"
)

// tcpBus names the simulated gateway of the TCP benchmark.
const tcpBus = "bench-gateway"

// benchUnit is the unit ID of the benchmark device on every bus.
const benchUnit = 1

// benchValues returns the holding registers of the benchmark device.
func benchValues() []int { return []int{11, 22, 33, 44, 55, 66, 77, 88, 99, 1010} }

// benchDevice is the device every benchmark bus holds: ten holding
// registers at address 0, a fixed turnaround and no jitter.
func benchDevice(turnaround time.Duration) sim.DeviceConfig {
	return sim.DeviceConfig{
		Unit: benchUnit, Name: "bench device", Turnaround: turnaround,
		HoldingRegisters: []sim.RegBlock{{Address: 0, Values: benchValues()}},
	}
}

// tcpResult is the TCP loopback comparison.
type tcpResult struct {
	Registers  int       `json:"registers"`
	Requests   int       `json:"requests_per_round"`
	Rounds     int       `json:"rounds"`
	OursRPS    float64   `json:"ours_reads_per_s"`   // median over rounds
	TheirsRPS  float64   `json:"theirs_reads_per_s"` // median over rounds
	Ratio      float64   `json:"ratio_ours_theirs"`  // median of the per-round ratios
	Ratios     []float64 `json:"ratios"`             // per round, ours/theirs
	OursUsOp   float64   `json:"ours_us_per_read"`   // 1e6 / OursRPS
	TheirsUsOp float64   `json:"theirs_us_per_read"` // 1e6 / TheirsRPS
}

// reader is one client under test: it reads the ten benchmark registers.
type reader func(ctx context.Context) error

// runTCP compares our client and simonvetter/modbus's on one simulated
// Modbus/TCP gateway (turnaround 0): rounds of n reads each, the two
// clients alternating which goes first, so drift on a shared machine hits
// both alike. Each client keeps one connection for the whole run.
func runTCP(ctx context.Context, rounds, n int) (tcpResult, error) {
	res := tcpResult{Registers: len(benchValues()), Requests: n, Rounds: rounds}
	plant := sim.Plant{Name: "bench tcp", Buses: []sim.Bus{{
		Name: tcpBus, Kind: sim.BusTCP, Listen: "127.0.0.1:0",
		Devices: []sim.DeviceConfig{benchDevice(0)},
	}}}
	run, err := sim.Start(ctx, plant)
	if err != nil {
		return res, err
	}
	defer run.Close()
	ep, _ := run.Endpoint(tcpBus)

	ours, err := modbus.DialURL(ctx, ep.URL, modbus.DialOptions{Timeout: time.Second})
	if err != nil {
		return res, fmt.Errorf("dial ours: %w", err)
	}
	defer ours.Close()
	theirs, err := mb.NewClient(&mb.ClientConfiguration{
		URL:     "tcp://" + ep.Address,
		Timeout: time.Second,
		Logger:  log.New(io.Discard, "", 0), // its default logger writes to stdout
	})
	if err != nil {
		return res, fmt.Errorf("peer client: %w", err)
	}
	if err := theirs.Open(); err != nil {
		return res, fmt.Errorf("peer client: open: %w", err)
	}
	defer theirs.Close()
	if err := theirs.SetUnitId(benchUnit); err != nil {
		return res, err
	}

	count := uint16(res.Registers)
	readOurs := func(ctx context.Context) error {
		v, err := ours.ReadHoldingRegisters(ctx, benchUnit, 0, count)
		if err == nil && len(v) != int(count) {
			err = fmt.Errorf("ours: %d registers, want %d", len(v), count)
		}
		return err
	}
	readTheirs := func(context.Context) error {
		v, err := theirs.ReadRegisters(0, count, mb.HOLDING_REGISTER)
		if err == nil && len(v) != int(count) {
			err = fmt.Errorf("theirs: %d registers, want %d", len(v), count)
		}
		return err
	}
	if err := checkValues(ctx, ours, theirs); err != nil {
		return res, err
	}
	warm := min(n, 200)
	for _, r := range []reader{readOurs, readTheirs} {
		if _, err := timeReads(ctx, r, warm); err != nil {
			return res, err
		}
	}
	var oursRPS, theirsRPS []float64
	for i := range rounds {
		order := []reader{readOurs, readTheirs}
		if i%2 == 1 {
			order = []reader{readTheirs, readOurs}
		}
		var took [2]time.Duration
		for j, r := range order {
			d, err := timeReads(ctx, r, n)
			if err != nil {
				return res, err
			}
			took[j] = d
		}
		if i%2 == 1 {
			took[0], took[1] = took[1], took[0]
		}
		o, t := float64(n)/took[0].Seconds(), float64(n)/took[1].Seconds()
		oursRPS, theirsRPS = append(oursRPS, o), append(theirsRPS, t)
		res.Ratios = append(res.Ratios, round3(o/t))
	}
	res.OursRPS, res.TheirsRPS = round3(median(oursRPS)), round3(median(theirsRPS))
	res.Ratio = round3(median(res.Ratios))
	res.OursUsOp, res.TheirsUsOp = round3(1e6/res.OursRPS), round3(1e6/res.TheirsRPS)
	return res, nil
}

// checkValues makes sure both clients read the device's registers right
// before anything is timed: a benchmark of wrong answers means nothing.
func checkValues(ctx context.Context, ours *modbus.Client, theirs *mb.ModbusClient) error {
	want := make([]uint16, 0, len(benchValues()))
	for _, v := range benchValues() {
		want = append(want, uint16(v))
	}
	a, err := ours.ReadHoldingRegisters(ctx, benchUnit, 0, uint16(len(want)))
	if err != nil {
		return fmt.Errorf("ours: %w", err)
	}
	b, err := theirs.ReadRegisters(0, uint16(len(want)), mb.HOLDING_REGISTER)
	if err != nil {
		return fmt.Errorf("theirs: %w", err)
	}
	if !slices.Equal(a, want) || !slices.Equal(b, want) {
		return fmt.Errorf("register check: ours %v, theirs %v, want %v", a, b, want)
	}
	return nil
}

// timeReads runs n reads and returns how long they took.
func timeReads(ctx context.Context, r reader, n int) (time.Duration, error) {
	start := time.Now()
	for i := range n {
		if err := r(ctx); err != nil {
			return 0, fmt.Errorf("read %d of %d: %w", i+1, n, err)
		}
	}
	return time.Since(start), nil
}

// printTCP writes the TCP table.
func printTCP(w io.Writer, r tcpResult) {
	fmt.Fprintf(w, "a. Modbus/TCP loopback, FC03 %d registers, sim gateway turnaround 0 (%d rounds x %d reads, alternating)\n",
		r.Registers, r.Rounds, r.Requests)
	fmt.Fprintf(w, "   %-26s %12s %10s\n", "client", "reads/s", "µs/read")
	fmt.Fprintf(w, "   %-26s %12.0f %10.1f\n", "busprobe", r.OursRPS, r.OursUsOp)
	fmt.Fprintf(w, "   %-26s %12.0f %10.1f\n", "simonvetter/modbus v1.6.4", r.TheirsRPS, r.TheirsUsOp)
	rs := make([]string, len(r.Ratios))
	for i, x := range r.Ratios {
		rs[i] = fmt.Sprintf("%.2f", x)
	}
	fmt.Fprintf(w, "   ratio ours/theirs (median of rounds, higher is better): %.2f  [%s]\n\n", r.Ratio, strings.Join(rs, " "))
}
