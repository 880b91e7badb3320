package gateway

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/busprobe/busprobe/profiles"
)

// TestBuild checks how sources become buses, devices, skips and the
// no-profile list.
func TestBuild(t *testing.T) {
	lib, err := profiles.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	get := func(id string) *profiles.Profile {
		p, err := lib.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	sdm630, adam, sht20 := get("eastron-sdm630"), get("advantech-adam-6024"), get("sht20-xy-md02")
	const (
		gw     = "tcp://127.0.0.1:5020"
		gw2    = "tcp://10.0.0.9:502"
		serial = "rtu:///dev/ttyUSB0?baud=9600&parity=N&stop=1"
	)
	// unplannable has a point no request can carry under its limits.
	unplannable := &profiles.Profile{ID: "tiny", Device: profiles.DeviceLimits{MaxRegisters: 1},
		Points: []profiles.Point{{Name: "v", Table: profiles.TableInput, Type: profiles.TypeF32, Scale: 1, Access: profiles.AccessRead}}}
	missing := errors.New(`unknown profile "nope"`)

	tests := []struct {
		name      string
		sources   []Source
		interval  time.Duration
		buses     []string
		devices   []string // name@bus unit
		urls      []string // the Built devices' URLs, in order
		skipped   []string
		noProfile []string
	}{
		{name: "nothing", buses: []string{}, devices: []string{}},
		{
			name: "one bus per endpoint or line, one device per unit",
			sources: []Source{
				{URL: gw, Unit: 1, Profile: sdm630},
				{URL: gw, Unit: 2, Profile: adam},
				{URL: serial, Unit: 3, Profile: sht20},
			},
			interval: 5 * time.Second,
			buses:    []string{"tcp_127_0_0_1_5020", "serial_ttyusb0"},
			devices:  []string{"eastron_sdm630_u1@tcp_127_0_0_1_5020 1", "advantech_adam_6024_u2@tcp_127_0_0_1_5020 2", "sht20_xy_md02_u3@serial_ttyusb0 3"},
			urls:     []string{gw, gw, serial},
		},
		{
			name:    "a name taken gets the bus's name",
			sources: []Source{{URL: gw, Unit: 1, Profile: sdm630}, {URL: gw2, Unit: 1, Profile: sdm630}},
			buses:   []string{"tcp_127_0_0_1_5020", "tcp_10_0_0_9_502"},
			devices: []string{"eastron_sdm630_u1@tcp_127_0_0_1_5020 1", "eastron_sdm630_u1_tcp_10_0_0_9_502@tcp_10_0_0_9_502 1"},
			urls:    []string{gw, gw2},
		},
		{
			name: "skips in source order, no-profile devices listed apart",
			sources: []Source{
				{URL: serial, Unit: 17},
				{URL: "bogus://x", Unit: 4, Profile: sht20},
				{URL: gw, Unit: 9, Err: missing},
				{URL: gw, Unit: 1, Profile: sdm630},
				{URL: gw, Unit: 5, Profile: unplannable, Where: "unit 5 on 127.0.0.1:5020"},
				{URL: gw, Unit: 18, Where: "unit 18 on 127.0.0.1:5020"},
			},
			// The unplannable device's bus was added before its plan failed.
			buses:   []string{"tcp_127_0_0_1_5020"},
			devices: []string{"eastron_sdm630_u1@tcp_127_0_0_1_5020 1"},
			urls:    []string{gw},
			skipped: []string{
				`bogus://x unit 4: target "bogus://x": unknown scheme`,
				`tcp://127.0.0.1:5020 unit 9: unknown profile "nope"`,
				"unit 5 on 127.0.0.1:5020: device tiny_u5: ",
			},
			noProfile: []string{serial + " unit 17", "unit 18 on 127.0.0.1:5020"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := Build(tc.sources, tc.interval, "busprobe test")
			c := b.Config
			if c.SchemaVersion != SchemaVersion || c.Generator != "busprobe test" {
				t.Errorf("schema %d generator %q", c.SchemaVersion, c.Generator)
			}
			buses := []string{}
			for _, bus := range c.Buses {
				buses = append(buses, bus.Name)
			}
			if !reflect.DeepEqual(buses, tc.buses) {
				t.Errorf("buses %q, want %q", buses, tc.buses)
			}
			devices := []string{}
			for _, d := range c.Devices {
				devices = append(devices, d.Name+"@"+d.Bus+" "+strconv.Itoa(d.Unit))
				want := tc.interval
				if want == 0 {
					want = DefaultPollInterval
				}
				if d.PollInterval.D() != want || len(d.Points) == 0 || len(d.Plan) == 0 {
					t.Errorf("%s: interval %s (want %s), %d points, %d requests", d.Name, d.PollInterval.D(), want, len(d.Points), len(d.Plan))
				}
			}
			if !reflect.DeepEqual(devices, tc.devices) {
				t.Errorf("devices %q, want %q", devices, tc.devices)
			}
			if len(b.Devices) != len(c.Devices) {
				t.Fatalf("%d built devices for %d config devices", len(b.Devices), len(c.Devices))
			}
			for i, bd := range b.Devices {
				if bd.Device != &c.Devices[i] {
					t.Errorf("built device %d does not point into the config", i)
				}
				if bd.URL != tc.urls[i] || bd.Profile == nil || bd.Profile.ID != c.Devices[i].Profile {
					t.Errorf("built device %d: %s %v", i, bd.URL, bd.Profile)
				}
			}
			if len(b.Skipped) != len(tc.skipped) {
				t.Fatalf("skipped %q, want %q", b.Skipped, tc.skipped)
			}
			for i, s := range b.Skipped {
				if !strings.HasPrefix(s, tc.skipped[i]) {
					t.Errorf("skipped[%d] %q, want it to start with %q", i, s, tc.skipped[i])
				}
			}
			if !reflect.DeepEqual(b.NoProfile, tc.noProfile) {
				t.Errorf("no profile %q, want %q", b.NoProfile, tc.noProfile)
			}
			if c.Buses == nil || c.Devices == nil {
				t.Error("the config is not normalized: nil lists")
			}
			points := 0
			for _, d := range c.Devices {
				points += len(d.Points)
			}
			if b.Points() != points {
				t.Errorf("Points() %d, want %d", b.Points(), points)
			}
		})
	}
}
