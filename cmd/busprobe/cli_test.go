package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/busprobe/busprobe/sim"
)

// runCLI runs the CLI in-process and returns exit code, stdout and stderr.
func runCLI(t *testing.T, ctx context.Context, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(ctx, args, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

// testPlant starts a plant with a TCP gateway (units 1 and 2; absent units
// answer 0x0B) and a pty RTU bus at 9600 8N1 (unit 5).
func testPlant(t *testing.T) (tcpURL, rtuURL string) {
	t.Helper()
	plant := sim.Plant{Name: "cli test", Buses: []sim.Bus{
		{Name: "gw", Kind: sim.BusTCP, Listen: "127.0.0.1:0", Devices: []sim.DeviceConfig{
			{Unit: 1, HoldingRegisters: []sim.RegBlock{{Address: 0, Values: []int{11, 22, 33, 0xBEEF}}},
				Coils: []sim.BitBlock{{Address: 0, Values: []bool{true, false, true}}}},
			{Unit: 2, InputRegisters: []sim.RegBlock{{Address: 10, Values: []int{7}}}},
		}},
		{Name: "rs485", Kind: sim.BusRTU, Serve: sim.ServePty, Line: &sim.LineConfig{Baud: 9600, Parity: "N", StopBits: 1},
			Devices: []sim.DeviceConfig{{Unit: 5, InputRegisters: []sim.RegBlock{{Address: 0, Values: []int{230, 231}}}}}},
	}}
	running, err := sim.Start(context.Background(), plant)
	if err != nil {
		t.Fatalf("start plant: %v", err)
	}
	t.Cleanup(func() { _ = running.Close() })
	gw, _ := running.Endpoint("gw")
	rtu, _ := running.Endpoint("rs485")
	return gw.URL, rtu.URL
}

func TestReadCommand(t *testing.T) {
	tcpURL, rtuURL := testPlant(t)
	ctx := context.Background()
	tests := []struct {
		name       string
		args       []string
		code       int
		stdout     []string // substrings
		stderrLike string   // regexp
	}{
		{"holding human", []string{"read", tcpURL, "--unit", "1", "--count", "4"}, 0,
			[]string{"address  decimal     hex", "3    48879  0xBEEF"}, ""},
		{"coils as bits", []string{"read", tcpURL, "--unit", "1", "--table", "coil", "--count", "3"}, 0,
			[]string{"0      1", "1      0", "2      1"}, ""},
		{"hex address", []string{"read", tcpURL, "--unit", "2", "--table", "input", "--address", "0x0a"}, 0,
			[]string{"10        7  0x0007"}, ""},
		{"rtu on a pty", []string{"read", rtuURL, "--unit", "5", "--table", "input", "--count", "2"}, 0,
			[]string{"230", "231"}, ""},
		{"illegal address", []string{"read", tcpURL, "--unit", "1", "--address", "100"}, 1, nil,
			`exception 02 illegal data address`},
		{"absent unit behind gateway", []string{"read", tcpURL, "--unit", "9"}, 1, nil,
			`exception 0B gateway target device failed to respond`},
		{"silent rtu unit", []string{"read", rtuURL, "--unit", "7", "--timeout", "120ms"}, 1, nil,
			`unit 7 did not answer within 120 ms \(9600 8N1\)`},
		{"broadcast refused", []string{"read", tcpURL, "--unit", "0"}, 2, nil, `unit 0 is broadcast`},
		{"bad table", []string{"read", tcpURL, "--table", "bogus"}, 2, nil, `--table "bogus"`},
		{"count too big", []string{"read", tcpURL, "--count", "126"}, 2, nil, `count 126 out of range 1..125`},
		{"bad URL", []string{"read", "ftp://x"}, 2, nil, `unknown scheme|scheme`},
		{"refused connection", []string{"read", "tcp://127.0.0.1:1"}, 1, nil, `connect`},
		{"missing serial port", []string{"read", "rtu:///dev/ttyNOPE0"}, 1, nil, `/dev/ttyNOPE0`},
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
			if tc.stderrLike != "" && !regexp.MustCompile(tc.stderrLike).MatchString(errOut) {
				t.Errorf("stderr %q does not match %q", errOut, tc.stderrLike)
			}
			if strings.Contains(errOut, "panic") || strings.Contains(errOut, "goroutine ") {
				t.Errorf("stderr shows a panic:\n%s", errOut)
			}
		})
	}
}

