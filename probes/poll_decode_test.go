package probes

import (
	"context"
	"testing"

	"github.com/busprobe/busprobe/profiles"
	"github.com/busprobe/busprobe/sim"
)

// The poller decodes as ReadPoints does: scale factors by position, points
// asked for alone with their scale factor read but not reported.
func TestPollerDecodesLikeReadPoints(t *testing.T) {
	p, err := profiles.Load("test.yaml", []byte(sunspecYAML))
	if err != nil {
		t.Fatal(err)
	}
	p.Device.Pause = 0
	dev := sim.DeviceConfig{Unit: 4,
		HoldingRegisters: []sim.RegBlock{{Address: 0, Values: []int{-12345, 0xFFFF, 5002}}, {Address: 10, Values: []int{-1, -2, -32768}}},
		Coils:            []sim.BitBlock{{Address: 0, Values: []bool{false, false, false, true}}},
		DiscreteInputs:   []sim.BitBlock{{Address: 0, Values: []bool{true}}},
	}
	ctx := context.Background()
	for _, names := range [][]string{nil, {"w"}, {"hz", "run"}} {
		rd, err := ReadPoints(ctx, startDevice(t, dev), 4, p, names)
		if err != nil {
			t.Fatal(err)
		}
		pl, err := NewPoller(fakeBus(t, ctx, dev, nil), PollConfig{Unit: 4, Profile: p, Names: names, MaxSamples: 2})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range collect(t, ctx, pl) {
			if len(s.Points) != len(rd.Points) {
				t.Fatalf("%v: %d points, ReadPoints %d", names, len(s.Points), len(rd.Points))
			}
			for i, ps := range s.Points {
				want := rd.Points[i]
				if ps.Name != want.Name || ps.Value.Display != want.Value.Display || (ps.Err == nil) != (want.Err == nil) ||
					(ps.Err != nil && ps.Err.Error() != want.Err.Error()) {
					t.Errorf("%v seq %d: %s = %q (%v), ReadPoints %s = %q (%v)", names, s.Seq, ps.Name, ps.Value.Display, ps.Err,
						want.Name, want.Value.Display, want.Err)
				}
			}
		}
	}
}
