package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/busprobe/busprobe/probes"
	"github.com/busprobe/busprobe/profiles"
	"github.com/busprobe/busprobe/protocols/modbus"
	"github.com/busprobe/busprobe/sim"
)

// planResult compares the poller's requests per full read with the plan.
type planResult struct {
	Profile      string  `json:"profile"`
	Points       int     `json:"points"`
	Optimum      int     `json:"optimum_requests"`
	FirstPoll    int     `json:"first_poll_requests"`
	PerPoll      float64 `json:"requests_per_poll"` // polls 2..n
	PointsRead   int     `json:"points_read"`       // in the last poll
	DeviceReqs   uint64  `json:"device_requests"`   // as the simulated device counted them
	Polls        int     `json:"polls"`
	EqualOptimum bool    `json:"equal"`
}

// rateResult is the TCP loopback poll rate, poller vs raw client.
type rateResult struct {
	Profile     string    `json:"profile"`
	Requests    int       `json:"requests_per_poll"`
	Rounds      int       `json:"rounds"`
	Polls       int       `json:"polls_per_round"`
	PollerRate  float64   `json:"poller_polls_per_s"` // medians
	RawRate     float64   `json:"raw_polls_per_s"`
	DecodeRate  float64   `json:"raw_decode_polls_per_s"`
	Ratio       float64   `json:"ratio"`        // median of per-round poller/raw
	DecodeRatio float64   `json:"decode_ratio"` // median of per-round poller/(raw+decode)
	RoundRatios []float64 `json:"round_ratios"`
}

// memoryResult is the heap after a short and a long watch.
type memoryResult struct {
	ShortS     float64 `json:"short_s"`
	LongS      float64 `json:"long_s"`
	ShortKiB   float64 `json:"heap_inuse_short_kib"`
	LongKiB    float64 `json:"heap_inuse_long_kib"`
	Ratio      float64 `json:"ratio"`
	PollsShort int64   `json:"polls_short"`
	PollsLong  int64   `json:"polls_long"`
	Gaps       int64   `json:"gaps"`
}

// gateway serves one device behind a simulated Modbus/TCP gateway.
func gateway(ctx context.Context, dev sim.DeviceConfig) (*sim.Running, string, error) {
	r, err := sim.Start(ctx, sim.Plant{Name: "bench watch", Buses: []sim.Bus{
		{Name: "gw", Kind: sim.BusTCP, Listen: "127.0.0.1:0", Devices: []sim.DeviceConfig{dev}}}})
	if err != nil {
		return nil, "", err
	}
	ep, _ := r.Endpoint("gw")
	return r, ep.URL, nil
}

// dial connects a client to url.
func dial(ctx context.Context, url string) (*modbus.Client, error) {
	return modbus.DialURL(ctx, url, modbus.DialOptions{Timeout: time.Second})
}

// poller starts a bus on its own connection and a poller of unit 1.
func poller(ctx context.Context, url string, p *profiles.Profile, interval time.Duration, n int) (*probes.Bus, *probes.Poller, error) {
	c, err := dial(ctx, url)
	if err != nil {
		return nil, nil, err
	}
	bus := probes.StartBus(ctx, probes.BusConfig{Name: url, Client: c,
		Open: func(ctx context.Context) (*modbus.Client, error) { return dial(ctx, url) }})
	pl, err := probes.NewPoller(bus, probes.PollConfig{Unit: 1, Profile: p, Interval: interval, MaxSamples: n})
	if err != nil {
		bus.Close()
		return nil, nil, err
	}
	return bus, pl, nil
}

// benchPlans polls every readable point of each profile 5 times and counts
// the requests against the planner's optimum.
func benchPlans(ctx context.Context, ids []string) ([]planResult, error) {
	lib, err := profiles.Embedded()
	if err != nil {
		return nil, err
	}
	const polls = 5
	var out []planResult
	for _, id := range ids {
		p, err := lib.Get(id)
		if err != nil {
			return nil, err
		}
		pts, err := p.Select(nil)
		if err != nil {
			return nil, err
		}
		plan, err := profiles.Plan(pts, p.Device)
		if err != nil {
			return nil, err
		}
		r, url, err := gateway(ctx, sim.DeviceConfig{Unit: 1, Profile: id})
		if err != nil {
			return nil, err
		}
		bus, pl, err := poller(ctx, url, p, 0, polls)
		if err != nil {
			r.Close()
			return nil, err
		}
		res := planResult{Profile: id, Points: len(pts), Optimum: len(plan.Requests), Polls: polls}
		later := 0
		err = pl.Run(ctx, func(s probes.Sample) {
			if s.IsGap() {
				return
			}
			if s.Seq == 0 {
				res.FirstPoll = s.Requests
			} else {
				later += s.Requests
			}
			res.PointsRead = s.OK
		})
		if dev, ok := r.Device("gw", 1); ok {
			res.DeviceReqs = dev.Stats().Requests
		}
		bus.Close()
		r.Close()
		if err != nil {
			return nil, err
		}
		res.PerPoll = float64(later) / float64(polls-1)
		res.EqualOptimum = res.FirstPoll == res.Optimum && res.PerPoll == float64(res.Optimum) &&
			res.DeviceReqs == uint64(polls*res.Optimum)
		out = append(out, res)
	}
	return out, nil
}