func TestReadJSONAndTrace(t *testing.T) {
	tcpURL, _ := testPlant(t)
	code, out, errOut := runCLI(t, context.Background(), "read", tcpURL, "--unit", "1", "--count", "4", "--json", "--trace")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got readResult
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, out)
	}
	if want := []uint16{11, 22, 33, 0xBEEF}; !slices.Equal(got.Values, want) || got.SchemaVersion != schemaVersion || got.Unit != 1 {
		t.Errorf("got %+v, want values %v", got, want)
	}
	// One request (MBAP header + 03 00 00 00 04) and its reply.
	tx := regexp.MustCompile(`(?m)^\d\d:\d\d:\d\d\.\d{6} TX 00 01 00 00 00 06 01 03 00 00 00 04`)
	rx := regexp.MustCompile(`(?m)^\d\d:\d\d:\d\d\.\d{6} RX 00 01 00 00 00 0B 01 03 08 00 0B 00 16 00 21 BE EF`)
	if !tx.MatchString(errOut) || !rx.MatchString(errOut) {
		t.Errorf("trace lacks the TX/RX frames:\n%s", errOut)
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := runCLI(t, context.Background(), "version")
	if code != 0 || !regexp.MustCompile(`^busprobe \S+ commit \S+`).MatchString(out) {
		t.Errorf("version: exit %d, %q", code, out)
	}
}

func TestSimulateServesYAMLUntilInterrupted(t *testing.T) {
	plant := filepath.Join(t.TempDir(), "plant.yaml")
	yaml := `name: yaml plant
buses:
  - name: gw
    kind: tcp
    listen: 127.0.0.1:0
    devices:
      - unit: 4
        holding_registers:
          - address: 0
            values: [1234]
`
	if err := os.WriteFile(plant, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"simulate", plant, "--json"}, strings.NewReader(""), &out, &errOut) }()
	var eps []endpointJSON
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) && json.Unmarshal([]byte(out.String()), &eps) != nil {
		time.Sleep(20 * time.Millisecond)
	}
	if len(eps) != 1 || eps[0].Bus != "gw" || len(eps[0].Units) != 1 || eps[0].Units[0] != 4 {
		t.Fatalf("endpoints %+v (stdout %q, stderr %q)", eps, out.String(), errOut.String())
	}
	code, got, errs := runCLI(t, ctx, "read", eps[0].URL, "--unit", "4", "--json")
	if code != 0 || !strings.Contains(got, "1234") {
		t.Fatalf("read the simulated plant: exit %d %s %s", code, got, errs)
	}
	cancel()
	select {
	case code := <-done:
		if code != exitOK && code != exitInterrupted {
			t.Errorf("simulate exit %d after interrupt", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("simulate did not stop after interrupt")
	}
}

func TestSimulateBadYAML(t *testing.T) {
	plant := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(plant, []byte("buses:\n  - name: gw\n    kind: tcp\n    bogus_key: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCLI(t, context.Background(), "simulate", plant)
	if code != exitError || !strings.Contains(errOut, "bad.yaml:4") {
		t.Errorf("exit %d, stderr %q: want exit 1 naming bad.yaml:4", code, errOut)
	}
}

func TestDemoTour(t *testing.T) {
	code, out, errOut := runCLI(t, context.Background(), "demo", "--exit", "--listen", "127.0.0.1:0")
	if code != 0 {
		t.Fatalf("demo exit %d: %s", code, errOut)
	}
	// Six units answer with a decoded reading of their profile: three
	// behind the TCP gateway, three on the pty.
	rows := regexp.MustCompile(`(?m)^(tcp|rtu)://\S+\s+\d+\s+\S.*\s[a-z-0-9]+-[a-z0-9-]+\s+[a-z_0-9]+ = -?\d`).FindAllString(out, -1)
	if len(rows) != 6 {
		t.Errorf("demo tour shows %d answering units, want 6:\n%s", len(rows), out)
	}
	for _, want := range []string{"Eastron", "eastron-sdm630", "voltage_l1 = 2", "sht20-xy-md02", "(no FC43)", "schneider-atv320"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo tour lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(out, "busprobe read 'rtu://") || !strings.Contains(out, "mbpoll -m tcp") || !strings.Contains(out, "--profile eastron-sdm630") {
		t.Errorf("demo does not print commands to try:\n%s", out)
	}
}

func TestExamplePlantServes(t *testing.T) {
	p, err := sim.LoadPlant(filepath.Join("..", "..", "examples", "plant.yaml"))
	if err != nil {
		t.Fatalf("examples/plant.yaml: %v", err)
	}
	for i := range p.Buses { // the example's fixed port may be taken here
		if p.Buses[i].Kind == sim.BusTCP {
			p.Buses[i].Listen = "127.0.0.1:0"
		}
	}
	running, err := sim.Start(context.Background(), *p)
	if err != nil {
		t.Fatalf("start the example plant: %v", err)
	}
	defer running.Close()
	gw, _ := running.Endpoint("gw")
	code, out, errOut := runCLI(t, context.Background(), "read", gw.URL, "--unit", "1", "--address", "0", "--count", "1", "--json")
	if code != 0 || !strings.Contains(out, "100") {
		t.Errorf("read the example plant: exit %d %s %s", code, out, errOut)
	}
}
