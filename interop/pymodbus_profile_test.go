package interop

import (
	"testing"
	"time"

	"github.com/busprobe/busprobe/internal/peertest"
	"github.com/busprobe/busprobe/probes"
	"github.com/busprobe/busprobe/profiles"
	"github.com/busprobe/busprobe/protocols/modbus"
)

// sdm630Values are the engineering values the pymodbus "meter" holds;
// every other point holds its index in the profile plus 0.25.
func sdm630Values() map[string]float64 {
	return map[string]float64{"voltage_l1": 230.5, "voltage_l2": 229.5, "voltage_l3": 231.75,
		"current_l1": 4.25, "power_total": 2950.5, "power_factor_total": -0.75, "frequency": 49.98,
		"import_energy": 12345.5, "total_energy": 13000.25, "network_node": 3}
}

// sdm630Display is what busprobe must print for some points.
func sdm630Display() map[string]string {
	return map[string]string{"voltage_l1": "230.5 V", "frequency": "49.98 Hz", "power_total": "2950.5 W",
		"import_energy": "12345.5 kWh", "power_factor_total": "-0.75"}
}

// sdm630Image encodes the values through the profile into pymodbus's
// register maps (PDU addresses).
func sdm630Image(t *testing.T, p *profiles.Profile) (peertest.PymodbusData, map[string]float64) {
	t.Helper()
	want := map[string]float64{}
	d := peertest.PymodbusData{Input: map[uint16]uint16{}, Holding: map[uint16]uint16{}}
	for i := range p.Points {
		pt := &p.Points[i]
		v, ok := sdm630Values()[pt.Name]
		if !ok {
			v = float64(i) + 0.25
		}
		regs, err := pt.Encode(v, nil)
		if err != nil {
			t.Fatalf("encode %s: %v", pt.Name, err)
		}
		m := d.Input
		if pt.Table == profiles.TableHolding {
			m = d.Holding
		}
		for j, r := range regs {
			m[pt.Address+uint16(j)] = r
		}
		want[pt.Name] = float64(float32(v)) // the profile's points are all f32
	}
	return d, want
}

// TestPymodbusServesSDM630 reads the embedded eastron-sdm630 profile from
// a pymodbus server holding a meter's register map, over Modbus/TCP (all
// addresses readable, and sparse: the gaps between points answer
// exception 02, as some meters do) and over RTU on a socat pty pair.
func TestPymodbusServesSDM630(t *testing.T) {
	t.Parallel()
	lib, err := profiles.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	p, err := lib.Get("eastron-sdm630")
	if err != nil {
		t.Fatal(err)
	}
	data, want := sdm630Image(t, p)
	cfg := func(sparse bool) peertest.PymodbusConfig {
		return peertest.PymodbusConfig{PymodbusData: data, Units: []byte{pyUnit}, Sparse: sparse}
	}
	plan, err := profiles.Plan(p.ReadablePoints(), p.Device)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		start  func(t *testing.T) string
		sparse bool
	}{
		{"tcp", func(t *testing.T) string { return "tcp://" + peertest.PymodbusTCP(t, cfg(false)) }, false},
		{"tcp sparse", func(t *testing.T) string { return "tcp://" + peertest.PymodbusTCP(t, cfg(true)) }, true},
		{"rtu", func(t *testing.T) string {
			server, client := peertest.SocatPair(t)
			peertest.PymodbusRTU(t, cfg(false), server)
			return "rtu://" + client + "?baud=19200&parity=N&stop=1"
		}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			url := tc.start(t)
			ctx := testCtx(t)
			c := dial(t, ctx, url, modbus.DialOptions{Timeout: 2 * time.Second})
			rd, err := probes.ReadPoints(ctx, c, pyUnit, p, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(rd.Points) != len(want) || rd.OK() != len(want) {
				t.Errorf("%d of %d points read, want %d", rd.OK(), len(rd.Points), len(want))
			}
			for _, r := range rd.Points {
				if r.Err != nil {
					t.Errorf("%s: %v", r.Name, r.Err)
					continue
				}
				if r.Value.Number != want[r.Name] {
					t.Errorf("%s = %v, want %v", r.Name, r.Value.Number, want[r.Name])
				}
				if d, ok := sdm630Display()[r.Name]; ok && r.Value.Display != d {
					t.Errorf("%s displays %q, want %q", r.Name, r.Value.Display, d)
				}
			}
			// Dense: exactly the planned requests. Sparse: blocks that
			// read over a gap are answered 02 and read point by point.
			if !tc.sparse && (rd.Requests != len(plan.Requests) || rd.Failed != 0 || len(rd.Notes) != 0) {
				t.Errorf("%d requests (%d failed, notes %q), want %d", rd.Requests, rd.Failed, rd.Notes, len(plan.Requests))
			}
			if tc.sparse && (rd.Failed == 0 || len(rd.Notes) != rd.Failed) {
				t.Errorf("sparse: %d requests, %d failed, notes %q", rd.Requests, rd.Failed, rd.Notes)
			}
			t.Logf("%s: %d points in %d requests (%d refused), %s", tc.name, rd.OK(), rd.Requests, rd.Failed, modbus.Millis(rd.Duration))
		})
	}
}
