package probes

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/busprobe/busprobe/profiles"
	"github.com/busprobe/busprobe/protocols/modbus"
	"github.com/busprobe/busprobe/sim"
)

// libProfile returns a profile of the embedded library.
func libProfile(t testing.TB, id string) *profiles.Profile {
	t.Helper()
	lib, err := profiles.Embedded()
	if err != nil {
		t.Fatalf("library: %v", err)
	}
	p, err := lib.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// startGateway serves devices behind a simulated Modbus/TCP gateway on
// listen ("127.0.0.1:0" for a free port) and returns the plant and its URL.
func startGateway(t testing.TB, listen string, devs ...sim.DeviceConfig) (*sim.Running, string) {
	t.Helper()
	r, err := sim.Start(context.Background(), sim.Plant{Name: "poll test", Buses: []sim.Bus{
		{Name: "gw", Kind: sim.BusTCP, Listen: listen, Devices: devs}}})
	if err != nil {
		t.Fatalf("start gateway: %v", err)
	}
	t.Cleanup(func() { _ = r.Close() })
	ep, _ := r.Endpoint("gw")
	return r, ep.URL
}

// tcpBus starts a Bus on a TCP target that dials on first use.
func tcpBus(t testing.TB, ctx context.Context, url string) *Bus {
	t.Helper()
	target, err := modbus.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	opts := modbus.DialOptions{Timeout: 500 * time.Millisecond, ConnectTimeout: 500 * time.Millisecond}
	b := StartBus(ctx, BusConfig{Name: url, Backoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond,
		Open: func(ctx context.Context) (*modbus.Client, error) { return modbus.Dial(ctx, target, opts) }})
	t.Cleanup(func() { _ = b.Close() })
	return b
}

// collect runs p for its MaxSamples and returns every sample and gap.
func collect(t testing.TB, ctx context.Context, p *Poller) []Sample {
	t.Helper()
	var out []Sample
	if err := p.Run(ctx, func(s Sample) { out = append(out, s) }); err != nil {
		t.Fatalf("run: %v", err)
	}
	return out
}

// deviceTransport serves a simulated device in-process, with hooks that
// emulate behaviours the simulator does not have.
type deviceTransport struct {
	mu     sync.Mutex
	dev    *sim.Device
	before func(req modbus.PDU, sinceLast time.Duration) (modbus.PDU, error, bool) // answer instead of the device when ok
	last   time.Time
}

func (d *deviceTransport) RoundTrip(ctx context.Context, unit byte, req modbus.PDU) (modbus.PDU, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	defer func() { d.last = time.Now() }()
	if d.before != nil {
		since := time.Duration(1 << 62)
		if !d.last.IsZero() {
			since = time.Since(d.last)
		}
		if resp, err, ok := d.before(req, since); ok {
			return resp, err
		}
	}
	resp, ok := d.dev.Handle(req)
	if !ok {
		return modbus.PDU{}, &modbus.TimeoutError{Unit: unit, Timeout: time.Millisecond}
	}
	return resp, nil
}

func (d *deviceTransport) SetTap(modbus.Tap) {}
func (d *deviceTransport) Close() error      { return nil }

// fakeBus starts a Bus over an in-process device.
func fakeBus(t testing.TB, ctx context.Context, cfg sim.DeviceConfig, before func(modbus.PDU, time.Duration) (modbus.PDU, error, bool)) *Bus {
	t.Helper()
	dev, err := sim.NewDevice(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tr := &deviceTransport{dev: dev, before: before}
	b := StartBus(ctx, BusConfig{Name: "fake", Client: modbus.NewClient(tr, time.Second)})
	t.Cleanup(func() { _ = b.Close() })
	return b
}

// regCount returns the count of a read request PDU.
func regCount(req modbus.PDU) int {
	if len(req.Data) < 4 {
		return 0
	}
	return int(req.Data[2])<<8 | int(req.Data[3])
}
