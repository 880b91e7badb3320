package probes

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/busprobe/busprobe/profiles"
	"github.com/busprobe/busprobe/sim"
)

// freeCommonPort picks a port free on 127.0.9.1 for every gateway of the test plant.
func freeCommonPort(t *testing.T, host string) int {
	t.Helper()
	ln, err := net.Listen("tcp", host+":0")
	if err != nil {
		t.Skipf("cannot listen on %s (loopback aliases not routed here?): %v", host, err)
	}
	p := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return p
}

// scanPlant is 127.0.9.0/29 with gateways on .1 .. .6 (same port):
//
//	.1 MBAP, absent units answer 0x0B; units 1, 2 and 7 (7 is busy half the time)
//	.2 MBAP, absent units silent (as pymodbus); unit 3
//	.3 MBAP device that ignores the unit ID: every unit 1..247 answers the same
//	.4 RTU over TCP, silent for absent units; unit 1
//	.5 MBAP, absent units answer 0x0A; an Eastron SDM630 (from its profile) at unit 4
//	.6 RTU over TCP; unit 9 only (not among the first units probed)
func scanPlant(t *testing.T, port int) (*sim.Running, []string) {
	t.Helper()
	at := func(i int) string { return fmt.Sprintf("127.0.9.%d:%d", i, port) }
	regs := []sim.RegBlock{{Address: 0, Values: []int{100, 200, 300}}}
	allUnits := make([]sim.DeviceConfig, 0, 247)
	for u := 1; u <= 247; u++ {
		allUnits = append(allUnits, sim.DeviceConfig{Unit: u, HoldingRegisters: regs})
	}
	plant := sim.Plant{Name: "scan test", Buses: []sim.Bus{
		{Name: "gw1", Kind: sim.BusTCP, Listen: at(1), Absent: sim.AbsentException, MaxConnections: 4, Devices: []sim.DeviceConfig{
			{Unit: 1, HoldingRegisters: regs, Identity: &sim.Identity{VendorName: "Acme", ProductCode: "X1", Revision: "1.0"}},
			{Unit: 2, InputRegisters: regs}, // no holding register 0: exception 02 is presence
			{Unit: 7, HoldingRegisters: regs, BusyRate: 0.5, Seed: 3},
		}},
		{Name: "gw2", Kind: sim.BusTCP, Listen: at(2), Absent: sim.AbsentSilent, Devices: []sim.DeviceConfig{{Unit: 3, HoldingRegisters: regs}}},
		{Name: "gw3", Kind: sim.BusTCP, Listen: at(3), Absent: sim.AbsentException, Devices: allUnits},
		{Name: "gw4", Kind: sim.BusTCP, Listen: at(4), Framing: sim.FramingRTU, Absent: sim.AbsentSilent, Devices: []sim.DeviceConfig{{Unit: 1, HoldingRegisters: regs}}},
		{Name: "gw5", Kind: sim.BusTCP, Listen: at(5), Absent: sim.AbsentPath, Devices: []sim.DeviceConfig{{Unit: 4, Profile: "eastron-sdm630"}}},
		{Name: "gw6", Kind: sim.BusTCP, Listen: at(6), Framing: sim.FramingRTU, Absent: sim.AbsentSilent, Devices: []sim.DeviceConfig{{Unit: 9, HoldingRegisters: regs}}},
	}}
	r, err := sim.Start(context.Background(), plant)
	if err != nil {
		t.Fatalf("start plant: %v", err)
	}
	t.Cleanup(func() { r.Close() })
	want := []string{
		at(1) + " mbap 1", at(1) + " mbap 2", at(1) + " mbap 7",
		at(2) + " mbap 3",
		at(3) + " mbap 1",
		at(4) + " rtu 1",
		at(5) + " mbap 4",
		at(6) + " rtu 9",
	}
	return r, want
}

