package main

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/busprobe/busprobe/sim"
)

// scanTestPlant is one gateway: unit 1 (holding), unit 4 an Eastron SDM630
// built from its profile; absent units answer 0x0B.
func scanTestPlant(t *testing.T) (host, port, rawURL string) {
	t.Helper()
	plant := sim.Plant{Name: "scan cli", Buses: []sim.Bus{{Name: "gw", Kind: sim.BusTCP, Listen: "127.0.0.1:0", Devices: []sim.DeviceConfig{
		{Unit: 1, HoldingRegisters: []sim.RegBlock{{Address: 0, Values: []int{1, 2}}}, Identity: &sim.Identity{VendorName: "Acme", ProductCode: "X1", Revision: "2.1"}},
		{Unit: 4, Profile: "eastron-sdm630"},
	}}}}
	r, err := sim.Start(context.Background(), plant)
	if err != nil {
		t.Fatalf("start plant: %v", err)
	}
	t.Cleanup(func() { r.Close() })
	ep, _ := r.Endpoint("gw")
	u, _ := url.Parse(ep.URL)
	return u.Hostname(), u.Port(), ep.URL
}

func TestScanTCPCommand(t *testing.T) {
	host, port, _ := scanTestPlant(t)
	ctx := context.Background()

	code, out, errOut := runCLI(t, ctx, "scan", "tcp", host, "--ports", port, "--units", "1-10", "--json")
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("json: %v\n%s", err, out)
	}
	if doc["schema_version"] != float64(1) {
		t.Errorf("schema_version %v", doc["schema_version"])
	}
	devs, _ := doc["devices"].([]any)
	if len(devs) != 2 {
		t.Fatalf("devices %v", devs)
	}
	for _, k := range []string{"url", "unit", "host", "port", "identity", "profile", "confidence", "latency_ms"} {
		for _, d := range devs {
			if _, ok := d.(map[string]any)[k]; !ok {
				t.Errorf("device lacks %q: %v", k, d)
			}
		}
	}
	d4 := devs[1].(map[string]any)
	if d4["unit"] != float64(4) || d4["profile"] != "eastron-sdm630" || d4["url"] != "tcp://"+host+":"+port {
		t.Errorf("unit 4: %v", d4)
	}

	// human table
	code, out, _ = runCLI(t, ctx, "scan", "tcp", host, "--ports", port, "--units", "1-5")
	if code != 0 || !strings.Contains(out, "URL") || !strings.Contains(out, "eastron-sdm630") || !strings.Contains(out, "Acme X1") {
		t.Errorf("table (exit %d):\n%s", code, out)
	}

	// nothing found: exit 3
	code, out, errOut = runCLI(t, ctx, "scan", "tcp", host, "--ports", port, "--units", "10-12", "--json")
	if code != 3 || !strings.Contains(out, `"devices": []`) || !strings.Contains(errOut, "no devices found") {
		t.Errorf("none found: exit %d\n%s\n%s", code, out, errOut)
	}

	// ndjson: found events, then done last
	code, out, _ = runCLI(t, ctx, "scan", "tcp", host, "--ports", port, "--units", "1-5", "--ndjson")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var types []string
	for _, l := range lines {
		var ev struct{ Type string }
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			t.Fatalf("ndjson line %q: %v", l, err)
		}
		types = append(types, ev.Type)
	}
	if code != 0 || types[len(types)-1] != "done" || strings.Count(strings.Join(types, " "), "found") != 2 || !strings.Contains(strings.Join(types, " "), "progress") {
		t.Errorf("ndjson events %v (exit %d)", types, code)
	}

	// bad input: usage
	if code, _, _ = runCLI(t, ctx, "scan", "tcp", "10.0.0.0/8"); code != 2 {
		t.Errorf("a /8: exit %d, want 2", code)
	}
	if code, _, _ = runCLI(t, ctx, "scan", "tcp", host, "--json", "--ndjson"); code != 2 {
		t.Errorf("--json --ndjson: exit %d, want 2", code)
	}
}

func TestScanTCPSaveFile(t *testing.T) {
	host, port, _ := scanTestPlant(t)
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "scan.json")
	code, _, errOut := runCLI(t, ctx, "scan", "tcp", host, "--ports", port, "--units", "1-2", "-o", file)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	first, _ := os.ReadFile(file)
	var doc struct {
		SchemaVersion int `json:"schema_version"`
		Devices       []struct{ Unit int }
	}
	if err := json.Unmarshal(first, &doc); err != nil || doc.SchemaVersion != 1 || len(doc.Devices) != 1 {
		t.Fatalf("saved file: %v %s", err, first)
	}
	// refuses to overwrite without --force, before scanning
	os.WriteFile(file, []byte("mine"), 0o644)
	code, _, errOut = runCLI(t, ctx, "scan", "tcp", host, "--ports", port, "--units", "1-2", "-o", file)
	if b, _ := os.ReadFile(file); code != 1 || string(b) != "mine" || !strings.Contains(errOut, "--force") {
		t.Errorf("overwrite without --force: exit %d, file %q, stderr %s", code, b, errOut)
	}
	code, _, _ = runCLI(t, ctx, "scan", "tcp", host, "--ports", port, "--units", "1-2", "-o", file, "--force")
	if b, _ := os.ReadFile(file); code != 0 || !strings.Contains(string(b), `"schema_version": 1`) {
		t.Errorf("--force: exit %d, file %s", code, b)
	}
	if m, _ := filepath.Glob(filepath.Join(filepath.Dir(file), ".*tmp*")); len(m) != 0 {
		t.Errorf("temporary files left: %v", m)
	}
}

func TestIdentifyCommand(t *testing.T) {
	_, _, rawURL := scanTestPlant(t)
	ctx := context.Background()
	code, out, errOut := runCLI(t, ctx, "identify", rawURL, "--unit", "4", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc struct {
		Profile    string
		Confidence float64
		Evidence   []struct {
			Kind string
			OK   bool
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || doc.Profile != "eastron-sdm630" || doc.Confidence < 0.5 || len(doc.Evidence) == 0 {
		t.Fatalf("identify: %v %s", err, out)
	}
	// unit 1 names a vendor no profile knows: answers, no profile (exit 3)
	code, out, _ = runCLI(t, ctx, "identify", rawURL, "--unit", "1")
	if code != 3 || !strings.Contains(out, "VendorName") || !strings.Contains(out, "Acme") || !strings.Contains(out, "none matched") {
		t.Errorf("unit 1: exit %d\n%s", code, out)
	}
	// absent unit: the gateway says 0x0B: error
	if code, _, errOut = runCLI(t, ctx, "identify", rawURL, "--unit", "9"); code != 1 {
		t.Errorf("absent unit: exit %d %s", code, errOut)
	}
}
