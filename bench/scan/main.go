// Command scan benchmarks the serial scanner (probes.ScanSerial) against
// the physics of the line and against mbpoll, side by side in one run.
//
//	go run ./bench/scan [-no-mbpoll] [-quick]
//
// (a) units 1-247 at 9600 8N1 (settings known), 3 devices with turnaround
// 5-20 ms, on the simulator's in-process line: our time ÷ the physical
// floor, and ÷ mbpoll looping over the same IDs on a pty bus of the same
// plant with the smallest -o timeout that still finds all 3.
// (b) settings unknown (8 bauds × 3 parities), one device at a common ID:
// our time ÷ the same scan with the settings known.
//
// It prints a table and, last, one JSON line.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"time"

	"github.com/busprobe/busprobe/probes"
	"github.com/busprobe/busprobe/protocols/modbus"
	"github.com/busprobe/busprobe/sim"
)

// The devices of sweep (a): turnaround 5-20 ms overall.
var sweepDevices = []sim.DeviceConfig{
	{Unit: 1, Turnaround: 5 * time.Millisecond, Jitter: 5 * time.Millisecond, Seed: 1},
	{Unit: 100, Turnaround: 10 * time.Millisecond, Jitter: 5 * time.Millisecond, Seed: 2},
	{Unit: 247, Turnaround: 15 * time.Millisecond, Jitter: 5 * time.Millisecond, Seed: 3},
}

const maxTurnaround = 20 * time.Millisecond // the slowest reply any device can give

func withRegs(ds []sim.DeviceConfig) []sim.DeviceConfig {
	out := slices.Clone(ds)
	for i := range out {
		out[i].HoldingRegisters = []sim.RegBlock{{Address: 0, Values: []int{out[i].Unit}}}
	}
	return out
}

type sweepResult struct {
	OursMs        float64  `json:"ours_ms"`
	FloorMs       float64  `json:"floor_ms"`
	RatioFloor    float64  `json:"ratio_floor"`
	Found         []int    `json:"found"`
	Probes        int      `json:"probes"`
	MbpollMs      float64  `json:"mbpoll_ms,omitempty"`
	MbpollTimeout float64  `json:"mbpoll_timeout_s,omitempty"`
	MbpollFound   []int    `json:"mbpoll_found,omitempty"`
	RatioMbpoll   float64  `json:"ratio_mbpoll,omitempty"`
	MbpollTried   []string `json:"mbpoll_tried,omitempty"`
}

type unknownResult struct {
	Bus          string  `json:"bus"`
	Unit         int     `json:"unit"`
	KnownMs      float64 `json:"known_ms"`
	UnknownMs    float64 `json:"unknown_ms"`
	Ratio        float64 `json:"ratio"`
	KnownProbes  int     `json:"known_probes"`
	UnkProbes    int     `json:"unknown_probes"`
	FoundAt      string  `json:"found_at"`
	SettingsTold bool    `json:"found_right"`
}

