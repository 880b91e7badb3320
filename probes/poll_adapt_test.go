package probes

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/busprobe/busprobe/profiles"
	"github.com/busprobe/busprobe/protocols/modbus"
	"github.com/busprobe/busprobe/sim"
)

// gapIn returns the first run of addresses inside a planned request of
// table tb that belongs to no point: where a hole the profile does not
// list would make the block raise exception 02.
func gapIn(t *testing.T, p *profiles.Profile, tb profiles.Table) (int, int) {
	t.Helper()
	pts, _ := p.Select(nil)
	plan, err := profiles.Plan(pts, p.Device)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range plan.Requests {
		if r.Table != tb {
			continue
		}
		end := int(r.Address)
		for _, pt := range r.Points {
			if int(pt.Address) > end {
				return end, int(pt.Address) - end
			}
			end = max(end, pt.End())
		}
	}
	t.Fatalf("no gap in a %s request of %s", tb, p.ID)
	return 0, 0
}

func simTable(t profiles.Table) sim.Table {
	if t == profiles.TableInput {
		return sim.TableInput
	}
	return sim.TableHolding
}

// TestPollerAdapts runs the poller against simulated devices that do what
// their profile does not say, and checks that it converges: the last polls
// read every point without an error, and Learned says why.
func TestPollerAdapts(t *testing.T) {
	sdm := libProfile(t, "eastron-sdm630")
	hAddr, hLen := gapIn(t, sdm, profiles.TableHolding)
	iAddr, iLen := gapIn(t, sdm, profiles.TableInput)
	freq, _ := sdm.Point("frequency")
	tests := []struct {
		name   string
		dev    sim.DeviceConfig
		cfg    PollConfig
		check  func(t *testing.T, l Learned, s Stats)
		points int // points expected to read in the last polls (0: all)
	}{
		{
			name: "holes between points",
			dev: sim.DeviceConfig{Unit: 1, Profile: sdm.ID, Holes: []sim.Hole{
				{Table: simTable(profiles.TableHolding), Address: hAddr, Count: hLen},
				{Table: simTable(profiles.TableInput), Address: iAddr + iLen - 1, Count: 1},
			}},
			check: func(t *testing.T, l Learned, s Stats) {
				want := []profiles.Hole{{Table: profiles.TableInput, Address: uint16(iAddr), Count: iLen},
					{Table: profiles.TableHolding, Address: uint16(hAddr), Count: hLen}}
				if !slices.Equal(l.Holes, want) || l.SinglePointReads || l.MaxRegisters != 0 {
					t.Errorf("learned %+v, want the two gaps %v as holes", l, want)
				}
			},
		},
		{
			name: "small request limit",
			dev:  sim.DeviceConfig{Unit: 1, Profile: sdm.ID, MaxRegisters: 16},
			check: func(t *testing.T, l Learned, s Stats) {
				if l.MaxRegisters == 0 || l.MaxRegisters > 16 {
					t.Errorf("learned max registers %d, want 1..16", l.MaxRegisters)
				}
				if s.Exceptions["03"] == 0 || !strings.Contains(strings.Join(l.Reasons, "\n"), "exception 03") {
					t.Errorf("no exception 03 lesson: %v %v", s.Exceptions, l.Reasons)
				}
			},
		},
		{
			name: "busy at random",
			dev:  sim.DeviceConfig{Unit: 1, Profile: sdm.ID, BusyRate: 0.15, Seed: 7},
			cfg:  PollConfig{BusyRetries: 8, BusyBackoff: time.Millisecond},
			check: func(t *testing.T, l Learned, s Stats) {
				if !l.Empty() {
					t.Errorf("learned %+v from random busy replies, want nothing", l)
				}
				if s.Exceptions["06"] == 0 {
					t.Errorf("no busy reply seen: %v", s.Exceptions)
				}
			},
		},
		{
			name: "point not implemented",
			dev: sim.DeviceConfig{Unit: 1, Profile: sdm.ID, Holes: []sim.Hole{
				{Table: simTable(freq.Table), Address: int(freq.Address), Count: freq.Size()}}},
			points: len(sdm.ReadablePoints()) - 1,
			check: func(t *testing.T, l Learned, s Stats) {
				if len(l.Unreadable) != 1 || l.Unreadable[0] != "frequency" {
					t.Errorf("unreadable %v, want [frequency]", l.Unreadable)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			_, url := startGateway(t, "127.0.0.1:0", tc.dev)
			bus := tcpBus(t, ctx, url)
			cfg := tc.cfg
			cfg.Unit, cfg.Profile, cfg.MaxSamples = 1, sdm, 6
			p, err := NewPoller(bus, cfg)
			if err != nil {
				t.Fatal(err)
			}
			samples := collect(t, ctx, p)
			if len(samples) != 6 {
				t.Fatalf("%d samples, want 6", len(samples))
			}
			want := tc.points
			if want == 0 {
				want = len(sdm.ReadablePoints())
			}
			for _, s := range samples[2:] {
				if s.OK != want {
					t.Errorf("poll %d read %d of %d points, want %d: %s", s.Seq, s.OK, len(s.Points), want, firstPointError(s.Points))
				}
			}
			// Once converged a poll sends exactly the adapted plan's requests.
			last := samples[len(samples)-1]
			if tc.cfg.BusyRetries == 0 && last.Requests != len(p.Plan().Requests) {
				t.Errorf("last poll sent %d requests, plan has %d", last.Requests, len(p.Plan().Requests))
			}
			l := p.Learned()
			if !l.Empty() && len(l.Reasons) == 0 {
				t.Errorf("learned %+v without reasons", l)
			}
			tc.check(t, l, p.Stats())
		})
	}
}

// TestPollerLearnsPause uses a device that answers busy to a request that
// follows the previous reply within 3 ms: the poller learns to pause.
func TestPollerLearnsPause(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sdm := libProfile(t, "eastron-sdm630")
	const need = 3 * time.Millisecond
	bus := fakeBus(t, ctx, sim.DeviceConfig{Unit: 1, Profile: sdm.ID}, func(req modbus.PDU, since time.Duration) (modbus.PDU, error, bool) {
		if since < need {
			return modbus.ExceptionPDU(req.Function, modbus.ExServerDeviceBusy), nil, true
		}
		return modbus.PDU{}, nil, false
	})
	p, err := NewPoller(bus, PollConfig{Unit: 1, Profile: sdm, MaxSamples: 30, Interval: 20 * time.Millisecond, BusyBackoff: time.Millisecond, BusyRetries: 4})
	if err != nil {
		t.Fatal(err)
	}
	collect(t, ctx, p)
	l := p.Learned()
	if l.Pause < need {
		t.Fatalf("learned pause %v, want ≥ %v; learned %+v; pacer %+v", l.Pause, need, l, p.pace)
	}
	before := p.Stats().Exceptions["06"]
	more := collect(t, ctx, p)
	if after := p.Stats().Exceptions["06"]; after != before {
		t.Errorf("busy replies went on after the pause was learned: %d → %d", before, after)
	}
	for _, s := range more {
		if s.OK != len(s.Points) {
			t.Errorf("poll %d read %d of %d points", s.Seq, s.OK, len(s.Points))
		}
	}
}

// TestPollerShrinksOnTimeouts uses a device that never answers requests of
// more than 20 registers: the poller learns smaller batches.
func TestPollerShrinksOnTimeouts(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sdm := libProfile(t, "eastron-sdm630")
	bus := fakeBus(t, ctx, sim.DeviceConfig{Unit: 1, Profile: sdm.ID}, func(req modbus.PDU, _ time.Duration) (modbus.PDU, error, bool) {
		if regCount(req) > 20 {
			return modbus.PDU{}, &modbus.TimeoutError{Unit: 1, Timeout: time.Millisecond}, true
		}
		return modbus.PDU{}, nil, false
	})
	p, err := NewPoller(bus, PollConfig{Unit: 1, Profile: sdm, MaxSamples: 5})
	if err != nil {
		t.Fatal(err)
	}
	samples := collect(t, ctx, p)
	l := p.Learned()
	if l.MaxRegisters == 0 || l.MaxRegisters > 20 {
		t.Fatalf("learned %+v, want max registers ≤ 20", l)
	}
	// The first poll cannot tell a silent device from one that chokes on
	// big requests; by the second it has seen answers and searches.
	for _, s := range samples[2:] {
		if s.OK != len(s.Points) {
			t.Errorf("poll %d read %d of %d points: %s", s.Seq, s.OK, len(s.Points), firstPointError(s.Points))
		}
	}
}

// TestPollerSilentDeviceIsCheap checks that a device that answers nothing
// costs at most four timeouts per poll (two requests and their first
// halves), not one per request and split.
func TestPollerSilentDeviceIsCheap(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sdm := libProfile(t, "eastron-sdm630")
	bus := fakeBus(t, ctx, sim.DeviceConfig{Unit: 1, Profile: sdm.ID}, func(req modbus.PDU, _ time.Duration) (modbus.PDU, error, bool) {
		return modbus.PDU{}, &modbus.TimeoutError{Unit: 1, Timeout: time.Millisecond}, true
	})
	p, err := NewPoller(bus, PollConfig{Unit: 1, Profile: sdm, MaxSamples: 3})
	if err != nil {
		t.Fatal(err)
	}
	samples := collect(t, ctx, p)
	for _, s := range samples {
		if s.IsGap() {
			continue
		}
		if s.OK != 0 || s.Requests > 4 {
			t.Errorf("poll %d: %d points, %d requests; want 0 points in ≤ 4 requests", s.Seq, s.OK, s.Requests)
		}
	}
	if l := p.Learned(); !l.Empty() {
		t.Errorf("learned %+v from a silent device", l)
	}
	if g := samples[len(samples)-1]; !g.IsGap() || g.Gap.Failed != 3 {
		t.Errorf("last event %+v, want a gap of 3 failed polls", g)
	}
}

func TestLearnedJSONRoundTrip(t *testing.T) {
	l := Learned{Holes: []profiles.Hole{{Table: profiles.TableInput, Address: 80, Count: 4}}, MaxRegisters: 10,
		SinglePointReads: true, Pause: 15 * time.Millisecond, Unreadable: []string{"frequency"}, Reasons: []string{"why"}}
	b, err := l.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"table":"input"`) || !strings.Contains(string(b), `"pause_ms":15`) {
		t.Errorf("JSON %s", b)
	}
	var back Learned
	if err := back.UnmarshalJSON(b); err != nil {
		t.Fatal(err)
	}
	if back.Pause != l.Pause || back.Holes[0] != l.Holes[0] || back.MaxRegisters != 10 || !back.SinglePointReads {
		t.Errorf("round trip %+v, want %+v", back, l)
	}
	lim := l.Limits(profiles.DeviceLimits{MaxRegisters: 80, Holes: []profiles.Hole{{Table: profiles.TableHolding, Address: 1, Count: 1}}})
	if lim.MaxRegisters != 10 || len(lim.Holes) != 2 || lim.Pause != l.Pause || !lim.SinglePointReads {
		t.Errorf("limits %+v", lim)
	}
}
