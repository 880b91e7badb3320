package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/busprobe/busprobe/probes"
	"github.com/busprobe/busprobe/protocols/modbus"
	"github.com/busprobe/busprobe/sim"
)

func TestWriteCommand(t *testing.T) {
	rig := newWriteRig(t)
	t.Setenv(probes.EnvJournal, rig.journal) // no test writes to the real journal
	prof := []string{"--profiles", rig.profiles, "--journal", rig.journal}
	tests := []struct {
		name      string
		terminal  bool
		stdin     string
		args      []string
		code      int
		stdout    string // regexp
		stderr    string // regexp
		unit      byte
		addr      uint16
		regs      []uint16 // the device's registers afterwards
		noTraffic bool     // nothing at all reached the device
		result    string   // the journal line's result
	}{
		{name: "profile point with --yes, read back",
			args: []string{"--unit", "1", "--profile", "eastron-sdm630", "--point", "demand_period=15", "--yes"},
			code: 0, stdout: `^demand_period: \d+ min -> 15 min, read back 15 min: ok\n$`,
			stderr: `(?s)point\s+demand_period \(holding 2 f32\)  \[eastron-sdm630\].*new\s+15 min  \[4170 0000\].*request\s+write multiple registers \(10\): holding 2\.\.3 = 4170 0000`,
			unit:   1, addr: 2, regs: []uint16{0x4170, 0}, result: "ok"},
		{name: "read-only point refused, nothing sent",
			args: []string{"--unit", "1", "--profile", "eastron-sdm630", "--point", "voltage_l1=240", "--yes"},
			code: 1, stderr: `write voltage_l1 \(input 0 f32\) refused: the input table is read-only \(nothing written\)`,
			unit: 1, noTraffic: true, result: "refused"},
		{name: "read-only holding point refused",
			args: append([]string{"--unit", "4", "--profile", "test-valve", "--point", "status=9", "--yes"}, prof...),
			code: 1, stderr: `read-only in profile test-valve`, unit: 4, addr: 6, regs: []uint16{7}, noTraffic: true, result: "refused"},
		{name: "no terminal, no --yes: refused, nothing sent",
			args: []string{"--unit", "4", "--profile", "test-valve", "--point", "setpoint=42.5", "--profiles", rig.profiles},
			code: 2, stderr: `stdin is not a terminal.*add --yes`, unit: 4, addr: 0, regs: []uint16{500}, noTraffic: true, result: "refused"},
		{name: "terminal, confirmed",
			terminal: true, stdin: "y\n",
			args: append([]string{"--unit", "4", "--profile", "test-valve", "--point", "setpoint=42.5"}, prof...),
			code: 0, stdout: `^setpoint: 50\.0 % -> 42\.5 %, read back 42\.5 %: ok`,
			stderr: `(?s)target\s+tcp://127\.0\.0\.1:\d+\nunit\s+4\npoint\s+setpoint \(holding 0 u16\)  \[test-valve\]\nold\s+50\.0 %  \[01F4\]\nnew\s+42\.5 %  \[01A9\]\nrequest\s+write single register \(06\): holding 0 = 01A9\nWrite\? \[y/N\] $`,
			unit:   4, addr: 0, regs: []uint16{425}, result: "ok"},
		{name: "terminal, declined",
			terminal: true, stdin: "n\n",
			args: append([]string{"--unit", "4", "--profile", "test-valve", "--point", "setpoint=10"}, prof...),
			code: 1, stderr: `Write\? \[y/N\] busprobe: not confirmed: nothing written`, unit: 4, addr: 0, regs: []uint16{425}, result: "declined"},
		{name: "terminal, no answer",
			terminal: true, stdin: "",
			args: append([]string{"--unit", "4", "--profile", "test-valve", "--point", "setpoint=10"}, prof...),
			code: 1, stderr: `not confirmed`, unit: 4, addr: 0, regs: []uint16{425}, result: "declined"},
		{name: "unit 0 without --broadcast",
			args: append([]string{"--unit", "0", "--table", "holding", "--address", "0", "--value", "1", "--yes"}, prof[2:]...),
			code: 2, stderr: `unit 0 is broadcast.*add --broadcast`, unit: 4, addr: 0, regs: []uint16{425}, noTraffic: true, result: "refused"},
		{name: "bit point: read-modify-write keeps the other bits",
			args: append([]string{"--unit", "4", "--profile", "test-valve", "--point", "flag_b3=on", "--yes"}, prof...),
			code: 0, stdout: `^flag_b3: off -> on, read back on: ok`, stderr: `old\s+off  \[00F1\]\nnew\s+on  \[00F9\]`,
			unit: 4, addr: 0, regs: []uint16{425, 0x00F9, 300}, result: "ok"},
		{name: "scale factor read first",
			args: append([]string{"--unit", "4", "--profile", "test-valve", "--point", "level=1.5", "--yes"}, prof...),
			code: 0, stdout: `^level: 3\.00 m -> 1\.50 m, read back 1\.50 m: ok`, unit: 4, addr: 2, regs: []uint16{150}, result: "ok"},
		{name: "out of the point's range refused",
			args: append([]string{"--unit", "4", "--profile", "test-valve", "--point", "setpoint=120", "--yes"}, prof...),
			code: 1, stderr: `120\.0 % is outside the point's plausible range 0\.\.100 \(nothing written\)`, unit: 4, addr: 0, regs: []uint16{425}, result: "refused"},
		{name: "raw registers",
			args: []string{"--unit", "4", "--table", "holding", "--address", "6", "--value", "8", "--value", "0x10", "--yes"},
			code: 0, stdout: `^holding 6\.\.7: \[0007 0000\] -> \[0008 0010\], read back \[0008 0010\]: ok`, unit: 4, addr: 6, regs: []uint16{8, 16}, result: "ok"},
		{name: "raw coil",
			args: []string{"--unit", "4", "--table", "coil", "--address", "0", "--value", "on", "--yes"},
			code: 0, stdout: `^coil 0: \[0\] -> \[1\], read back \[1\]: ok`, result: "ok"},
		{name: "device refuses the address",
			args: []string{"--unit", "4", "--table", "holding", "--address", "50", "--value", "1", "--yes"},
			code: 1, stderr: `read old value: exception 02`, result: "failed"},
		{name: "input table is not for writing",
			args: []string{"--unit", "4", "--table", "input", "--address", "0", "--value", "1", "--yes"},
			code: 2, stderr: `writes go to holding or coil`},
		{name: "point and raw together",
			args: []string{"--unit", "4", "--point", "a=1", "--table", "holding", "--yes"},
			code: 2, stderr: `--point does not go with --table`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(rig.journalLines(t))
			traffic := rig.requests(t, 1) + rig.requests(t, 4)
			code, out, errOut := rig.run(t, tc.terminal, tc.stdin, append([]string{"write", rig.url}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, out, errOut)
			}
			if tc.stdout != "" && !regexp.MustCompile(tc.stdout).MatchString(out) {
				t.Errorf("stdout %q does not match %q", out, tc.stdout)
			}
			if tc.stderr != "" && !regexp.MustCompile(tc.stderr).MatchString(errOut) {
				t.Errorf("stderr %q does not match %q", errOut, tc.stderr)
			}
			if after := rig.requests(t, 1) + rig.requests(t, 4); tc.noTraffic && after != traffic {
				t.Errorf("%d requests reached the devices, want none", after-traffic)
			}
			if tc.regs != nil {
				if got := rig.registers(t, tc.unit, tc.addr, uint16(len(tc.regs))); !slices.Equal(got, tc.regs) {
					t.Errorf("device registers %d.. = %04X, want %04X", tc.addr, got, tc.regs)
				}
			}
			lines := rig.journalLines(t)
			if tc.result == "" {
				if len(lines) != before {
					t.Errorf("a bad command line was journaled: %s", lines[len(lines)-1])
				}
				return
			}
			if len(lines) != before+1 {
				t.Fatalf("journal grew by %d lines, want 1", len(lines)-before)
			}
			e := rig.entries(t)[before]
			if e.Result != tc.result || e.Target != rig.url || e.User == "" || e.Time.IsZero() {
				t.Errorf("journal entry %+v, want result %s", e, tc.result)
			}
		})
	}
}

