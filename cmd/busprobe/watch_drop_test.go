package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/busprobe/busprobe/sim"
)

// TestWatchGatewayDropped stops the simulated gateway mid-watch and starts
// a new one on the same address: the watch goes on, prints a gap record for
// the failed polls, and every slot has its record.
func TestWatchGatewayDropped(t *testing.T) {
	dev := sim.DeviceConfig{Unit: 1, Profile: "eastron-sdm630"}
	plant := func(listen string) (*sim.Running, error) {
		return sim.Start(context.Background(), sim.Plant{Name: "drop", Buses: []sim.Bus{
			{Name: "gw", Kind: sim.BusTCP, Listen: listen, Devices: []sim.DeviceConfig{dev}}}})
	}
	first, err := plant("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ep, _ := first.Endpoint("gw")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"watch", ep.URL, "--unit", "1", "--profile", "sdm630", "--points", "voltage_l1",
			"--interval", "10ms", "--samples", "150", "--ndjson", "--timeout", "200ms"}, strings.NewReader(""), &out, &errOut)
	}()
	waitLines := func(n int) {
		for i := 0; i < 2000 && strings.Count(out.String(), "\n") < n; i++ {
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitLines(20)
	_ = first.Close()
	waitLines(50)
	var second *sim.Running
	for i := 0; i < 100 && second == nil; i++ {
		if second, err = plant(ep.Address); err != nil {
			time.Sleep(20 * time.Millisecond)
		}
	}
	if second == nil {
		t.Fatalf("restart on %s: %v", ep.Address, err)
	}
	defer second.Close()
	var code int
	select {
	case code = <-done:
	case <-ctx.Done():
		t.Fatal("watch did not end")
	}
	if code != exitPartial {
		t.Errorf("exit %d, want %d (some polls failed)\n%s", code, exitPartial, errOut.String())
	}
	seen := map[int64]bool{}
	var gaps, last int
	var lastRec sampleJSON
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var r sampleJSON
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		switch r.Type {
		case "sample":
			seen[r.Seq] = true
			last = max(last, int(r.Seq))
			lastRec = r
		case "gap":
			if r.Gap.Failed > 0 {
				gaps++
				continue
			}
			for s := r.Gap.FirstSeq; s <= r.Gap.LastSeq; s++ {
				seen[s] = true
			}
		}
	}
	for s := 0; s <= last; s++ {
		if !seen[int64(s)] {
			t.Errorf("slot %d has no record", s)
		}
	}
	if gaps != 1 {
		t.Errorf("%d gap records of failed polls, want 1", gaps)
	}
	if lastRec.OK != 1 || lastRec.Line.Reconnects < 1 {
		t.Errorf("last sample %+v: want the value read again on a reconnected line", lastRec)
	}
}