func main() {
	noMbpoll := flag.Bool("no-mbpoll", false, "skip the mbpoll comparison")
	quick := flag.Bool("quick", false, "short run: units 1-60 in (a), one case in (b)")
	flag.Parse()
	ctx := context.Background()
	hi := 247
	if *quick {
		hi = 60
	}
	var units []int
	for u := 1; u <= hi; u++ {
		units = append(units, u)
	}

	// (a) known settings, in-process line.
	line9600 := sim.LineConfig{Baud: 9600, Parity: "N", StopBits: 1}
	devs := withRegs(sweepDevices)
	if *quick {
		devs[1].Unit, devs[2].Unit = 30, 60
	}
	bus, err := sim.NewRTUBus(sim.Bus{Name: "a", Kind: sim.BusRTU, Serve: sim.ServeNone, Line: &line9600, Devices: devs})
	check(err)
	cfg := probes.SerialScanConfig{Port: "sim", Bauds: []int{9600}, Parities: []string{"N"}, Units: units, NoIdentify: true}
	res, err := probes.ScanSerial(ctx, opener(bus), cfg, nil)
	check(err)
	a := sweepResult{OursMs: ms(res.Duration), Probes: res.Probes}
	for _, d := range res.Devices {
		a.Found = append(a.Found, d.Unit)
	}
	s := line9600.Settings()
	floor := time.Duration(0)
	for _, u := range units {
		floor += s.FrameTime(8) + s.FrameTime(7)
		turn := maxTurnaround // a silent unit: wait for the slowest possible reply
		for _, d := range res.Devices {
			if d.Unit == u {
				turn = time.Duration(d.LatencyMS * float64(time.Millisecond))
			}
		}
		floor += turn
	}
	a.FloorMs = ms(floor)
	a.RatioFloor = a.OursMs / a.FloorMs

	if !*noMbpoll {
		if _, err := exec.LookPath("mbpoll"); err != nil {
			fmt.Fprintln(os.Stderr, "mbpoll not found: skipping (apt-get install mbpoll)")
		} else {
			runMbpoll(ctx, &a, devs, units)
		}
	}

	// (b) unknown settings vs known, one device at a common ID.
	cases := []struct {
		line sim.LineConfig
		unit int
	}{
		{sim.LineConfig{Baud: 19200, Parity: "E", StopBits: 1}, 3},
		{sim.LineConfig{Baud: 38400, Parity: "O", StopBits: 1}, 5},
		{sim.LineConfig{Baud: 4800, Parity: "N", StopBits: 1}, 247},
	}
	if *quick {
		cases = cases[:1]
	}
	var bs []unknownResult
	for _, c := range cases {
		d := withRegs([]sim.DeviceConfig{{Unit: c.unit, Turnaround: 10 * time.Millisecond, Jitter: 5 * time.Millisecond, Seed: 9}})
		line := c.line
		bus, err := sim.NewRTUBus(sim.Bus{Name: "b", Kind: sim.BusRTU, Serve: sim.ServeNone, Line: &line, Devices: d})
		check(err)
		known := probes.SerialScanConfig{Port: "sim", Bauds: []int{c.line.Baud}, Parities: []string{c.line.Parity}, Units: units, NoIdentify: true}
		rk, err := probes.ScanSerial(ctx, opener(bus), known, nil)
		check(err)
		unk := probes.SerialScanConfig{Port: "sim", Units: units, NoIdentify: true}
		ru, err := probes.ScanSerial(ctx, opener(bus), unk, nil)
		check(err)
		r := unknownResult{Bus: c.line.Settings().String(), Unit: c.unit, KnownMs: ms(rk.Duration), UnknownMs: ms(ru.Duration),
			KnownProbes: rk.Probes, UnkProbes: ru.Probes}
		r.Ratio = r.UnknownMs / r.KnownMs
		if len(ru.Devices) == 1 {
			dd := ru.Devices[0]
			r.FoundAt = fmt.Sprintf("unit %d at %d %s", dd.Unit, dd.Baud, dd.Parity)
			r.SettingsTold = dd.Unit == c.unit && dd.Baud == c.line.Baud && dd.Parity == c.line.Parity
		} else {
			r.FoundAt = fmt.Sprintf("%d devices", len(ru.Devices))
		}
		bs = append(bs, r)
	}

	fmt.Printf("(a) sweep of units 1-%d at 9600 8N1, 3 devices (turnaround 5-20 ms), in-process line\n", hi)
	fmt.Printf("  %-28s %10s %8s %s\n", "", "ms", "ratio", "found")
	fmt.Printf("  %-28s %10.0f %8s\n", "physical floor", a.FloorMs, "1.00")
	fmt.Printf("  %-28s %10.0f %8.2f %v (%d probes)\n", "busprobe (ours/floor)", a.OursMs, a.RatioFloor, a.Found, a.Probes)
	if a.MbpollMs > 0 {
		fmt.Printf("  %-28s %10.0f %8.2f %v (-o %.2f; tried %v)\n", "mbpoll loop on pty (÷ ours)", a.MbpollMs, a.MbpollMs/a.OursMs, a.MbpollFound, a.MbpollTimeout, a.MbpollTried)
		fmt.Printf("  ours ÷ mbpoll = %.2f\n", a.RatioMbpoll)
	}
	fmt.Println("(b) settings unknown (8 bauds × 3 parities) ÷ settings known, one device")
	fmt.Printf("  %-10s %5s %10s %10s %7s %s\n", "bus", "unit", "known ms", "auto ms", "ratio", "found")
	for _, r := range bs {
		fmt.Printf("  %-10s %5d %10.0f %10.0f %7.2f %s (probes %d vs %d, right=%v)\n", r.Bus, r.Unit, r.KnownMs, r.UnknownMs, r.Ratio, r.FoundAt, r.UnkProbes, r.KnownProbes, r.SettingsTold)
	}
	out, _ := json.Marshal(map[string]any{"schema_version": 1, "bench": "scan", "sweep": a, "unknown_settings": bs})
	fmt.Println(string(out))
}

