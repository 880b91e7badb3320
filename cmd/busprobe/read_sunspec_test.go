package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/busprobe/busprobe/sim"
)

func TestReadSunSpec(t *testing.T) {
	running, err := sim.Start(context.Background(), sim.Plant{Buses: []sim.Bus{{
		Name: "inv", Kind: sim.BusTCP, Listen: "127.0.0.1:0",
		Devices: []sim.DeviceConfig{sim.SunSpecInverterDevice(1)},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	defer running.Close()
	ep, _ := running.Endpoint("inv")

	code, out, errOut := runCLI(t, context.Background(), "read", ep.URL, "--unit", "1", "--profile", "sunspec", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got sunspecReadResult
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	known := map[int]bool{}
	for _, m := range got.Models {
		known[m.ID] = m.Known
	}
	if got.Base != 40000 || !known[1] || !known[103] || known[64000] || len(got.Models) != 3 {
		t.Errorf("base %d, models %+v: want SunS at 40000 with known 1 and 103 and unknown 64000", got.Base, got.Models)
	}
	points := map[string]pointReadJSON{}
	for _, p := range got.Points {
		points[p.Name] = p
	}
	if p, ok := points["1.Mn"]; !ok || p.Value != "busprobe" {
		t.Errorf("1.Mn = %+v, want busprobe", p)
	}
	if p, ok := points["103.W"]; !ok || p.Unit != "W" {
		t.Errorf("103.W = %+v, want a value in W", p)
	} else if w, ok := p.Value.(float64); !ok || w <= 0 || w > 10000 {
		t.Errorf("103.W = %v, want a plausible power of a 10 kW inverter", p.Value)
	}

	code, out, _ = runCLI(t, context.Background(), "read", ep.URL, "--unit", "1", "--profile", "SunSpec")
	if code != 0 || !strings.Contains(out, "model 64000 at") || !strings.Contains(out, "unknown, skipped") || !strings.Contains(out, "model 103") {
		t.Errorf("human output (exit %d):\n%s", code, out)
	}

	// A device without SunS: a clear error, exit 1.
	code, _, errOut = runCLI(t, context.Background(), "read", ep.URL, "--unit", "9", "--profile", "sunspec", "--timeout", "200ms")
	if code != exitError || errOut == "" {
		t.Errorf("no SunSpec device: exit %d, stderr %q", code, errOut)
	}
}
