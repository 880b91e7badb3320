package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/busprobe/busprobe/probes"
	"github.com/busprobe/busprobe/profiles"
	"github.com/busprobe/busprobe/sim"
)

// watchPlant serves an SDM630 (unit 1) and a raw device (unit 2) behind a
// TCP gateway.
func watchPlant(t *testing.T) string {
	t.Helper()
	r, err := sim.Start(context.Background(), sim.Plant{Name: "watch test", Buses: []sim.Bus{
		{Name: "gw", Kind: sim.BusTCP, Listen: "127.0.0.1:0", Devices: []sim.DeviceConfig{
			{Unit: 1, Profile: "eastron-sdm630"},
			{Unit: 2, HoldingRegisters: []sim.RegBlock{{Address: 10, Values: []int{7, 8, 9}}}},
		}}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	ep, _ := r.Endpoint("gw")
	return ep.URL
}

func TestWatchCommand(t *testing.T) {
	url := watchPlant(t)
	ctx := context.Background()
	tests := []struct {
		name       string
		args       []string
		code       int
		stdout     string // regexp
		stderrLike string // regexp
	}{
		{"profile lines", []string{"watch", url, "--unit", "1", "--profile", "sdm630", "--points", "voltage_l1,frequency", "--samples", "3", "--interval", "10ms"}, 0,
			`(?m)^\d\d:\d\d:\d\d\.\d{3} #2  voltage_l1=2\d\d\.\d* V  frequency=\d\d\.\d* Hz  \(1 req, `, `3 polls in .*, 3 complete`},
		{"raw registers", []string{"watch", url, "--unit", "2", "--table", "holding", "--address", "10", "--count", "3", "--samples", "2", "--interval", "0"}, 0,
			`#1  holding_10=7  holding_11=8  holding_12=9`, `device: 2 requests, 0 timeouts`},
		{"absent unit", []string{"watch", url, "--unit", "9", "--table", "holding", "--samples", "2", "--interval", "0"}, 1,
			`gap: 2 polls failed \(seq 0\.\.1.*exception 0B`, `no point was ever read: .*exception 0B`},
		{"no what", []string{"watch", url}, 2, ``, `--profile ID, or --table`},
		{"both", []string{"watch", url, "--profile", "sdm630", "--table", "holding"}, 2, ``, `exclude each other`},
		{"points without profile", []string{"watch", url, "--table", "holding", "--points", "a"}, 2, ``, `--points needs --profile`},
		{"unknown point", []string{"watch", url, "--profile", "sdm630", "--points", "nope"}, 2, ``, `no point "nope"`},
		{"broadcast", []string{"watch", url, "--unit", "0", "--profile", "sdm630"}, 2, ``, `broadcast`},
		{"force without csv", []string{"watch", url, "--profile", "sdm630", "--force"}, 2, ``, `go with --csv`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, ctx, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, out, errOut)
			}
			if tc.stdout != "" && !regexp.MustCompile(tc.stdout).MatchString(out) {
				t.Errorf("stdout does not match %q:\n%s", tc.stdout, out)
			}
			if !regexp.MustCompile(tc.stderrLike).MatchString(errOut) {
				t.Errorf("stderr does not match %q:\n%s", tc.stderrLike, errOut)
			}
		})
	}
}

func TestWatchNDJSON(t *testing.T) {
	url := watchPlant(t)
	code, out, errOut := runCLI(t, context.Background(), "watch", url, "--unit", "1", "--profile", "sdm630",
		"--points", "voltage_l1,frequency", "--samples", "3", "--interval", "5ms", "--ndjson")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines, want 3 samples and a summary:\n%s", len(lines), out)
	}
	for i, l := range lines[:3] {
		var s sampleJSON
		if err := json.Unmarshal([]byte(l), &s); err != nil {
			t.Fatalf("line %d: %v\n%s", i, err, l)
		}
		v, ok := s.Values["voltage_l1"].(float64)
		if s.Type != "sample" || s.Seq != int64(i) || s.OK != 2 || !ok || v < 200 || v > 260 || s.Time.IsZero() {
			t.Errorf("line %d: %+v", i, s)
		}
		if s.Stats.Requests != int64(i+1) || s.Stats.P50MS <= 0 || !s.Line.Up {
			t.Errorf("line %d stats %+v line %+v", i, s.Stats, s.Line)
		}
	}
	var sum struct {
		Type    string          `json:"type"`
		Polls   int             `json:"polls"`
		Stats   json.RawMessage `json:"stats"`
		Learned json.RawMessage `json:"learned"`
	}
	if err := json.Unmarshal([]byte(lines[3]), &sum); err != nil || sum.Type != "summary" || sum.Polls != 3 {
		t.Errorf("summary %s: %+v %v", lines[3], sum, err)
	}
}