// runMbpoll finds the smallest -o that finds every device, then times the
// whole loop with it on a pty bus of the same plant.
func runMbpoll(ctx context.Context, a *sweepResult, devs []sim.DeviceConfig, units []int) {
	line := sim.LineConfig{Baud: 9600, Parity: "N", StopBits: 1}
	running, err := sim.Start(ctx, sim.Plant{Name: "mbpoll", Buses: []sim.Bus{{Name: "pty", Kind: sim.BusRTU, Serve: sim.ServePty, Line: &line, Devices: devs}}})
	check(err)
	defer running.Close()
	ep, _ := running.Endpoint("pty")
	isDev := map[int]bool{}
	for _, d := range devs {
		isDev[d.Unit] = true
	}
	// drain discards a reply that came after mbpoll gave up: libmodbus does
	// not flush the port on open, so the next run would read it as its own
	// answer ("Response not from requested slave"). Not timed.
	drain := func() {
		l, err := modbus.OpenSerial(ep.Address, line.Settings())
		if err != nil {
			return
		}
		defer l.Close()
		buf := make([]byte, 256)
		for range 10 {
			if n, _ := l.ReadTimeout(buf, 40*time.Millisecond); n == 0 {
				return
			}
		}
	}
	var spent time.Duration
	ask := func(unit int, to float64) bool {
		start := time.Now()
		defer func() { spent += time.Since(start) }()
		cmd := exec.CommandContext(ctx, "mbpoll", "-m", "rtu", "-b", "9600", "-P", "none", "-a", strconv.Itoa(unit),
			"-r", "1", "-c", "1", "-t", "4", "-1", "-o", strconv.FormatFloat(to, 'f', 2, 64), ep.Address)
		out, err := cmd.CombinedOutput()
		if err != nil && os.Getenv("BENCH_DEBUG") != "" {
			fmt.Fprintf(os.Stderr, "mbpoll unit %d -o %.2f: %v\n%s\n", unit, to, err, out)
		}
		return err == nil
	}
	askClean := func(unit int, to float64) bool {
		ok := ask(unit, to)
		if !ok && isDev[unit] {
			drain()
		}
		return ok
	}
	best := 0.0
	for _, to := range []float64{0.01, 0.02, 0.03, 0.04, 0.05, 0.08, 0.1, 0.2, 1} {
		ok := true
		for range 3 { // all 3 found, three times over
			for _, d := range devs {
				if !askClean(d.Unit, to) {
					ok = false
				}
			}
		}
		a.MbpollTried = append(a.MbpollTried, fmt.Sprintf("%.2f:%v", to, ok))
		if ok {
			best = to
			break
		}
	}
	if best == 0 {
		return
	}
	spent = 0
	var found []int
	for _, u := range units {
		if askClean(u, best) {
			found = append(found, u)
		}
	}
	a.MbpollMs = ms(spent)
	a.MbpollTimeout = best
	a.MbpollFound = found
	a.RatioMbpoll = a.OursMs / a.MbpollMs
}

func opener(bus *sim.RTUBus) probes.LineOpener {
	return func(_ context.Context, s modbus.LineSettings) (modbus.Line, error) { return sim.NewLine(bus, s), nil }
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/scan:", err)
		os.Exit(1)
	}
}
