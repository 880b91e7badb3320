package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/busprobe/busprobe/protocols/modbus"
	"github.com/busprobe/busprobe/sim"
)

// rtuTurnaround is the fixed device turnaround of the RTU benchmark buses.
const rtuTurnaround = 5 * time.Millisecond

// Transports of the RTU benchmark.
const (
	viaPty  = "pty"     // the client opens the simulator's pty slave as a serial port
	viaLine = "in-proc" // the client talks to the simulator's in-process sim.Line
)

// rtuResult is one cell of the RTU table: one transport, baud rate and
// register count. Times are medians over every transaction of the cell.
type rtuResult struct {
	Transport  string  `json:"transport"`
	Baud       int     `json:"baud"`
	Registers  int     `json:"registers"`
	N          int     `json:"transactions"`
	OursMs     float64 `json:"ours_ms"`     // median time per ReadHoldingRegisters call
	FloorMs    float64 `json:"floor_ms"`    // (req+reply chars)·CharTime + 2·t3.5 + turnaround
	Ratio      float64 `json:"ratio"`       // OursMs / FloorMs
	ModelMs    float64 `json:"model_ms"`    // (req+reply chars)·CharTime + turnaround: what the sim emulates
	ModelRatio float64 `json:"model_ratio"` // OursMs / ModelMs
	PreMs      float64 `json:"pre_send_ms"` // call start → request handed to the line (input flush)
	WireMs     float64 `json:"wire_ms"`     // request handed to the line → last reply byte read
	PostMs     float64 `json:"post_ms"`     // last reply byte read → call returns
	GapMs      float64 `json:"gap_ms"`      // silence between a reply's last byte and the next request
	T35Ms      float64 `json:"t35_ms"`      // the silence the RTU spec asks for between frames
	Stray      int     `json:"stray_frames"`
}

// stamps records, through the client's frame tap, when the last request
// left and when its reply's last byte arrived.
type stamps struct {
	tx, rx time.Time
	stray  int // frames tapped with a note (stale, garbage, echo...): should stay 0
}

// tap returns the frame tap that fills s.
func (s *stamps) tap() modbus.Tap {
	return func(f modbus.TapFrame) {
		switch {
		case f.Dir == modbus.TX:
			s.tx = f.Start
		case f.Note == "":
			s.rx = f.End
		default:
			s.stray++
		}
	}
}

// rtuClient is one client of the RTU benchmark with its tap record.
type rtuClient struct {
	name string
	c    *modbus.Client
	st   *stamps
}

// rtuCell gathers the samples of one table cell.
type rtuCell struct {
	client                 *rtuClient
	regs                   int
	total, pre, wire, post []float64
	gap                    []float64 // next request's start − previous reply's end, back to back
}

// runRTU measures, for one baud rate, the time per FC03 transaction over the
// simulator's pty and over its in-process line, reading 10 and 1 registers,
// against the wire-time floor. The four cells are interleaved: each round
// runs n transactions of every cell, in an order that rotates every round.
func runRTU(ctx context.Context, baud, rounds, n int) ([]rtuResult, error) {
	name := fmt.Sprintf("bench-rtu-%d", baud)
	plant := sim.Plant{Name: "bench rtu", Buses: []sim.Bus{{
		Name: name, Kind: sim.BusRTU, Serve: sim.ServePty,
		Line:    &sim.LineConfig{Baud: baud, Parity: "N", StopBits: 1},
		Devices: []sim.DeviceConfig{benchDevice(rtuTurnaround)},
	}}}
	run, err := sim.Start(ctx, plant)
	if err != nil {
		return nil, err
	}
	defer run.Close()
	ep, _ := run.Endpoint(name)
	target, err := modbus.ParseURL(ep.URL)
	if err != nil {
		return nil, err
	}
	settings := target.Line

	var clients []*rtuClient
	defer func() {
		for _, c := range clients {
			c.c.Close()
		}
	}()
	for _, via := range []string{viaPty, viaLine} {
		st := &stamps{}
		opts := modbus.DialOptions{Timeout: time.Second, Tap: st.tap()}
		if via == viaLine {
			opts.OpenLine = func(context.Context, modbus.Target) (modbus.Line, error) {
				return run.Line(name, settings)
			}
		}
		c, err := modbus.Dial(ctx, target, opts)
		if err != nil {
			return nil, fmt.Errorf("dial %s %s: %w", via, ep.URL, err)
		}
		clients = append(clients, &rtuClient{name: via, c: c, st: st})
	}
	var cells []*rtuCell
	for _, c := range clients {
		for _, regs := range []int{10, 1} {
			cells = append(cells, &rtuCell{client: c, regs: regs})
		}
	}
	for _, cell := range cells { // warm up: open paths, first termios read, timers
		if err := cell.measure(ctx, 3, false); err != nil {
			return nil, err
		}
	}
	for r := range rounds {
		for i := range cells {
			if err := cells[(i+r)%len(cells)].measure(ctx, n, true); err != nil {
				return nil, err
			}
		}
	}
	out := make([]rtuResult, 0, len(cells))
	for _, cell := range cells {
		out = append(out, cell.result(settings))
	}
	return out, nil
}

