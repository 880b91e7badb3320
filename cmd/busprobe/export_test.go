package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/busprobe/busprobe/gateway"
	"github.com/busprobe/busprobe/probes"
	"github.com/busprobe/busprobe/sim"
)

// exportPlant starts a TCP gateway with real profile devices on a fixed
// clock (values do not move): unit 1 eastron-sdm630, unit 2
// advantech-adam-6024, and unit 4 an SDM630 with a hole at input 70..71
// (frequency) its profile does not list. It returns the gateway's URL.
func exportPlant(t *testing.T) string {
	t.Helper()
	start := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	plant := sim.Plant{Name: "export test", Buses: []sim.Bus{{
		Name: "gw", Kind: sim.BusTCP, Listen: "127.0.0.1:0", Absent: sim.AbsentException,
		Devices: []sim.DeviceConfig{
			{Unit: 1, Profile: "eastron-sdm630", Seed: 1},
			{Unit: 2, Profile: "advantech-adam-6024", Seed: 2},
			{Unit: 4, Profile: "eastron-sdm630", Seed: 4, Holes: []sim.Hole{{Table: sim.TableInput, Address: 70, Count: 2}}},
		},
	}}}
	r, err := sim.Start(context.Background(), plant, sim.WithClock(func() time.Time { return start }))
	if err != nil {
		t.Fatalf("start plant: %v", err)
	}
	t.Cleanup(func() { _ = r.Close() })
	ep, _ := r.Endpoint("gw")
	return ep.URL
}

// writeScanFile saves a scan result holding devices (url, unit, profile).
func writeScanFile(t *testing.T, dir string, devs ...probes.Device) string {
	t.Helper()
	res := probes.ScanResult{SchemaVersion: probes.ScanSchemaVersion, Kind: "tcp", Devices: devs}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "scan.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestExportFormats(t *testing.T) {
	url := exportPlant(t)
	dir := t.TempDir()
	scan := writeScanFile(t, dir,
		probes.Device{URL: url, Unit: 1, Profile: "eastron-sdm630", Confidence: 1},
		probes.Device{URL: url, Unit: 2, Profile: ""}, // given by --profile-for
		probes.Device{URL: url, Unit: 9, Profile: ""}, // skipped
	)
	ctx := context.Background()
	tests := []struct {
		name, format, file string
		want               []string // substrings of the file
	}{
		{"native yaml", "native", "gw.yaml", []string{"schema_version: 1", "name: eastron_sdm630_u1", "max_registers: 80", "framing: mbap"}},
		{"native json", "native", "gw.json", []string{`"schema_version": 1`, `"profile": "advantech-adam-6024"`}},
		{"telegraf", "telegraf", "telegraf.conf", []string{"[[inputs.modbus]]", `configuration_type = "request"`,
			`controller = "tcp://127.0.0.1:`, "slave_id = 2", `register = "coil"`, `output="BOOL"`, `type="FLOAT32"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, tc.file)
			code, _, stderr := runCLI(t, ctx, "export", "--scan", scan, "--profile-for", "2=advantech-adam-6024",
				"--format", tc.format, "-o", out, "--interval", "5s")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if !strings.Contains(stderr, "without a profile") || !strings.Contains(stderr, "unit 9") {
				t.Errorf("no warning about unit 9: %s", stderr)
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(b), w) {
					t.Errorf("%s lacks %q", tc.file, w)
				}
			}
			if tc.format == "native" {
				code, stdout, _ := runCLI(t, ctx, "validate", out)
				if code != 0 || !strings.Contains(stdout, "ok (1 buses, 2 devices") {
					t.Errorf("validate: exit %d: %s", code, stdout)
				}
			}
			// a second export is refused without --force, allowed with it
			code, _, stderr = runCLI(t, ctx, "export", "--scan", scan, "--format", tc.format, "-o", out)
			if code != exitError || !strings.Contains(stderr, "refusing to overwrite") {
				t.Errorf("overwrite without --force: exit %d: %s", code, stderr)
			}
			if code, _, stderr := runCLI(t, ctx, "export", "--scan", scan, "--format", tc.format, "-o", out, "--force"); code != 0 {
				t.Errorf("overwrite with --force: exit %d: %s", code, stderr)
			}
		})
	}
}

func TestExportVerify(t *testing.T) {
	url := exportPlant(t)
	ctx := context.Background()
	tests := []struct {
		name   string
		unit   int
		code   int
		stdout []string
	}{
		{"all ok", 1, 0, []string{"verified 54 points: 54 ok"}},
		{"unlisted hole", 4, exitPartial, []string{"frequency", "exception", "verified 54 points: 53 ok, 1 exception", "raised exception 02"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			scan := writeScanFile(t, dir, probes.Device{URL: url, Unit: tc.unit, Profile: "eastron-sdm630"})
			out := filepath.Join(dir, "gw.yaml")
			code, stdout, stderr := runCLI(t, ctx, "export", "--scan", scan, "-o", out, "--verify")
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s\n%s", code, tc.code, stdout, stderr)
			}
			for _, w := range tc.stdout {
				if !strings.Contains(stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, stdout)
				}
			}
			if _, err := os.Stat(out); err != nil {
				t.Errorf("file not written: %v", err)
			}
		})
	}
}

func TestExportUsage(t *testing.T) {
	dir := t.TempDir()
	scan := writeScanFile(t, dir, probes.Device{URL: "tcp://127.0.0.1:1", Unit: 1})
	ctx := context.Background()
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no scan", []string{"export", "-o", "x"}, exitUsage, "--scan"},
		{"no output", []string{"export", "--scan", scan}, exitUsage, "-o FILE"},
		{"bad format", []string{"export", "--scan", scan, "-o", filepath.Join(dir, "x"), "--format", "pdf"}, exitUsage, "--format"},
		{"bad profile-for", []string{"export", "--scan", scan, "-o", filepath.Join(dir, "x"), "--profile-for", "1"}, exitUsage, "UNIT=PROFILE"},
		{"unknown profile", []string{"export", "--scan", scan, "-o", filepath.Join(dir, "x"), "--profile-for", "1=nope"}, exitUsage, "nope"},
		{"nothing to export", []string{"export", "--scan", scan, "-o", filepath.Join(dir, "x")}, exitNotFound, "nothing to export"},
		{"missing scan", []string{"export", "--scan", filepath.Join(dir, "none.json"), "-o", filepath.Join(dir, "x")}, exitError, "--scan"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, ctx, tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.msg) {
				t.Errorf("exit %d (want %d): %s", code, tc.code, stderr)
			}
		})
	}
}

func TestSchemaAndValidateCommands(t *testing.T) {
	ctx := context.Background()
	code, stdout, _ := runCLI(t, ctx, "schema", "gateway")
	if code != 0 || string(gateway.Schema()) != stdout {
		t.Errorf("schema gateway: exit %d", code)
	}
	if code, _, _ := runCLI(t, ctx, "schema", "nope"); code != exitUsage {
		t.Errorf("schema nope: exit %d", code)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("schema_version: 2\nbuses: []\ndevices: []\nextra: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, _ = runCLI(t, ctx, "validate", bad)
	for _, w := range []string{bad + ":1:17: schema_version: 2 out of range 1..1", bad + `:4:1: extra: unknown key "extra"`} {
		if !strings.Contains(stdout, w) {
			t.Errorf("validate output lacks %q:\n%s", w, stdout)
		}
	}
	if code != exitError {
		t.Errorf("validate bad: exit %d", code)
	}
}
