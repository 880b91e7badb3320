package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/busprobe/busprobe/probes"
	"github.com/busprobe/busprobe/sim"
)

// drain runs the driver's messages through Update for d.
func drain(dr *driver, d time.Duration) {
	deadline := time.After(d)
	for {
		select {
		case msg := <-dr.msgs:
			dr.send(msg)
		case <-deadline:
			return
		}
	}
}

// TestDevicePollerSession polls a simulated meter with the poller: its
// figures show in the status line; space pauses after the poll under way
// and resumes with a new run; leaving the device ends polling and leaves
// the pool's connection (shared with writes and the monitor) open.
func TestDevicePollerSession(t *testing.T) {
	r := startPlant(t, sim.Plant{Buses: []sim.Bus{{
		Name: "gw", Kind: sim.BusTCP, Listen: "127.0.0.1:0",
		Devices: []sim.DeviceConfig{{Unit: 1, Profile: "eastron-sdm120", Turnaround: 20 * time.Millisecond}},
	}}})
	ep, _ := r.Endpoint("gw")
	c := testCommon(t)
	d := newDriver(t, New(c, Options{}))
	d.send(OpenDeviceMsg{Device: probes.Device{URL: ep.URL, Unit: 1, Profile: "eastron-sdm120"}})
	d.until("two polls with figures", 10*time.Second, func(m Model) bool {
		return m.device.polls >= 2 && m.device.stats.Requests > 0 && strings.Contains(m.Render(), "p50 ")
	})
	if s := d.m.Render(); !strings.Contains(s, "timeouts 0") {
		t.Errorf("the status line lacks the poller's figures:\n%s", s)
	}

	d.send(keyPress("space"))
	paused := d.m.device.polls
	drain(d, time.Second) // the poll under way may still come in
	if got := d.m.device.polls; got > paused+1 {
		t.Fatalf("%d polls after pausing at %d", got, paused)
	}
	stopped := d.m.device.polls
	drain(d, 500*time.Millisecond)
	if got := d.m.device.polls; got != stopped {
		t.Fatalf("still polling while paused: %d polls, then %d", stopped, got)
	}

	run := d.m.device.run.id
	d.send(keyPress("space"))
	if d.m.device.run.id == run {
		t.Fatal("resuming did not start a new run")
	}
	d.until("polls after resuming", 10*time.Second, func(m Model) bool { return m.device.polls > stopped })

	d.send(keyPress("esc"))
	if d.m.device.cancel != nil || d.m.device.run.cancel != nil {
		t.Fatal("polling still runs after leaving the device")
	}
	drain(d, 200*time.Millisecond)
	cl, err := c.Clients.Get(context.Background(), ep.URL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.ReadInputRegisters(context.Background(), 1, 0, 2); err != nil {
		t.Errorf("the pool's connection after leaving the device: %v", err)
	}
}

// TestStatsText formats the figures of the status line.
func TestStatsText(t *testing.T) {
	tests := []struct {
		name string
		st   probes.Stats
		want string
	}{
		{"nothing answered yet", probes.Stats{}, "p50 - p95 - · timeouts 0 · exceptions none · line use 0.0%"},
		{"exceptions by code, sorted", probes.Stats{P50MS: 3.4, P95MS: 12.25, Timeouts: 2,
			Exceptions: map[string]int64{"06": 1, "02": 4}, Utilisation: 0.4567},
			"p50 3.4ms p95 12.2ms · timeouts 2 · exceptions 02×4 06×1 · line use 45.7%"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := statsText(tc.st); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}