func TestWatchCSV(t *testing.T) {
	url := watchPlant(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "log.csv")
	args := []string{"watch", url, "--unit", "1", "--profile", "sdm630", "--points", "voltage_l1,frequency",
		"--samples", "3", "--interval", "5ms", "--csv", path}
	if code, _, errOut := runCLI(t, ctx, args...); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// An existing file is neither overwritten nor appended to silently.
	if code, _, errOut := runCLI(t, ctx, args...); code != 2 || !strings.Contains(errOut, "--append") {
		t.Fatalf("second run: exit %d, %s", code, errOut)
	}
	if code, _, errOut := runCLI(t, ctx, append(args, "--append")...); code != 0 {
		t.Fatalf("append: exit %d: %s", code, errOut)
	}
	rows := readCSV(t, path)
	if len(rows) != 7 {
		t.Fatalf("%d rows, want a header and 6 polls: %v", len(rows), rows)
	}
	if want := "time,seq,status,voltage_l1,frequency,error"; strings.Join(rows[0], ",") != want {
		t.Errorf("header %v, want %s", rows[0], want)
	}
	for _, r := range rows[1:] {
		if _, err := time.Parse(time.RFC3339Nano, r[0]); err != nil || r[2] != "ok" || r[3] == "" || r[4] == "" || r[5] != "" {
			t.Errorf("row %v", r)
		}
	}
	// Other columns: refused; --force starts over.
	other := []string{"watch", url, "--unit", "1", "--profile", "sdm630", "--points", "frequency", "--samples", "1", "--csv", path}
	if code, _, errOut := runCLI(t, ctx, append(other, "--append")...); code != 2 || !strings.Contains(errOut, "columns") {
		t.Errorf("append with other columns: exit %d, %s", code, errOut)
	}
	if code, _, errOut := runCLI(t, ctx, append(other, "--force")...); code != 0 {
		t.Fatalf("force: exit %d: %s", code, errOut)
	}
	if rows := readCSV(t, path); len(rows) != 2 || len(rows[0]) != 5 {
		t.Errorf("after --force: %v", rows)
	}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestWatchInterrupted stops an endless watch by cancelling its context,
// as Ctrl-C does: the summary is printed and the exit code is 0.
func TestWatchInterrupted(t *testing.T) {
	url := watchPlant(t)
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"watch", url, "--unit", "1", "--profile", "sdm630", "--points", "frequency", "--interval", "5ms"},
			strings.NewReader(""), &out, &errOut)
	}()
	for i := 0; i < 400 && strings.Count(out.String(), "\n") < 3; i++ {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 || !strings.Contains(errOut.String(), "watched eastron-sdm630 unit 1") {
			t.Errorf("exit %d, stderr %s", code, errOut.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("watch did not stop after cancel")
	}
}

// TestWatchRedraw renders the terminal table of a poll in which one point
// failed after an earlier good value: it shows stale with its age.
func TestWatchRedraw(t *testing.T) {
	p := probes.RawProfile(profiles.TableHolding, 0, 2)
	var out, errOut syncBuffer
	w := newWatchWriter(&env{stdout: &out, stderr: &errOut}, watchTarget{unit: 3, profile: p}, "tcp://x:502", false, nil)
	w.tty = true
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s := probes.Sample{Seq: 7, Time: now, Unit: 3, OK: 1, Points: []probes.PointSample{
		{Name: "holding_0", Point: &p.Points[0], Value: profilesValue("42")},
		{Name: "holding_1", Point: &p.Points[1], Value: profilesValue("7"), Err: errors.New("timeout"), Stale: true, Updated: now.Add(-1500 * time.Millisecond)},
	}}
	w.write(s)
	got := out.String()
	for _, want := range []string{"\033[H\033[2J", "raw  unit 3  tcp://x:502  poll #7", "holding_0  42     ok",
		"holding_1  7      stale 1.5s: timeout", "device: 0 requests"} {
		if !strings.Contains(got, want) {
			t.Errorf("redraw lacks %q:\n%s", want, got)
		}
	}
}

func profilesValue(display string) profiles.Value {
	return profiles.Value{Display: display, Implemented: true}
}
