package probes

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/busprobe/busprobe/protocols/modbus"
	"github.com/busprobe/busprobe/sim"
)

// checkAccounted checks that every slot from 0 to the last one has exactly
// one sample or lies in exactly one gap of missed polls, and returns the
// gaps of failed polls.
func checkAccounted(t *testing.T, events []Sample) []Gap {
	t.Helper()
	seen := map[int64]int{}
	var failed []Gap
	var last int64 = -1
	for _, e := range events {
		if e.IsGap() {
			if e.Gap.Failed > 0 {
				failed = append(failed, *e.Gap)
				continue
			}
			for s := e.Gap.FirstSeq; s <= e.Gap.LastSeq; s++ {
				seen[s]++
			}
			last = max(last, e.Gap.LastSeq)
			continue
		}
		seen[e.Seq]++
		last = max(last, e.Seq)
	}
	for s := int64(0); s <= last; s++ {
		if seen[s] != 1 {
			t.Errorf("slot %d accounted %d times, want once", s, seen[s])
		}
	}
	return failed
}

// TestPollerGatewayDropped stops the simulated gateway mid-watch and starts
// a new one on the same address: the poller reports the line down, the
// failed polls and the gap, reconnects, and loses no slot silently.
func TestPollerGatewayDropped(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sdm := libProfile(t, "eastron-sdm630")
	dev := sim.DeviceConfig{Unit: 1, Profile: sdm.ID}
	first, url := startGateway(t, "127.0.0.1:0", dev)
	ep, _ := first.Endpoint("gw")
	bus := tcpBus(t, ctx, url)
	p, err := NewPoller(bus, PollConfig{Unit: 1, Profile: sdm, Names: []string{"voltage_l1", "frequency"},
		Interval: 10 * time.Millisecond, MaxSamples: 400})
	if err != nil {
		t.Fatal(err)
	}
	var polls atomic.Int64
	var restarted atomic.Bool
	var second *sim.Running
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // drop the gateway after 20 polls, bring it back after 40 more
		defer wg.Done()
		for i := 0; i < 2000 && polls.Load() < 20; i++ {
			time.Sleep(5 * time.Millisecond)
		}
		_ = first.Close()
		for i := 0; i < 2000 && polls.Load() < 60; i++ {
			time.Sleep(5 * time.Millisecond)
		}
		for i := range 100 { // the port may take a moment to be free
			r, err := sim.Start(ctx, sim.Plant{Name: "back", Buses: []sim.Bus{
				{Name: "gw", Kind: sim.BusTCP, Listen: ep.Address, Devices: []sim.DeviceConfig{dev}}}})
			if err == nil {
				second = r
				restarted.Store(true)
				return
			} else if i == 99 {
				t.Errorf("restart gateway on %s: %v", ep.Address, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	var events []Sample
	stop := 0
	err = p.Run(ctx, func(s Sample) {
		events = append(events, s)
		if !s.IsGap() {
			polls.Add(1)
		}
		// Stop 30 good polls after the restart.
		if restarted.Load() && !s.IsGap() && s.OK == len(s.Points) {
			if stop++; stop == 30 {
				cancel()
			}
		}
	})
	wg.Wait()
	if second != nil {
		defer second.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	failed := checkAccounted(t, events)
	if len(failed) != 1 {
		t.Fatalf("%d gaps of failed polls, want 1: %+v", len(failed), failed)
	}
	g := failed[0]
	if g.Failed < 2 || g.LastSeq-g.FirstSeq+1 != g.Failed {
		t.Errorf("gap %+v: want ≥ 2 consecutive failed polls", g)
	}
	if !strings.Contains(g.Reason, "127.0.0.1") {
		t.Errorf("gap reason %q does not name the gateway", g.Reason)
	}
	// The failed polls were samples too: every point with an error, and
	// the values of before the drop marked stale.
	for _, e := range events {
		if e.IsGap() || e.Seq < g.FirstSeq || e.Seq > g.LastSeq {
			continue
		}
		for _, pt := range e.Points {
			if pt.Err == nil || !pt.Stale || pt.Updated.IsZero() {
				t.Fatalf("poll %d in the outage: point %s err=%v stale=%v", e.Seq, pt.Name, pt.Err, pt.Stale)
			}
		}
	}
	last := events[len(events)-1]
	if last.IsGap() || last.OK != 2 || !last.Line.Up || last.Line.Reconnects < 1 {
		t.Errorf("last sample %+v: want both points read on a reconnected line", last)
	}
	if last.Bus.LineErrors == 0 && last.Stats.LineErrors == 0 {
		t.Errorf("no line error counted: %+v", last.Bus)
	}
}

// flakyLine is a transport that fails like an unplugged USB adapter once
// unplugged is set.
type flakyLine struct {
	inner     modbus.Transport
	unplugged *atomic.Bool
}

func (f *flakyLine) RoundTrip(ctx context.Context, unit byte, req modbus.PDU) (modbus.PDU, error) {
	if f.unplugged.Load() {
		return modbus.PDU{}, &modbus.TransportError{Target: "serial port /dev/ttyUSB0", Op: "read", Err: errors.New("input/output error")}
	}
	return f.inner.RoundTrip(ctx, unit, req)
}
func (f *flakyLine) SetTap(modbus.Tap) {}
func (f *flakyLine) Close() error      { return nil }

// TestBusReopensUnpluggedAdapter: a serial line fails, the port cannot be
// opened for a while (the adapter is out), then it can: the bus reports
// the line down, and re-opens it.
func TestBusReopensUnpluggedAdapter(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sdm := libProfile(t, "eastron-sdm630")
	dev, err := sim.NewDevice(sim.DeviceConfig{Unit: 1, Profile: sdm.ID})
	if err != nil {
		t.Fatal(err)
	}
	var unplugged atomic.Bool
	var opens atomic.Int64
	open := func(context.Context) (*modbus.Client, error) {
		opens.Add(1)
		if unplugged.Load() {
			return nil, &modbus.TransportError{Target: "serial port /dev/ttyUSB0", Op: "open", Err: errors.New("no such file or directory")}
		}
		return modbus.NewClient(&flakyLine{inner: &deviceTransport{dev: dev}, unplugged: &unplugged}, time.Second), nil
	}
	bus := StartBus(ctx, BusConfig{Name: "rtu:///dev/ttyUSB0", Open: open, Backoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond,
		Line: modbus.LineSettings{Baud: 9600, DataBits: 8, Parity: "N", StopBits: 1}})
	defer bus.Close()
	p, err := NewPoller(bus, PollConfig{Unit: 1, Profile: sdm, Names: []string{"voltage_l1"}, Interval: 5 * time.Millisecond, MaxSamples: 80})
	if err != nil {
		t.Fatal(err)
	}
	var events []Sample
	var downSeen bool
	n := 0 // polls so far (slots may be missed on a slow machine)
	err = p.Run(ctx, func(s Sample) {
		events = append(events, s)
		if !s.IsGap() {
			n++
		}
		switch n {
		case 10:
			unplugged.Store(true)
		case 30:
			unplugged.Store(false)
		}
		if !s.IsGap() && !s.Line.Up {
			downSeen = true
			var down *BusDownError
			var te *modbus.TransportError
			if e := s.Points[0].Err; !errors.As(e, &down) && !errors.As(e, &te) {
				t.Errorf("poll %d with the line down: error %v", s.Seq, e)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if !downSeen {
		t.Error("no sample showed the line down")
	}
	failed := checkAccounted(t, events)
	if len(failed) != 1 {
		t.Errorf("gaps %+v, want one outage", failed)
	}
	last := events[len(events)-1]
	if last.IsGap() || last.OK != 1 || last.Line.Reconnects != 1 || opens.Load() < 3 {
		t.Errorf("last %+v, opens %d: want the line re-opened once", last, opens.Load())
	}
	if u := last.Bus.Utilisation; u <= 0 || u > 1 {
		t.Errorf("utilisation %v, want in (0, 1] from the wire time at 9600 baud", u)
	}
}

// TestPollerMemoryFlat polls 2000 times back to back and compares the heap
// in use after 200 and after 2000 polls: constant-memory statistics and
// no growing history.
func TestPollerMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("polls 2000 times")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	sdm := libProfile(t, "eastron-sdm630")
	_, url := startGateway(t, "127.0.0.1:0", sim.DeviceConfig{Unit: 1, Profile: sdm.ID})
	bus := tcpBus(t, ctx, url)
	p, err := NewPoller(bus, PollConfig{Unit: 1, Profile: sdm, MaxSamples: 2000})
	if err != nil {
		t.Fatal(err)
	}
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapInuse
	}
	var at200, at2000 uint64
	n := 0
	err = p.Run(ctx, func(s Sample) {
		if s.IsGap() {
			return
		}
		if s.OK != len(s.Points) {
			t.Errorf("poll %d read %d of %d points", s.Seq, s.OK, len(s.Points))
		}
		switch n++; n {
		case 200:
			at200 = heap()
		case 2000:
			at2000 = heap()
		}
	})
	if err != nil || n != 2000 {
		t.Fatalf("run: %v after %d polls", err, n)
	}
	t.Logf("heap in use: %d KiB after 200 polls, %d KiB after 2000", at200/1024, at2000/1024)
	if at2000 > at200*3/2+1<<20 {
		t.Errorf("heap grew from %d to %d bytes between poll 200 and 2000", at200, at2000)
	}
}