func TestWriteJournalEntryAndJSON(t *testing.T) {
	rig := newWriteRig(t)
	code, out, errOut := rig.run(t, false, "", "write", rig.url, "--unit", "4", "--profiles", rig.profiles,
		"--profile", "test-valve", "--point", "setpoint=12.5", "--yes", "--json", "--journal", rig.journal)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got writeOutcomeJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if got.Result != "ok" || got.Journal != rig.journal || got.ReadBack != 12.5 || got.SchemaVersion != schemaVersion {
		t.Errorf("JSON %+v", got)
	}
	es := rig.entries(t)
	if len(es) != 1 {
		t.Fatalf("%d journal entries", len(es))
	}
	e := es[0]
	if e.Unit != 4 || e.Profile != "test-valve" || e.Point != "setpoint" || e.Table != "holding" || *e.Address != 0 || e.Function != 6 ||
		e.Input != "12.5" || e.OldValue != 50.0 || !slices.Equal(e.OldRaw, []int{500}) || e.NewValue != 12.5 ||
		!slices.Equal(e.NewRaw, []int{125}) || !slices.Equal(e.ReadBackRaw, []int{125}) || e.ReadBack != 12.5 {
		t.Errorf("journal entry %+v", e)
	}
}

func TestWriteBroadcast(t *testing.T) {
	t.Run("rtu", func(t *testing.T) {
		running, err := sim.Start(context.Background(), sim.Plant{Buses: []sim.Bus{{Name: "rs485", Kind: sim.BusRTU, Serve: sim.ServePty,
			Line:    &sim.LineConfig{Baud: 19200},
			Devices: []sim.DeviceConfig{{Unit: 5, HoldingRegisters: []sim.RegBlock{{Address: 0, Values: []int{1}}}}, {Unit: 6, HoldingRegisters: []sim.RegBlock{{Address: 0, Values: []int{2}}}}}}}})
		if err != nil {
			t.Fatal(err)
		}
		defer running.Close()
		ep, _ := running.Endpoint("rs485")
		journal := filepath.Join(t.TempDir(), "j.ndjson")
		code, out, errOut := runCLI(t, context.Background(), "write", ep.URL, "--unit", "0", "--broadcast", "--table", "holding",
			"--address", "0", "--value", "77", "--yes", "--journal", journal)
		if code != 0 || !strings.Contains(out, "holding 0: ? -> [004D]: sent (broadcast: nothing answers, nothing read back)") {
			t.Fatalf("exit %d\nstdout %s\nstderr %s", code, out, errOut)
		}
		if !strings.Contains(errOut, "old      (not read: broadcast)") {
			t.Errorf("plan does not say the old value is not read:\n%s", errOut)
		}
		for _, u := range []byte{5, 6} {
			dev, _ := running.Device("rs485", u)
			req, _ := modbus.ReadRequest(modbus.FuncReadHoldingRegisters, 0, 1)
			resp, _ := dev.Handle(req)
			if regs, _ := modbus.ParseRegisters(req, resp); len(regs) != 1 || regs[0] != 77 || dev.Stats().Broadcasts != 1 {
				t.Errorf("unit %d holds %v after the broadcast (%+v)", u, regs, dev.Stats())
			}
		}
	})
	t.Run("tcp warns", func(t *testing.T) {
		rig := newWriteRig(t)
		code, out, errOut := rig.run(t, false, "", "write", rig.url, "--unit", "0", "--broadcast", "--table", "holding",
			"--address", "0", "--value", "3", "--yes", "--journal", rig.journal, "--timeout", "300ms")
		if !strings.Contains(errOut, "Modbus/TCP has no broadcast") {
			t.Errorf("no warning about broadcast over TCP:\n%s", errOut)
		}
		if code != 0 || !strings.Contains(out, ": sent") {
			t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
		}
	})
}