// benchRate measures polls per second of the poller and of the raw client
// sending the same requests, in rounds that alternate which goes first.
func benchRate(ctx context.Context, rounds, n int) (rateResult, error) {
	lib, err := profiles.Embedded()
	if err != nil {
		return rateResult{}, err
	}
	p, _ := lib.Get("eastron-sdm630")
	pts, _ := p.Select(nil)
	plan, err := profiles.Plan(pts, p.Device)
	if err != nil {
		return rateResult{}, err
	}
	r, url, err := gateway(ctx, sim.DeviceConfig{Unit: 1, Profile: p.ID})
	if err != nil {
		return rateResult{}, err
	}
	defer r.Close()
	raw, err := dial(ctx, url)
	if err != nil {
		return rateResult{}, err
	}
	defer raw.Close()
	res := rateResult{Profile: p.ID, Requests: len(plan.Requests), Rounds: rounds, Polls: n}
	var pollerRates, rawRates []float64
	// Both keep one connection for the whole run, as a watch does.
	bus, pl, err := poller(ctx, url, p, 0, n)
	if err != nil {
		return res, err
	}
	defer bus.Close()
	runPoller := func() (float64, error) {
		start := time.Now()
		if err := pl.Run(ctx, func(probes.Sample) {}); err != nil {
			return 0, err
		}
		return float64(n) / time.Since(start).Seconds(), nil
	}
	runRaw := func(decode bool) (float64, error) {
		start := time.Now()
		for range n {
			for _, req := range plan.Requests {
				if err := rawRead(ctx, raw, req, decode); err != nil {
					return 0, err
				}
			}
		}
		return float64(n) / time.Since(start).Seconds(), nil
	}
	var decodeRates, decodeRatios []float64
	for i := range rounds {
		// Rotate the order of the three clients every round.
		rates := [3]float64{}
		for k := range 3 {
			var err error
			switch c := (i + k) % 3; c {
			case 0:
				rates[c], err = runPoller()
			default:
				rates[c], err = runRaw(c == 2)
			}
			if err != nil {
				return res, err
			}
		}
		pollerRates, rawRates, decodeRates = append(pollerRates, rates[0]), append(rawRates, rates[1]), append(decodeRates, rates[2])
		res.RoundRatios = append(res.RoundRatios, rates[0]/rates[1])
		decodeRatios = append(decodeRatios, rates[0]/rates[2])
	}
	res.DecodeRate, res.DecodeRatio = median(decodeRates), median(decodeRatios)
	res.PollerRate, res.RawRate, res.Ratio = median(pollerRates), median(rawRates), median(res.RoundRatios)
	return res, nil
}

