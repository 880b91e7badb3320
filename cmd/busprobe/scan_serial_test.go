package main

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/busprobe/busprobe/sim"
)

// serialScanPlant serves an RTU bus on a pty at 9600 8N1 with units 1 and 5.
func serialScanPlant(t *testing.T) string {
	t.Helper()
	plant := sim.Plant{Name: "scan serial", Buses: []sim.Bus{{
		Name: "rs485", Kind: sim.BusRTU, Serve: sim.ServePty, Line: &sim.LineConfig{Baud: 9600, Parity: "N", StopBits: 1},
		Devices: []sim.DeviceConfig{
			{Unit: 1, Turnaround: 3 * time.Millisecond, HoldingRegisters: []sim.RegBlock{{Address: 0, Values: []int{42}}},
				Identity: &sim.Identity{VendorName: "Acme", ProductCode: "PM-1", Revision: "1.0"}},
			{Unit: 5, Turnaround: 5 * time.Millisecond},
		},
	}}}
	running, err := sim.Start(context.Background(), plant)
	if err != nil {
		t.Fatalf("start plant: %v", err)
	}
	t.Cleanup(func() { _ = running.Close() })
	ep, _ := running.Endpoint("rs485")
	return ep.Address
}

func serialTestCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func TestScanSerialJSON(t *testing.T) {
	port := serialScanPlant(t)
	out := filepath.Join(t.TempDir(), "scan.json")
	code, stdout, stderr := runCLI(t, serialTestCtx(t), "scan", "serial", port, "--baud", "19200,9600", "--parity", "N",
		"--units", "1-8", "--json", "-o", out)
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	var doc struct {
		SchemaVersion *int   `json:"schema_version"`
		Kind          string `json:"kind"`
		Devices       []struct {
			URL       *string  `json:"url"`
			Unit      *int     `json:"unit"`
			Baud      *int     `json:"baud"`
			Parity    *string  `json:"parity"`
			Stop      *int     `json:"stop"`
			LatencyMS *float64 `json:"latency_ms"`
			Identity  *struct {
				Objects map[string]string `json:"objects"`
			} `json:"identity"`
		} `json:"devices"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("stdout is not one JSON document: %v\n%s", err, stdout)
	}
	if doc.SchemaVersion == nil || *doc.SchemaVersion != 1 || doc.Kind != "serial" {
		t.Errorf("schema_version/kind missing or wrong: %s", stdout)
	}
	if len(doc.Devices) != 2 {
		t.Fatalf("devices %s, want units 1 and 5", stdout)
	}
	for i, want := range []int{1, 5} {
		d := doc.Devices[i]
		if d.URL == nil || d.Unit == nil || d.Baud == nil || d.Parity == nil || d.Stop == nil || d.LatencyMS == nil {
			t.Fatalf("device %d lacks a contract field: %s", i, stdout)
		}
		if *d.Unit != want || *d.Baud != 9600 || *d.Parity != "N" || *d.Stop != 1 {
			t.Errorf("device %d: unit %d at %d %s %d", i, *d.Unit, *d.Baud, *d.Parity, *d.Stop)
		}
		if !strings.HasPrefix(*d.URL, "rtu://"+port+"?baud=9600&parity=N&stop=1") {
			t.Errorf("device %d URL %q", i, *d.URL)
		}
	}
	if id := doc.Devices[0].Identity; id == nil || id.Objects["VendorName"] != "Acme" {
		t.Errorf("unit 1 not identified: %s", stdout)
	}
	saved, err := os.ReadFile(out)
	if err != nil || !json.Valid(saved) {
		t.Errorf("-o file: %v", err)
	}
}

func TestScanSerialNDJSONAndTable(t *testing.T) {
	port := serialScanPlant(t)
	code, stdout, stderr := runCLI(t, serialTestCtx(t), "scan", "serial", port, "--baud", "9600", "--parity", "N",
		"--units", "4-6", "--ndjson", "--no-identify")
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	types := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(stdout))
	for sc.Scan() {
		var ev struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		types[ev.Type]++
	}
	if types["progress"] < 3 || types["found"] != 1 || types["done"] != 1 {
		t.Errorf("events %v, want progress ×3+, found ×1, done ×1", types)
	}
	code, stdout, stderr = runCLI(t, serialTestCtx(t), "scan", "serial", port, "--baud", "9600", "--parity", "N",
		"--units", "5", "--no-identify", "--timeout", "60ms")
	if code != 0 || !strings.Contains(stdout, "rtu://"+port) || !strings.Contains(stdout, "1 device(s)") {
		t.Errorf("table: exit %d\n%s%s", code, stdout, stderr)
	}
}

func TestScanSerialExitCodes(t *testing.T) {
	port := serialScanPlant(t)
	ctx := serialTestCtx(t)
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"nothing found", []string{port, "--baud", "9600", "--parity", "N", "--units", "20-22", "--no-identify"}, 3, "no devices found"},
		{"missing port", []string{"/dev/ttyNOPE9", "--baud", "9600"}, 1, "/dev/ttyNOPE9"},
		{"bad parity", []string{port, "--parity", "X"}, 2, "--parity"},
		{"bad baud", []string{port, "--baud", "fast"}, 2, "--baud"},
		{"bad units", []string{port, "--units", "1-300"}, 2, "--units"},
		{"broadcast only", []string{port, "--units", "0"}, 2, "broadcast"},
		{"bad timeout", []string{port, "--timeout", "soon"}, 2, "--timeout"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, ctx, append([]string{"scan", "serial"}, tc.args...)...)
			if code != tc.code || !strings.Contains(stderr, tc.stderr) {
				t.Errorf("exit %d (want %d), stderr %q (want %q)", code, tc.code, stderr, tc.stderr)
			}
		})
	}
}

func TestPortsCommand(t *testing.T) {
	root := t.TempDir()
	for _, p := range []string{"dev/ttyUSB3", "sys/class/tty/ttyUSB3/x"} {
		if err := os.MkdirAll(filepath.Join(root, filepath.Dir(p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, p), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	old := portsRoot
	portsRoot = root
	t.Cleanup(func() { portsRoot = old })
	code, stdout, _ := runCLI(t, context.Background(), "ports", "--json")
	if code != 0 || !strings.Contains(stdout, `"path": "/dev/ttyUSB3"`) || !strings.Contains(stdout, `"schema_version": 1`) {
		t.Errorf("ports --json: exit %d\n%s", code, stdout)
	}
	code, stdout, _ = runCLI(t, context.Background(), "ports")
	if code != 0 || !strings.Contains(stdout, "/dev/ttyUSB3") {
		t.Errorf("ports: exit %d\n%s", code, stdout)
	}
}