func deviceKeys(ds []Device) []string {
	var out []string
	for _, d := range ds {
		out = append(out, fmt.Sprintf("%s:%d %s %d", d.Host, d.Port, d.Framing, d.Unit))
	}
	sort.Strings(out)
	return out
}

// openConns counts TCP connections to or from port that are not closed
// (TIME-WAIT is closed: both sides have sent their FIN), as `ss -tan` shows them.
func openConns(t *testing.T, port int) (int, string) {
	t.Helper()
	out, err := exec.Command("ss", "-Htan").Output()
	if err != nil {
		t.Skipf("ss not available: %v", err)
	}
	n := 0
	var lines []string
	suffix := ":" + strconv.Itoa(port)
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 5 || f[0] == "LISTEN" || f[0] == "TIME-WAIT" {
			continue
		}
		if strings.HasSuffix(f[3], suffix) || strings.HasSuffix(f[4], suffix) {
			n++
			lines = append(lines, line)
		}
	}
	return n, strings.Join(lines, "\n")
}

func TestScanTCPPlant(t *testing.T) {
	port := freeCommonPort(t, "127.0.9.1")
	running, want := scanPlant(t, port)
	lib, err := profiles.Embedded()
	if err != nil {
		t.Fatalf("library: %v", err)
	}
	var events []Event
	units := make([]int, 0, 30)
	for u := 1; u <= 30; u++ {
		units = append(units, u)
	}
	cfg := TCPScanConfig{Targets: []string{"127.0.9.0/29"}, Ports: []int{port}, Units: units, Library: lib}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	t0 := time.Now()
	res, err := ScanTCP(ctx, cfg, func(e Event) { events = append(events, e) })
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	t.Logf("scan of 127.0.9.0/29 × units 1-30: %s, %d probes", time.Since(t0).Round(time.Millisecond), res.Probes)
	got := deviceKeys(res.Devices)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("devices:\n%s\nwant:\n%s\nnotes: %v", strings.Join(got, "\n"), strings.Join(want, "\n"), res.Notes)
	}
	for _, d := range res.Devices {
		switch {
		case d.Host == "127.0.9.3":
			if len(d.Notes) == 0 || !strings.Contains(strings.Join(d.Notes, " "), "every unit ID") {
				t.Errorf("all-units device not flagged: %+v", d)
			}
		case d.Host == "127.0.9.4" || d.Host == "127.0.9.6":
			if !strings.HasPrefix(d.URL, "rtuovertcp://") {
				t.Errorf("RTU over TCP device URL %s", d.URL)
			}
		case d.Host == "127.0.9.5":
			if d.Profile != "eastron-sdm630" || d.Confidence < 0.5 || len(d.Evidence) == 0 {
				t.Errorf("SDM630 identified as %q (%.2f), evidence %+v", d.Profile, d.Confidence, d.Evidence)
			}
		case d.Host == "127.0.9.1" && d.Unit == 1:
			if d.Identity == nil || d.Identity.Objects["VendorName"] != "Acme" {
				t.Errorf("unit 1 identity %+v", d.Identity)
			}
		}
	}
	found := 0
	for _, e := range events {
		if e.Type == "found" {
			found++
		}
	}
	if found != len(want) || events[len(events)-1].Type != "progress" {
		t.Errorf("%d found events, last %q", found, events[len(events)-1].Type)
	}
	// every connection closed: nothing but TIME-WAIT left on the port
	deadline := time.Now().Add(3 * time.Second)
	for {
		n, lines := openConns(t, port)
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d connections still open after the scan:\n%s", n, lines)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, gw := range []string{"gw1", "gw2", "gw3", "gw4", "gw5", "gw6"} {
		st, _ := running.Stats(gw)
		if st.Refused > 0 {
			t.Errorf("%s refused %d connections: the scan opened more than one at a time", gw, st.Refused)
		}
		t.Logf("%s: %d connections, %d requests", gw, st.Connections, st.Requests)
	}
}
