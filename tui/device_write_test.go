package tui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/busprobe/busprobe/probes"
	"github.com/busprobe/busprobe/sim"
)

// A write confirmed in the interface is journaled like `busprobe write`'s;
// without a journal nothing is sent.
func TestDeviceWriteIsJournaled(t *testing.T) {
	r := startPlant(t, sim.Plant{Buses: []sim.Bus{{
		Name: "gw", Kind: sim.BusTCP, Listen: "127.0.0.1:0",
		Devices: []sim.DeviceConfig{{Unit: 1, Profile: "eastron-sdm630"}},
	}}})
	ep, _ := r.Endpoint("gw")
	c := testCommon(t)
	d := newDriver(t, New(c, Options{}))
	d.send(OpenDeviceMsg{Device: probes.Device{URL: ep.URL, Unit: 1, Profile: "eastron-sdm630"}})
	d.until("the device screen polls", 10*time.Second, func(m Model) bool { return m.device.polls >= 1 })

	ctx := context.Background()
	client, err := c.Clients.Get(ctx, ep.URL)
	if err != nil {
		t.Fatal(err)
	}
	plan := func(v string) probes.PlannedWrite {
		p, err := probes.PlanWrite(ctx, client, probes.WriteSpec{Unit: 1, Profile: d.m.device.prof, Point: "demand_period", Value: v})
		if err != nil {
			t.Fatalf("plan: %v", err)
		}
		return p
	}
	current := func() string {
		rd, err := probes.ReadPoints(ctx, client, 1, d.m.device.prof, []string{"demand_period"})
		if err != nil || len(rd.Points) != 1 || rd.Points[0].Err != nil {
			t.Fatalf("read demand_period: %v %+v", err, rd.Points)
		}
		return rd.Points[0].Value.Display
	}
	if current() == "15 min" {
		t.Fatal("the simulated meter already holds the value the test writes")
	}

	// No journal: refused, nothing reaches the device.
	c.JournalPath = ""
	msg := d.m.device.executeWriteCmd(plan("15"))().(writeDoneMsg)
	if msg.err == nil || !strings.Contains(msg.err.Error(), "nothing written") {
		t.Fatalf("write without a journal: %v, want refused", msg.err)
	}
	if got := current(); got == "15 min" {
		t.Fatal("a write reached the device without a journal")
	}

	// With a journal: written, read back, one line in the journal.
	c.JournalPath = filepath.Join(t.TempDir(), "journal.ndjson")
	msg = d.m.device.executeWriteCmd(plan("15"))().(writeDoneMsg)
	if msg.err != nil || msg.result.Status != probes.WriteOK {
		t.Fatalf("write: %v, %v", msg.result.Status, msg.err)
	}
	if got := current(); got != "15 min" {
		t.Errorf("demand_period reads %q after the write, want 15 min", got)
	}
	data, err := os.ReadFile(c.JournalPath)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], `"demand_period"`) || !strings.Contains(lines[0], ep.URL) {
		t.Errorf("journal %q: want one line for demand_period at %s", data, ep.URL)
	}
}
