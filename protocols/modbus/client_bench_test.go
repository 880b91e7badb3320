package modbus_test

import (
	"context"
	"io"
	"log"
	"testing"
	"time"

	mb "github.com/simonvetter/modbus"

	"github.com/busprobe/busprobe/protocols/modbus"
	"github.com/busprobe/busprobe/sim"
)

// Benchmarks of the wire layer against the simulator. They measure; they
// assert nothing about time. The side-by-side comparison with a peer client
// and the RTU floor table live in bench/wire (go run ./bench/wire).

// benchSetup bounds a benchmark's dial.
const benchSetup = 10 * time.Second

// benchDevice is a device with ten holding registers at address 0.
func benchDevice(turnaround time.Duration) sim.DeviceConfig {
	return sim.DeviceConfig{
		Unit: 1, Name: "bench device", Turnaround: turnaround,
		HoldingRegisters: []sim.RegBlock{{Address: 0, Values: []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}}},
	}
}

// startBench starts a one-bus plant and returns its endpoint; the plant is
// closed when the benchmark ends.
func startBench(b *testing.B, bus sim.Bus) sim.Endpoint {
	b.Helper()
	// Not a timeout context: sim.Start closes the plant when its ctx ends.
	// Start itself only listens or opens a pty, so it is bounded.
	run, err := sim.Start(context.Background(), sim.Plant{Name: "bench", Buses: []sim.Bus{bus}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { run.Close() })
	ep, ok := run.Endpoint(bus.Name)
	if !ok {
		b.Fatalf("no endpoint for bus %q", bus.Name)
	}
	return ep
}

// dialBench dials url within the setup bound; the client is closed when the benchmark ends.
func dialBench(b *testing.B, url string) *modbus.Client {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), benchSetup)
	defer cancel()
	c, err := modbus.DialURL(ctx, url, modbus.DialOptions{Timeout: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	return c
}

// BenchmarkTCPReadHolding reads 10 holding registers from a simulated
// Modbus/TCP gateway (turnaround 0) over loopback.
func BenchmarkTCPReadHolding(b *testing.B) {
	ep := startBench(b, sim.Bus{Name: "gw", Kind: sim.BusTCP, Listen: "127.0.0.1:0",
		Devices: []sim.DeviceConfig{benchDevice(0)}})
	c := dialBench(b, ep.URL)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.ReadHoldingRegisters(ctx, 1, 0, 10); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTCPReadHoldingPeer is BenchmarkTCPReadHolding with
// github.com/simonvetter/modbus as the client, for comparison.
func BenchmarkTCPReadHoldingPeer(b *testing.B) {
	ep := startBench(b, sim.Bus{Name: "gw", Kind: sim.BusTCP, Listen: "127.0.0.1:0",
		Devices: []sim.DeviceConfig{benchDevice(0)}})
	c, err := mb.NewClient(&mb.ClientConfiguration{
		URL: "tcp://" + ep.Address, Timeout: time.Second,
		Logger: log.New(io.Discard, "", 0), // its default logger writes to stdout
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := c.Open(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	if err := c.SetUnitId(1); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.ReadRegisters(0, 10, mb.HOLDING_REGISTER); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRTUPtyRead9600 reads 10 holding registers over the simulator's
// pty at 9600 8N1 (device turnaround 5 ms, no jitter) and reports
// floor-ratio: the time per transaction over the wire-time floor, (8+25)
// characters plus two t3.5 gaps plus the turnaround (46.7 ms).
func BenchmarkRTUPtyRead9600(b *testing.B) {
	const turnaround = 5 * time.Millisecond
	line := &sim.LineConfig{Baud: 9600, Parity: "N", StopBits: 1}
	ep := startBench(b, sim.Bus{Name: "rtu", Kind: sim.BusRTU, Serve: sim.ServePty, Line: line,
		Devices: []sim.DeviceConfig{benchDevice(turnaround)}})
	c := dialBench(b, ep.URL)
	ctx := context.Background()
	if _, err := c.ReadHoldingRegisters(ctx, 1, 0, 10); err != nil { // warm up
		b.Fatal(err)
	}
	s := line.Settings()
	floor := s.FrameTime(8+5+2*10) + 2*s.T35() + turnaround
	n := 0
	for b.Loop() {
		if _, err := c.ReadHoldingRegisters(ctx, 1, 0, 10); err != nil {
			b.Fatal(err)
		}
		n++
	}
	perOp := b.Elapsed() / time.Duration(max(n, 1))
	b.ReportMetric(float64(perOp)/float64(floor), "floor-ratio")
}
