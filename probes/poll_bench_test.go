package probes

import (
	"context"
	"testing"
	"time"

	"github.com/busprobe/busprobe/profiles"
	"github.com/busprobe/busprobe/protocols/modbus"
	"github.com/busprobe/busprobe/sim"
)

// The poller's cost per poll, next to the raw client reading (and
// decoding) the same plan on the same kind of transport: over TCP
// loopback to the simulator, and in-process (no I/O: the poller's own
// overhead stands out). Run with
//
//	go test -run '^$' -bench Poll -benchmem ./probes/

func benchPoller(b *testing.B, bus *Bus, p *profiles.Profile) {
	pl, err := NewPoller(bus, PollConfig{Unit: 1, Profile: p, MaxSamples: b.N})
	if err != nil {
		b.Fatal(err)
	}
	ok := 0
	b.ReportAllocs()
	b.ResetTimer()
	err = pl.Run(context.Background(), func(s Sample) {
		if s.OK == len(s.Points) {
			ok++
		}
	})
	b.StopTimer()
	if err != nil || ok != b.N {
		b.Fatalf("run: %v, %d of %d polls complete", err, ok, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "polls/s")
}

func benchRaw(b *testing.B, c *modbus.Client, p *profiles.Profile, decode bool) {
	pts, err := p.Select(nil)
	if err != nil {
		b.Fatal(err)
	}
	plan, err := profiles.Plan(pts, p.Device)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		for _, req := range plan.Requests {
			regs, bits, err := busReadRequest(ctx, c, 1, req)
			if err != nil {
				b.Fatal(err)
			}
			if !decode {
				continue
			}
			for _, pt := range req.Points {
				off := int(pt.Address) - int(req.Address)
				if req.Table.IsBit() {
					_, err = pt.DecodeBits(bits[off : off+pt.Size()])
				} else {
					_, err = pt.Decode(regs[off:off+pt.Size()], nil)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "polls/s")
}

func tcpClient(b *testing.B, url string) *modbus.Client {
	c, err := modbus.DialURL(context.Background(), url, modbus.DialOptions{Timeout: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.Close() })
	return c
}

func fakeClient(b *testing.B, cfg sim.DeviceConfig) *modbus.Client {
	dev, err := sim.NewDevice(cfg)
	if err != nil {
		b.Fatal(err)
	}
	return modbus.NewClient(&deviceTransport{dev: dev}, time.Second)
}

func BenchmarkPollTCP(b *testing.B) {
	sdm := libProfile(b, "eastron-sdm630")
	_, url := startGateway(b, "127.0.0.1:0", sim.DeviceConfig{Unit: 1, Profile: sdm.ID})
	b.Run("poller", func(b *testing.B) {
		bus := StartBus(context.Background(), BusConfig{Name: url, Client: tcpClient(b, url)})
		defer bus.Close()
		benchPoller(b, bus, sdm)
	})
	b.Run("raw", func(b *testing.B) { benchRaw(b, tcpClient(b, url), sdm, false) })
	b.Run("raw+decode", func(b *testing.B) { benchRaw(b, tcpClient(b, url), sdm, true) })
}

func BenchmarkPollInProcess(b *testing.B) {
	sdm := libProfile(b, "eastron-sdm630")
	cfg := sim.DeviceConfig{Unit: 1, Profile: sdm.ID}
	b.Run("poller", func(b *testing.B) {
		bus := StartBus(context.Background(), BusConfig{Name: "fake", Client: fakeClient(b, cfg)})
		defer bus.Close()
		benchPoller(b, bus, sdm)
	})
	b.Run("raw", func(b *testing.B) { benchRaw(b, fakeClient(b, cfg), sdm, false) })
	b.Run("raw+decode", func(b *testing.B) { benchRaw(b, fakeClient(b, cfg), sdm, true) })
}
