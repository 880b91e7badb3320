package sim

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

const examplePlant = `name: test plant
buses:
  - name: gw
    kind: tcp
    listen: 127.0.0.1:0
    absent: silent
    max_connections: 2
    devices:
      - unit: 1
        name: meter
        turnaround: 5ms
        jitter: 2ms
        max_registers: 50
        holding_registers:
          - {address: 0, values: [1, 2, 3]}
          - address: 100
            wave: {kind: counter, words: 2, step: 1, period: 1s}
        holes:
          - {table: holding_registers, address: 1}
        identity:
          vendor_name: busprobe sim
          product_code: X1
          revision: "1.0"
          extended: {0x80: serial 1}
          server_id: {id: 7, running: true, data: X1}
  - name: field
    kind: rtu
    serve: none
    line: {baud: 19200, parity: E, stop_bits: 1}
    faults: {drop: 0.1, late: 0.05, late_delay: 200ms}
    seed: 42
    devices:
      - unit: 2
        coils: [{address: 0, count: 8}]
        discrete_inputs: [{address: 0, values: [true, false], toggle: 1s}]
`

func TestParsePlant(t *testing.T) {
	p, err := ParsePlant([]byte(examplePlant), "plant.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Buses) != 2 || p.Buses[0].Absent != AbsentSilent || p.Buses[1].Line.Parity != "E" {
		t.Fatalf("unexpected plant %+v", p)
	}
	d := p.Buses[0].Devices[0]
	if d.Turnaround != 5*time.Millisecond || d.HoldingRegisters[1].Wave.Words != 2 || d.Identity.Extended[0x80] != "serial 1" {
		t.Fatalf("unexpected device %+v", d)
	}
	if f := p.Buses[1].Faults; f.Drop != 0.1 || f.LateDelay != 200*time.Millisecond {
		t.Fatalf("unexpected faults %+v", f)
	}
	// Rendering a plant and reading it back gives the same plant.
	out, err := MarshalPlant(p)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParsePlant(out, "rendered")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !reflect.DeepEqual(p, back) {
		t.Fatalf("round trip differs:\n%s", out)
	}
}

func TestParsePlantErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		line int
		msg  string
	}{
		{"unknown key", "buses:\n  - name: a\n    kind: tcp\n    listn: x\n", 4, `unknown field "listn"`},
		{"unknown device key", "buses:\n  - name: a\n    kind: rtu\n    line: {baud: 9600}\n    devices:\n      - unit: 1\n        turnarond: 5ms\n", 7, `unknown field "turnarond"`},
		{"bad type", "buses:\n  - name: a\n    kind: tcp\n    max_connections: many\n", 4, "cannot unmarshal"},
		{"unit out of range", "buses:\n  - name: a\n    kind: rtu\n    line: {baud: 9600}\n    devices:\n      - unit: 300\n", 6, "unit 300 out of range 1..247"},
		{"missing line", "buses:\n  - name: a\n    kind: rtu\n    devices:\n      - unit: 3\n", 2, "needs line settings"},
		{"bad parity", "buses:\n  - name: a\n    kind: rtu\n    line: {baud: 9600, parity: X}\n", 4, `parity "X"`},
		{"overlap", "buses:\n  - name: a\n    kind: tcp\n    listen: x\n    devices:\n      - unit: 1\n        input_registers:\n          - {address: 0, count: 4}\n          - {address: 3, count: 1}\n", 9, "defined twice"},
		{"unknown profile", "buses:\n  - name: a\n    kind: tcp\n    listen: x\n    devices:\n      - unit: 1\n        profile: eastron-sdm999\n", 7, `unknown profile "eastron-sdm999"`},
		{"rate", "buses:\n  - name: a\n    kind: tcp\n    listen: x\n    faults:\n      drop: 1.5\n", 6, "outside 0..1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParsePlant([]byte(tc.yaml), "p.yaml")
			if err == nil {
				t.Fatal("no error")
			}
			var ce *ConfigError
			var ces ConfigErrors
			switch {
			case errors.As(err, &ces):
				ce = ces[0]
			case errors.As(err, &ce):
			default:
				t.Fatalf("error %T %v is not a ConfigError", err, err)
			}
			if ce.Line != tc.line || ce.File != "p.yaml" || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("got %q at line %d, want %q at line %d", err, ce.Line, tc.msg, tc.line)
			}
			if !strings.Contains(ce.Error(), "p.yaml:") {
				t.Fatalf("error %q lacks file:line:column", ce.Error())
			}
		})
	}
}