// rawRead sends one planned request with the plain client and, with
// decode, decodes its points as any tool that shows values must.
func rawRead(ctx context.Context, c *modbus.Client, req profiles.Request, decode bool) error {
	var regs []uint16
	var bits []bool
	var err error
	switch req.Table {
	case profiles.TableHolding:
		regs, err = c.ReadHoldingRegisters(ctx, 1, req.Address, uint16(req.Count))
	case profiles.TableInput:
		regs, err = c.ReadInputRegisters(ctx, 1, req.Address, uint16(req.Count))
	case profiles.TableCoil:
		bits, err = c.ReadCoils(ctx, 1, req.Address, uint16(req.Count))
	default:
		bits, err = c.ReadDiscreteInputs(ctx, 1, req.Address, uint16(req.Count))
	}
	if err != nil || !decode {
		return err
	}
	for _, pt := range req.Points {
		off := int(pt.Address) - int(req.Address)
		if req.Table.IsBit() {
			_, err = pt.DecodeBits(bits[off : off+1])
		} else {
			_, err = pt.Decode(regs[off:off+pt.Size()], nil)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// benchMemory watches every point of an SDM630 at 10 Hz, encoding each
// sample as JSON (as `watch --ndjson` does), and reads the heap in use
// after short and after long.
func benchMemory(ctx context.Context, short, long time.Duration) (memoryResult, error) {
	lib, err := profiles.Embedded()
	if err != nil {
		return memoryResult{}, err
	}
	p, _ := lib.Get("eastron-sdm630")
	r, url, err := gateway(ctx, sim.DeviceConfig{Unit: 1, Profile: p.ID})
	if err != nil {
		return memoryResult{}, err
	}
	defer r.Close()
	bus, pl, err := poller(ctx, url, p, 100*time.Millisecond, 0)
	if err != nil {
		return memoryResult{}, err
	}
	defer bus.Close()
	res := memoryResult{ShortS: short.Seconds(), LongS: long.Seconds()}
	enc := json.NewEncoder(io.Discard)
	start := time.Now()
	var polls int64
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	err = pl.Run(wctx, func(s probes.Sample) {
		if s.IsGap() {
			res.Gaps++
			return
		}
		polls++
		vals := make(map[string]any, len(s.Points))
		for _, pt := range s.Points {
			vals[pt.Name] = pt.Value.Any()
		}
		_ = enc.Encode(map[string]any{"seq": s.Seq, "time": s.Time, "values": vals, "stats": s.Stats})
		el := time.Since(start)
		switch {
		case res.PollsShort == 0 && el >= short:
			res.PollsShort, res.ShortKiB = polls, heapKiB()
		case el >= long:
			res.PollsLong, res.LongKiB = polls, heapKiB()
			cancel()
		}
	})
	if err != nil {
		return res, err
	}
	if res.PollsLong == 0 {
		return res, fmt.Errorf("memory benchmark stopped early: %v", ctx.Err())
	}
	res.Ratio = res.LongKiB / res.ShortKiB
	return res, nil
}

// heapKiB returns the heap in use after garbage collection.
func heapKiB() float64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapInuse) / 1024
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}

func printPlans(w io.Writer, rs []planResult) bool {
	fmt.Fprintln(w, "a. requests per full profile read (simulated device from the profile, 5 polls)")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "profile\tpoints\toptimum\tfirst poll\tper poll\tdevice saw\tpoints read\tequal\t")
	ok := true
	for _, r := range rs {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.1f\t%d\t%d\t%v\t\n", r.Profile, r.Points, r.Optimum, r.FirstPoll, r.PerPoll,
			r.DeviceReqs, r.PointsRead, r.EqualOptimum)
		ok = ok && r.EqualOptimum
	}
	_ = tw.Flush()
	fmt.Fprintln(w)
	return ok
}

func printRate(w io.Writer, r rateResult) {
	fmt.Fprintf(w, "b. Modbus/TCP loopback, %s, %d requests per poll: %d rounds of %d polls each\n", r.Profile, r.Requests, r.Rounds, r.Polls)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "client\tpolls/s (median)\tµs/poll\t")
	fmt.Fprintf(tw, "poller\t%.0f\t%.1f\t\n", r.PollerRate, 1e6/r.PollerRate)
	fmt.Fprintf(tw, "raw client\t%.0f\t%.1f\t\n", r.RawRate, 1e6/r.RawRate)
	fmt.Fprintf(tw, "raw client + decode\t%.0f\t%.1f\t\n", r.DecodeRate, 1e6/r.DecodeRate)
	_ = tw.Flush()
	verdict := func(x float64) string {
		if x < 0.9 {
			return "below"
		}
		return "meets"
	}
	fmt.Fprintf(w, "ratio poller/raw (median of rounds): %.3f (%s the 0.9 target)\n", r.Ratio, verdict(r.Ratio))
	fmt.Fprintf(w, "ratio poller/(raw + decode):        %.3f (%s the 0.9 target)\n\n", r.DecodeRatio, verdict(r.DecodeRatio))
}

func printMemory(w io.Writer, m memoryResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "after\tpolls\theap in use\t")
	fmt.Fprintf(tw, "%s\t%d\t%.0f KiB\t\n", time.Duration(m.ShortS*float64(time.Second)), m.PollsShort, m.ShortKiB)
	fmt.Fprintf(tw, "%s\t%d\t%.0f KiB\t\n", time.Duration(m.LongS*float64(time.Second)), m.PollsLong, m.LongKiB)
	_ = tw.Flush()
	fmt.Fprintf(w, "ratio long/short: %.3f (gaps: %d)\n\n", m.Ratio, m.Gaps)
}
