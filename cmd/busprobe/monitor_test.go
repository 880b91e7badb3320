package main

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/busprobe/busprobe/sim"
)

func TestMonitorCommand(t *testing.T) {
	tcpURL, rtuURL := testPlant(t)
	ctx := context.Background()
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout []string // substrings
		lines  []string // regexps, multi-line mode
	}{
		{"rtu raw range", []string{"monitor", rtuURL, "--unit", "5", "--table", "input", "--count", "2", "--count-polls", "2", "--interval", "10ms"}, 0,
			[]string{"unit 5 read input 0..1 (30001×2)", "unit 5 reply 2 registers: 0x00E6 0x00E7", "2 polls, 0 failed", "latency p50"},
			[]string{
				`^\d\d:\d\d:\d\d\.\d{6}  TX\s+.*01 05|^\d\d:\d\d:\d\d\.\d{6}  TX\s+05 04 00 00 00 02`,
				`^\d\d:\d\d:\d\d\.\d{6}  RX   ↳ [0-9.]+ ms\s+05 04 04 00 E6 00 E7`,
				`^\d\d:\d\d:\d\d\.\d{6}  TX   \+[0-9.]+ ms`, // the second poll: the gap since the reply
				`^\s+5\s+2\s+2\s+0\s+0\s+0\s+0\s+[0-9.]+ ms\s+[0-9.]+ ms\s*$`,
			}},
		{"tcp exception", []string{"monitor", tcpURL, "--unit", "1", "--address", "100", "--count-polls", "1"}, 1,
			[]string{"tid 1 unit 1 read holding 100 (40101)", "tid 1 unit 1 exception 02 illegal data address (read holding registers)", "1 polls, 1 failed", "1 (02×1)"}, nil},
		{"silent unit times out", []string{"monitor", rtuURL, "--unit", "7", "--timeout", "80ms", "--count-polls", "2", "--interval", "1ms"}, 1,
			[]string{"no reply to: unit 7 read holding 0 (40001)", "2 polls, 2 failed"},
			[]string{`^\d\d:\d\d:\d\d\.\d{6}  --   timeout\s+no reply to`, `^\s+7\s+2\s+0\s+0\s+0\s+2\s+0\s+-\s+-\s*$`}},
		{"bad table", []string{"monitor", tcpURL, "--table", "bogus"}, 2, nil, nil},
		{"profile with table", []string{"monitor", tcpURL, "--profile", "eastron-sdm630", "--count", "2"}, 2, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, ctx, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, out, errOut)
			}
			for _, want := range tc.stdout {
				if !strings.Contains(out, want) {
					t.Errorf("stdout lacks %q:\n%s", want, out)
				}
			}
			for _, re := range tc.lines {
				if !regexp.MustCompile("(?m)" + re).MatchString(out) {
					t.Errorf("stdout has no line matching %q:\n%s", re, out)
				}
			}
		})
	}
}

func TestMonitorProfileNDJSON(t *testing.T) {
	plant := sim.Plant{Buses: []sim.Bus{{Name: "gw", Kind: sim.BusTCP, Listen: "127.0.0.1:0",
		Devices: []sim.DeviceConfig{{Unit: 1, Profile: "eastron-sdm630", Seed: 1}}}}}
	running, err := sim.Start(context.Background(), plant)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = running.Close() })
	gw, _ := running.Endpoint("gw")
	code, out, errOut := runCLI(t, context.Background(), "monitor", gw.URL, "--unit", "1", "--profile", "eastron-sdm630",
		"--count-polls", "1", "--ndjson")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var frames int
	for _, l := range lines[:len(lines)-1] {
		var ev trafficEventJSON
		if err := json.Unmarshal([]byte(l), &ev); err != nil || ev.Type != "frame" || ev.Meaning == "" {
			t.Fatalf("line %q is not a frame record (%v)", l, err)
		}
		if ev.Kind == "reply" && (ev.TurnaroundMS == nil || !strings.Contains(ev.Meaning, "reply")) {
			t.Errorf("reply record %+v lacks turnaround or meaning", ev)
		}
		frames++
	}
	var sum monitorSummaryJSON
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &sum); err != nil || sum.Type != "summary" {
		t.Fatalf("last line %q is not the summary (%v)", lines[len(lines)-1], err)
	}
	u, ok := sum.Summary.Unit(1)
	if !ok || u.Requests == 0 || u.Replies != u.Requests || sum.Summary.Frames != frames || sum.Polls != 1 {
		t.Errorf("summary %+v does not match %d frames", sum, frames)
	}
}

// TestTraceDecodes: --trace on any command prints the decoded meaning.
func TestTraceDecodes(t *testing.T) {
	tcpURL, rtuURL := testPlant(t)
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"read tcp", []string{"read", tcpURL, "--unit", "1", "--count", "4", "--trace"},
			[]string{"TX 00 01 00 00 00 06 01 03 00 00 00 04", "tid 1 unit 1 read holding 0..3 (40001×4)",
				"tid 1 unit 1 reply 4 registers: 0x000B 0x0016 0x0021 0xBEEF"}},
		{"read rtu", []string{"read", rtuURL, "--unit", "5", "--table", "input", "--count", "2", "--trace"},
			[]string{"unit 5 read input 0..1 (30001×2)", "unit 5 reply 2 registers: 0x00E6 0x00E7"}},
		{"exception", []string{"read", tcpURL, "--unit", "9", "--trace"},
			[]string{"exception 0B gateway target device failed to respond (read holding registers)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, errOut := runCLI(t, context.Background(), tc.args...)
			for _, want := range tc.want {
				if !strings.Contains(errOut, want) {
					t.Errorf("trace lacks %q:\n%s", want, errOut)
				}
			}
		})
	}
}
