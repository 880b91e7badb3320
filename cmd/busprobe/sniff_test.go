package main

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/busprobe/busprobe/protocols/modbus"
	"github.com/busprobe/busprobe/sim"
)

// masterTally is what the separate master saw of its own polls, per unit.
type masterTally struct {
	ok, crc, timeouts map[byte]int
}

// TestSniffCommand: a sim bus with a sniff pty; a separate master (our
// client on the bus's own pty) polls two devices and an absent unit while
// the bus corrupts some reply CRCs; `busprobe sniff` on the sniff pty must
// pair requests and replies, measure latencies, and count exactly the CRC
// errors and unanswered requests the master suffered.
func TestSniffCommand(t *testing.T) {
	plant := sim.Plant{Buses: []sim.Bus{{Name: "rs485", Kind: sim.BusRTU, Sniff: true,
		Line:   &sim.LineConfig{Baud: 19200, Parity: "N", StopBits: 1},
		Faults: sim.Faults{CorruptCRC: 0.25}, Seed: 7,
		Devices: []sim.DeviceConfig{
			{Unit: 1, Turnaround: 4 * time.Millisecond, HoldingRegisters: []sim.RegBlock{{Address: 0, Values: []int{1, 2, 3, 4}}}},
			{Unit: 2, Turnaround: 6 * time.Millisecond, InputRegisters: []sim.RegBlock{{Address: 0, Values: []int{230}}}},
		}}}}
	running, err := sim.Start(context.Background(), plant)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = running.Close() })
	ep, _ := running.Endpoint("rs485")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"sniff", ep.SniffPath, "--baud", "19200", "--ndjson"}, strings.NewReader(""), &out, &errOut)
	}()
	for i := 0; i < 200 && !strings.Contains(errOut.String(), "listening on"); i++ {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // past the sniffer's drain of stale bytes

	master, err := modbus.DialURL(context.Background(), ep.URL+"&timeout=80ms", modbus.DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer master.Close()
	tally := masterTally{ok: map[byte]int{}, crc: map[byte]int{}, timeouts: map[byte]int{}}
	const rounds = 8
	for range rounds {
		for _, unit := range []byte{1, 2, 9} {
			var err error
			if unit == 2 {
				_, err = master.ReadInputRegisters(context.Background(), unit, 0, 1)
			} else {
				_, err = master.ReadHoldingRegisters(context.Background(), unit, 0, 4)
			}
			switch {
			case err == nil:
				tally.ok[unit]++
			case errors.As(err, new(*modbus.CRCError)):
				tally.crc[unit]++
			case errors.Is(err, modbus.ErrTimeout):
				tally.timeouts[unit]++
			default:
				t.Fatalf("unit %d: %v", unit, err)
			}
		}
	}
	time.Sleep(100 * time.Millisecond) // let the last reply reach the sniffer
	cancel()
	var code int
	select {
	case code = <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("sniff did not stop on cancel")
	}
	if code != 0 {
		t.Fatalf("sniff exit %d\nstderr: %s", code, errOut.String())
	}
	st, _ := running.Stats("rs485")
	if total := tally.crc[1] + tally.crc[2]; total == 0 || uint64(total) != st.CorruptCRC {
		t.Fatalf("master saw %v CRC errors, the bus injected %d: pick another seed", tally.crc, st.CorruptCRC)
	}

	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var sum monitorSummaryJSON
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &sum); err != nil || sum.Type != "summary" {
		t.Fatalf("last line is not the summary: %v\n%s", err, out.String())
	}
	var pairs, replies int
	for _, l := range lines[:len(lines)-1] {
		var ev trafficEventJSON
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			t.Fatalf("bad record %q: %v", l, err)
		}
		switch ev.Kind {
		case "reply":
			replies++
			// A single reply may show 0 when a loaded machine delivered
			// request and reply in one read; the median below must not.
			if ev.Dir != "RSP" || ev.TurnaroundMS == nil || *ev.TurnaroundMS < 0 || !strings.Contains(ev.Meaning, "reply") {
				t.Errorf("reply record %+v: want RSP with a turnaround", ev)
			}
			pairs++
		case "request":
			if ev.Dir != "REQ" || !strings.Contains(ev.Meaning, "read") {
				t.Errorf("request record %+v", ev)
			}
		case "unanswered":
			if ev.Unit != 9 || !strings.Contains(ev.Meaning, "no reply to: unit 9 read holding 0..3 (40001×4)") {
				t.Errorf("unanswered record %+v", ev)
			}
		case "crc_error":
			if !strings.Contains(ev.Meaning, "CRC error") {
				t.Errorf("CRC record %+v", ev)
			}
		default:
			t.Errorf("unexpected record %+v", ev)
		}
	}
	if pairs == 0 {
		t.Fatal("no request/reply pairs")
	}
	for _, unit := range []byte{1, 2, 9} {
		u, _ := sum.Summary.Unit(unit)
		want := tally.ok[unit] + tally.crc[unit] + tally.timeouts[unit]
		if u.Requests != rounds || want != rounds {
			t.Errorf("unit %d: sniffer counted %d requests, master sent %d (%d)", unit, u.Requests, rounds, want)
		}
		if u.Replies != tally.ok[unit] || u.CRCErrors != tally.crc[unit] || u.Unanswered != tally.timeouts[unit] {
			t.Errorf("unit %d: sniffer %d replies, %d CRC errors, %d unanswered; master %d ok, %d CRC errors, %d timeouts",
				unit, u.Replies, u.CRCErrors, u.Unanswered, tally.ok[unit], tally.crc[unit], tally.timeouts[unit])
		}
		if unit != 9 && (u.LatencyP50 <= 0 || u.LatencyMax < u.LatencyP50) {
			t.Errorf("unit %d: latency p50 %v max %v", unit, u.LatencyP50, u.LatencyMax)
		}
	}
	if sum.Summary.Garbage != 0 {
		t.Errorf("%d garbage frames on a clean line", sum.Summary.Garbage)
	}
}

func TestSniffUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"tcp URL", []string{"sniff", "tcp://127.0.0.1:502"}, exitUsage, "serial port"},
		{"bad parity", []string{"sniff", "/dev/null", "--parity", "X"}, exitUsage, "parity"},
		{"json and ndjson", []string{"sniff", "/dev/null", "--json", "--ndjson"}, exitUsage, "exclude"},
		{"missing port", []string{"sniff", "/dev/ttyNOPE0", "--duration", "10ms"}, exitError, "/dev/ttyNOPE0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, context.Background(), tc.args...)
			if code != tc.code || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d (want %d), stderr %q (want %q)", code, tc.code, errOut, tc.want)
			}
		})
	}
}
