package gateway

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/busprobe/busprobe/profiles"
	"github.com/busprobe/busprobe/protocols/modbus"
)

// testConfig builds a config from the embedded library: an SDM630 and an
// ADAM-6024 behind a TCP gateway, an XY-MD02 on a serial bus.
func testConfig(t *testing.T) Config {
	t.Helper()
	lib, err := profiles.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	c := Config{SchemaVersion: SchemaVersion, Generator: "busprobe test"}
	for _, u := range []string{"tcp://127.0.0.1:5020", "rtu:///dev/ttyUSB0?baud=19200&parity=E&stop=1"} {
		tg, err := modbus.ParseURL(u)
		if err != nil {
			t.Fatal(err)
		}
		b, err := BusFromTarget(tg)
		if err != nil {
			t.Fatal(err)
		}
		c.Buses = append(c.Buses, b)
	}
	for _, s := range []struct {
		bus     int
		unit    int
		profile string
	}{{0, 1, "eastron-sdm630"}, {0, 2, "advantech-adam-6024"}, {1, 3, "sht20-xy-md02"}} {
		p, err := lib.Get(s.profile)
		if err != nil {
			t.Fatal(err)
		}
		d, err := NewDevice(DeviceSpec{Bus: c.Buses[s.bus].Name, Unit: s.unit, Profile: p, Interval: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		c.Devices = append(c.Devices, d)
	}
	c.Normalize()
	return c
}

func TestRoundTrip(t *testing.T) {
	want := testConfig(t)
	for _, tc := range []struct {
		name   string
		format Format
	}{{"gw.yaml", FormatYAML}, {"gw.json", FormatJSON}} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, want, tc.format); err != nil {
				t.Fatal(err)
			}
			got, err := Parse(tc.name, buf.Bytes())
			if err != nil {
				t.Fatalf("parse what we wrote: %v\n%s", err, buf.String())
			}
			if !reflect.DeepEqual(*got, want) {
				t.Errorf("round trip differs:\n got %+v\nwant %+v", *got, want)
			}
			// and again: the second write is byte-identical
			var again bytes.Buffer
			if err := Write(&again, *got, tc.format); err != nil {
				t.Fatal(err)
			}
			if again.String() != buf.String() {
				t.Errorf("second write differs")
			}
		})
	}
}

func TestBusNamesAndTargets(t *testing.T) {
	c := testConfig(t)
	if c.Buses[0].Name != "tcp_127_0_0_1_5020" || c.Buses[1].Name != "serial_ttyusb0" {
		t.Errorf("bus names %q %q", c.Buses[0].Name, c.Buses[1].Name)
	}
	s := c.Buses[1].Serial
	if s.Baud != 19200 || s.Parity != "E" || s.StopBits != 1 || s.DataBits != 8 {
		t.Errorf("serial %+v", s)
	}
	tg, err := c.Buses[1].Target()
	if err != nil || tg.Address != "/dev/ttyUSB0" || tg.Line.Baud != 19200 {
		t.Errorf("target %+v %v", tg, err)
	}
	if _, err := BusFromTarget(modbus.Target{Scheme: modbus.SchemeTCPTLS, Address: "h:802"}); err == nil {
		t.Error("tcp+tls accepted")
	}
}

func TestWorkaroundsFromLimits(t *testing.T) {
	lim := profiles.DeviceLimits{MaxRegisters: 40, Holes: []profiles.Hole{{Table: profiles.TableInput, Address: 10, Count: 2}},
		SinglePointReads: true, Pause: 20 * time.Millisecond}
	w := FromLimits(lim)
	back, err := w.Limits()
	if err != nil {
		t.Fatal(err)
	}
	lim.MaxBits = profiles.MaxReadBits
	if !reflect.DeepEqual(back, lim) {
		t.Errorf("limits %+v, want %+v", back, lim)
	}
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{"eastron-sdm630_u1": "eastron_sdm630_u1", "--A b--": "a_b", "1x": "x1x", "": "x"} {
		if got := Slug(in); got != want {
			t.Errorf("Slug(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDetectFormat(t *testing.T) {
	if DetectFormat("x", []byte("  {\"a\":1}")) != FormatJSON || DetectFormat("x.yml", []byte("{}")) != FormatYAML ||
		DetectFormat("x.JSON", nil) != FormatJSON || !strings.HasPrefix(string(yamlHeader), "#") {
		t.Error("DetectFormat")
	}
}
