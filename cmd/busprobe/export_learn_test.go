package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/busprobe/busprobe/gateway"
	"github.com/busprobe/busprobe/probes"
	"github.com/busprobe/busprobe/sim"
)

// A device that takes smaller requests than its profile says and has a hole
// the profile does not list: --learn exports the workarounds the poller
// learned, and the exported plan then verifies clean.
func TestExportLearnsWorkarounds(t *testing.T) {
	start := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	plant := sim.Plant{Buses: []sim.Bus{{
		Name: "gw", Kind: sim.BusTCP, Listen: "127.0.0.1:0",
		Devices: []sim.DeviceConfig{{Unit: 1, Profile: "eastron-sdm630", Seed: 1, MaxRegisters: 40,
			// input 80..83 is a gap between the profile's points that the
			// planner reads over; here the device answers it with 02.
			Holes: []sim.Hole{{Table: sim.TableInput, Address: 80, Count: 4}}}},
	}}}
	r, err := sim.Start(context.Background(), plant, sim.WithClock(func() time.Time { return start }))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ep, _ := r.Endpoint("gw")
	dir := t.TempDir()
	scan := writeScanFile(t, dir, probes.Device{URL: ep.URL, Unit: 1, Profile: "eastron-sdm630", Confidence: 1})
	out := filepath.Join(dir, "gw.json")

	code, stdout, stderr := runCLI(t, context.Background(), "export", "--scan", scan, "-o", out, "--verify")
	if code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "learned on eastron_sdm630_u1") {
		t.Errorf("stderr does not say what was learned:\n%s", stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := gateway.Parse(out, data)
	if err != nil {
		t.Fatalf("exported config does not validate: %v", err)
	}
	w := cfg.Devices[0].Workarounds
	if w.MaxRegisters == 0 || w.MaxRegisters > 40 {
		t.Errorf("max_registers %d: want the learned limit ≤ 40 (profile says 80)", w.MaxRegisters)
	}
	covered := false
	for _, h := range w.Holes {
		covered = covered || h.Table == "input" && h.Address <= 80 && h.Address+max(h.Count, 1) >= 84
	}
	if !covered {
		t.Errorf("holes %+v: want the unlisted hole at input 80..83", w.Holes)
	}
	for _, req := range cfg.Devices[0].Plan {
		if req.Count > 40 {
			t.Errorf("plan request %+v exceeds the learned limit", req)
		}
	}
}