// measure runs n transactions of the cell, recording them when keep is set.
func (cell *rtuCell) measure(ctx context.Context, n int, keep bool) error {
	c := cell.client
	var prevRx time.Time
	for i := range n {
		*c.st = stamps{stray: c.st.stray}
		start := time.Now()
		v, err := c.c.ReadHoldingRegisters(ctx, benchUnit, 0, uint16(cell.regs))
		end := time.Now()
		if err != nil {
			return fmt.Errorf("%s: read %d registers (transaction %d): %w", c.name, cell.regs, i+1, err)
		}
		if len(v) != cell.regs || int(v[0]) != benchValues()[0] {
			return fmt.Errorf("%s: read %v, want %v", c.name, v, benchValues()[:cell.regs])
		}
		if !keep {
			continue
		}
		cell.total = append(cell.total, ms(end.Sub(start)))
		cell.pre = append(cell.pre, ms(c.st.tx.Sub(start)))
		cell.wire = append(cell.wire, ms(c.st.rx.Sub(c.st.tx)))
		cell.post = append(cell.post, ms(end.Sub(c.st.rx)))
		if !prevRx.IsZero() {
			cell.gap = append(cell.gap, ms(c.st.tx.Sub(prevRx)))
		}
		prevRx = c.st.rx
	}
	return nil
}

// result summarizes the cell against the floor at settings.
func (cell *rtuCell) result(s modbus.LineSettings) rtuResult {
	chars := 8 + 5 + 2*cell.regs // FC03 request, reply with 2 bytes per register
	wire := s.FrameTime(chars)
	floor := wire + 2*s.T35() + rtuTurnaround
	model := wire + rtuTurnaround
	ours := median(cell.total)
	return rtuResult{
		Transport: cell.client.name, Baud: s.Baud, Registers: cell.regs, N: len(cell.total),
		OursMs: round3(ours), FloorMs: round3(ms(floor)), Ratio: round3(ours / ms(floor)),
		ModelMs: round3(ms(model)), ModelRatio: round3(ours / ms(model)),
		PreMs: round3(median(cell.pre)), WireMs: round3(median(cell.wire)), PostMs: round3(median(cell.post)),
		GapMs: round3(median(cell.gap)), T35Ms: round3(ms(s.T35())),
		Stray: cell.client.st.stray,
	}
}

// printRTU writes the RTU table.
func printRTU(w io.Writer, rs []rtuResult, rounds, n int) {
	fmt.Fprintf(w, "b. Modbus RTU, FC03, 8N1, device turnaround %v jitter 0 (%d rounds x %d transactions per cell, rotating)\n",
		rtuTurnaround, rounds, n)
	fmt.Fprintf(w, "   floor = (request+reply chars)·CharTime + 2·t3.5 + turnaround; model = floor without the 2·t3.5\n")
	fmt.Fprintf(w, "   %-8s %6s %5s %9s %9s %6s %9s %6s | %7s %8s %7s %7s %7s\n",
		"via", "baud", "regs", "ours ms", "floor ms", "ratio", "model ms", "ratio",
		"pre ms", "wire ms", "post ms", "gap ms", "t3.5 ms")
	for _, r := range rs {
		fmt.Fprintf(w, "   %-8s %6d %5d %9.2f %9.2f %6.3f %9.2f %6.3f | %7.3f %8.2f %7.3f %7.3f %7.3f\n",
			r.Transport, r.Baud, r.Registers, r.OursMs, r.FloorMs, r.Ratio, r.ModelMs, r.ModelRatio,
			r.PreMs, r.WireMs, r.PostMs, r.GapMs, r.T35Ms)
	}
	fmt.Fprintln(w, "   pre = call start → request written (input flush); wire = written → last reply byte read;")
	fmt.Fprintln(w, "   post = → call returns; gap = last reply byte → next request written, back to back (spec: ≥ t3.5)")
}
