package main

import (
	"context"
	"math"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/busprobe/busprobe/internal/peertest"
	"github.com/busprobe/busprobe/probes"
	"github.com/busprobe/busprobe/profiles"
	"github.com/busprobe/busprobe/protocols/modbus"
	"github.com/busprobe/busprobe/sim"
)

// telegrafDevice is a device of the Telegraf check: its exported name,
// profile and unit.
type telegrafDevice struct {
	name, profile string
	unit          byte
}

// TestTelegrafReadsExport is the real-consumer check of the Telegraf
// export: Telegraf v1.37.2 (built from the module proxy) runs the exported
// TOML once against the simulator, over Modbus/TCP and over RTU on a pty,
// and must get, field for field, the values busprobe reads. The plants
// run on a fixed clock, so values do not move between the two reads.
func TestTelegrafReadsExport(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Telegraf")
	}
	telegraf := peertest.Telegraf(t)
	t.Run("tcp", func(t *testing.T) {
		url := exportPlant(t)
		telegrafCompare(t, telegraf, url, []telegrafDevice{
			{"eastron_sdm630_u1", "eastron-sdm630", 1}, {"advantech_adam_6024_u2", "advantech-adam-6024", 2}})
	})
	t.Run("rtu pty", func(t *testing.T) {
		start := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
		plant := sim.Plant{Name: "rtu", Buses: []sim.Bus{{Name: "rtu", Kind: sim.BusRTU, Serve: sim.ServePty,
			Line:    &sim.LineConfig{Baud: 9600, Parity: "N", StopBits: 1},
			Devices: []sim.DeviceConfig{{Unit: 10, Profile: "eastron-sdm120", Seed: 1}}}}}
		r, err := sim.Start(context.Background(), plant, sim.WithClock(func() time.Time { return start }))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = r.Close() })
		ep, _ := r.Endpoint("rtu")
		telegrafCompare(t, telegraf, ep.URL, []telegrafDevice{{"eastron_sdm120_u10", "eastron-sdm120", 10}})
	})
}

// telegrafCompare exports the devices at url as Telegraf TOML, runs
// `telegraf --test` on it and compares every field with busprobe's read.
func telegrafCompare(t *testing.T, telegraf, url string, devs []telegrafDevice) {
	dir := t.TempDir()
	var scanned []probes.Device
	for _, d := range devs {
		scanned = append(scanned, probes.Device{URL: url, Unit: int(d.unit), Profile: d.profile})
	}
	scan := writeScanFile(t, dir, scanned...)
	conf := filepath.Join(dir, "telegraf.conf")
	ctx := context.Background()
	if code, _, stderr := runCLI(t, ctx, "export", "--scan", scan, "--format", "telegraf", "-o", conf); code != 0 {
		t.Fatalf("export: exit %d: %s", code, stderr)
	}
	tctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(tctx, telegraf, "--test", "--config", conf).Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("telegraf --test: %v\n%s", err, stderr)
	}
	got := map[string]map[string]string{} // device tag → field → value
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		tags, fields, ok := parseLineProtocol(line)
		if !ok {
			t.Fatalf("unparsable line protocol: %q", line)
		}
		dev := tags["device"]
		if got[dev] == nil {
			got[dev] = map[string]string{}
		}
		for k, v := range fields {
			got[dev][k] = v
		}
	}
	lib, err := profiles.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	target, _ := modbus.ParseURL(url)
	client, err := modbus.Dial(ctx, target, modbus.DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	compared, want := 0, 0
	for _, d := range devs {
		p, _ := lib.Get(d.profile)
		rd, err := probes.ReadPoints(ctx, client, d.unit, p, nil)
		if err != nil {
			t.Fatal(err)
		}
		fields := got[d.name]
		for _, r := range rd.Points {
			want++
			if r.Err != nil {
				t.Errorf("%s.%s: busprobe: %v", d.name, r.Name, r.Err)
				continue
			}
			tv, ok := fields[r.Name]
			if !ok {
				t.Errorf("%s.%s: Telegraf has no such field", d.name, r.Name)
				continue
			}
			if !sameValue(r.Value, tv) {
				t.Errorf("%s.%s: busprobe %s (%v), Telegraf %s", d.name, r.Name, r.Value.Display, r.Value.Any(), tv)
			}
			compared++
		}
	}
	if compared != want || compared == 0 {
		t.Errorf("compared %d of %d fields", compared, want)
	}
	t.Logf("compared %d fields with Telegraf %s", compared, peertest.TelegrafVersion)
}

// sameValue compares busprobe's decoded value with a line-protocol field.
func sameValue(v profiles.Value, field string) bool {
	switch v.Kind {
	case profiles.KindBool:
		return field == strconv.FormatBool(v.Bool) || field == strconv.Itoa(boolInt(v.Bool))+"u"
	case profiles.KindText:
		s, err := strconv.Unquote(field)
		return err == nil && strings.TrimRight(s, "\x00 ") == strings.TrimRight(v.Text, "\x00 ")
	}
	f, err := strconv.ParseFloat(strings.TrimRight(field, "iu"), 64)
	if err != nil {
		return false
	}
	return f == v.Number || math.Abs(f-v.Number) <= 1e-6*math.Max(1, math.Abs(v.Number))
}

// parseLineProtocol splits one line of InfluxDB line protocol into tags
// and raw field values (enough for Telegraf's modbus output: no spaces or
// commas inside quoted strings beyond escapes).
func parseLineProtocol(line string) (tags, fields map[string]string, ok bool) {
	line = strings.TrimPrefix(line, "> ") // telegraf --test marks metrics
	parts := splitUnescaped(line, ' ')
	if len(parts) < 2 {
		return nil, nil, false
	}
	tags, fields = map[string]string{}, map[string]string{}
	for i, kv := range splitUnescaped(parts[0], ',') {
		if i == 0 {
			continue // the measurement
		}
		k, v, _ := strings.Cut(kv, "=")
		tags[k] = strings.ReplaceAll(v, `\`, "")
	}
	for _, kv := range splitUnescaped(parts[1], ',') {
		k, v, found := strings.Cut(kv, "=")
		if !found {
			return nil, nil, false
		}
		fields[k] = v
	}
	return tags, fields, true
}

// splitUnescaped splits s at sep outside backslash escapes and quotes.
func splitUnescaped(s string, sep byte) []string {
	var out []string
	quoted, start := false, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case c == sep && !quoted:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}
