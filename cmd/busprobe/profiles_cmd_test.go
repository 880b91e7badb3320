package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/busprobe/busprobe/profiles"
	"github.com/busprobe/busprobe/sim"
)

// myProfile is a valid user profile.
const myProfile = `id: acme-pump
vendor: Acme
model: P-1
aliases: [pump]
source: {title: Acme P-1 manual, version: "2"}
defaults: {table: holding}
points:
  - {name: speed, address: "40001", type: u16, unit: rpm}
  - {name: temp, address: "40003", type: i16, scale: 0.1, unit: degC}
`

// badProfile has problems at known lines.
const badProfile = `id: Bad_ID
vendor: Acme
model: P-2
source: {title: t, version: "1"}
points:
  - {name: a, address: 0, type: u17}
  - {name: b, address: 0, type: u16}
  - {name: b, address: 5, type: u16}
  - {name: c, address: 9, type: u16, bogus: 1}
`

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// cliCase is one in-process run of the CLI and what it must print.
type cliCase struct {
	name   string
	args   []string
	code   int
	stdout []string // substrings or, starting with ~, regexps
	stderr []string
}

func (tc cliCase) run(t *testing.T) string {
	t.Helper()
	code, out, errOut := runCLI(t, context.Background(), tc.args...)
	if code != tc.code {
		t.Fatalf("%v: exit %d, want %d\nstdout: %s\nstderr: %s", tc.args, code, tc.code, out, errOut)
	}
	match := func(what, text string, wants []string) {
		for _, w := range wants {
			ok := strings.Contains(text, w)
			if strings.HasPrefix(w, "~") {
				ok = regexp.MustCompile(w[1:]).MatchString(text)
			}
			if !ok {
				t.Errorf("%v: %s lacks %q:\n%s", tc.args, what, w, text)
			}
		}
	}
	match("stdout", out, tc.stdout)
	match("stderr", errOut, tc.stderr)
	if strings.Contains(errOut, "panic") {
		t.Errorf("panic:\n%s", errOut)
	}
	return out
}

func TestProfilesCommands(t *testing.T) {
	mine, broken := t.TempDir(), t.TempDir()
	writeFile(t, mine, "acme.yaml", myProfile)
	writeFile(t, broken, "acme.yaml", myProfile)
	bad := writeFile(t, broken, "bad.yaml", badProfile)
	good := filepath.Join(mine, "acme.yaml")
	tests := []cliCase{
		{name: "list", args: []string{"profiles", "list"}, stdout: []string{
			"~ID +VENDOR +MODEL +POINTS +FROM", "~eastron-sdm630 +Eastron +SDM630-Modbus V2 +54 +embedded"}},
		{name: "list with a folder", args: []string{"profiles", "list", "--profiles", mine},
			stdout: []string{"~acme-pump +Acme +P-1 +2 +" + regexp.QuoteMeta(good)}},
		{name: "list with a broken profile warns", args: []string{"profiles", "list", "--profiles", broken},
			stdout: []string{"acme-pump"}, stderr: []string{"warning: ", "bad.yaml:1:5: id: "}},
		{name: "list a missing folder", args: []string{"profiles", "list", "--profiles", "/nonexistent/x"}, code: 1,
			stderr: []string{"busprobe: profiles folder /nonexistent/x: no such file or directory"}},
		{name: "show", args: []string{"profiles", "show", "sdm630"}, stdout: []string{
			"eastron-sdm630: Eastron SDM630-Modbus V2", "limits:   80 registers, 2000 bits per request; holes: -",
			"identify: voltage_l1 in 90..270; frequency in 45..65",
			"~NAME +TABLE +ADDRESS +REGISTER +TYPE +ORDER +SCALE +UNIT +ACCESS",
			"~voltage_l1 +input +0..1 +30001 +f32 +ABCD +- +V +r\n",
			"~network_node +holding +20..21 +40021 +f32 +ABCD +- +- +rw\n"}},
		{name: "show scale", args: []string{"profiles", "show", "pump", "--profiles", mine}, stdout: []string{
			"~temp +holding +2 +40003 +i16 +ABCD +0.1 +degC +r"}},
		{name: "show unknown", args: []string{"profiles", "show", "nope"}, code: 1, stderr: []string{`profile "nope" not found`}},
		{name: "validate good", args: []string{"profiles", "validate", good}, stdout: []string{"ok " + good + " (acme-pump, 2 points)"}},
		{name: "validate bad", args: []string{"profiles", "validate", good, bad}, code: 1, stdout: []string{
			"ok " + good, bad + ":1:5: id: ", bad + ":6:33: points[0].type: unknown type \"u17\"",
			bad + ":8:12: points[2].name: duplicate point name \"b\" (first at line 7)",
			bad + ":9:38: points[3].bogus: unknown key"},
			stderr: []string{"problems in 1 of 2 files"}},
		{name: "validate missing", args: []string{"profiles", "validate", "/nonexistent.yaml"}, code: 1,
			stdout: []string{"/nonexistent.yaml: no such file"}},
		{name: "validate needs a file", args: []string{"profiles", "validate"}, code: 1, stderr: []string{"requires at least 1 arg"}},
		{name: "plan", args: []string{"profiles", "plan", "eastron-sdm630"}, stdout: []string{
			"5 requests for 54 points", "~1 +input +0\\.\\.79 \\(30001\\.\\.30080\\) +80 +voltage_l1 voltage_l2 ",
			"~5 +holding +2\\.\\.29 \\(40003\\.\\.40030\\) +28 +demand_period system_type"}},
		{name: "plan some points", args: []string{"profiles", "plan", "sdm630", "--points", "frequency,voltage_l1"}, stdout: []string{
			"1 request for 2 points, 72 registers read", "~1 +input +0\\.\\.71 \\(30001\\.\\.30072\\) +72 +voltage_l1 frequency"}},
		{name: "plan unknown point", args: []string{"profiles", "plan", "sdm630", "--points", "nope"}, code: 2,
			stderr: []string{`has no point "nope"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t) })
	}
}

func TestProfilesEnvAndJSON(t *testing.T) {
	mine := t.TempDir()
	writeFile(t, mine, "acme.yaml", myProfile)
	t.Setenv(profiles.EnvProfiles, "/nonexistent-is-not-listed:"+mine)
	// A missing folder in the variable is an error too.
	cliCase{args: []string{"profiles", "list"}, code: 1, stderr: []string{"profiles folder /nonexistent-is-not-listed: "}}.run(t)
	t.Setenv(profiles.EnvProfiles, mine)
	out := cliCase{args: []string{"profiles", "list", "--json"}}.run(t)
	var list []profileSummary
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("list --json: %v\n%s", err, out)
	}
	ids := map[string]profileSummary{}
	for _, p := range list {
		ids[p.ID] = p
	}
	if p := ids["eastron-sdm630"]; len(list) < 13 || p.Vendor != "Eastron" || p.Points != 54 || !p.Embedded ||
		len(p.Aliases) == 0 || p.Source.Title == "" {
		t.Errorf("list --json: %d profiles, sdm630 %+v", len(list), p)
	}
	if p := ids["acme-pump"]; p.Model != "P-1" || p.Embedded {
		t.Errorf("acme-pump from BUSPROBE_PROFILES: %+v", p)
	}
	out = cliCase{args: []string{"profiles", "show", "eastron-sdm630", "--json"}}.run(t)
	var d profileSummary
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.PointList) != 54 || d.PointList[0].Notation != "30001" || d.Limits.MaxRegisters != 80 ||
		d.PointList[0].Range == nil || d.PointList[0].Range[1] != 300 {
		t.Errorf("show --json: %+v", d)
	}
	out = cliCase{args: []string{"profiles", "plan", "acme-pump", "--json"}}.run(t)
	var pj planJSON
	if err := json.Unmarshal([]byte(out), &pj); err != nil || len(pj.Requests) != 1 || pj.Requests[0].Notation != "40001" ||
		pj.Requests[0].Count != 3 || strings.Join(pj.Requests[0].Points, ",") != "speed,temp" {
		t.Errorf("plan --json: %+v %v", pj, err)
	}
}

// TestProfilesValidateLibrary validates the embedded library's files.
func TestProfilesValidateLibrary(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "profiles", "library", "*.yaml"))
	if len(files) < 12 {
		t.Fatalf("%d library files", len(files))
	}
	out := cliCase{args: append([]string{"profiles", "validate"}, files...)}.run(t)
	if n := strings.Count(out, "ok "); n != len(files) {
		t.Errorf("%d ok lines for %d files:\n%s", n, len(files), out)
	}
}

// meterPlant serves a simulated SDM630 (unit 1) whose registers hold
// voltage_l1 230.5 V, frequency 50 Hz, power_total -1234.5 W and every
// other point its index + 0.5; holes are added to the device.
func meterPlant(t *testing.T, holes ...sim.Hole) string {
	t.Helper()
	lib, _ := profiles.Embedded()
	p, err := lib.Get("eastron-sdm630")
	if err != nil {
		t.Fatal(err)
	}
	special := map[string]float64{"voltage_l1": 230.5, "frequency": 50, "power_total": -1234.5}
	blocks := map[profiles.Table]*sim.RegBlock{}
	for i := range p.Points {
		pt := &p.Points[i]
		v, ok := special[pt.Name]
		if !ok {
			v = float64(i) + 0.5
		}
		regs, err := pt.Encode(v, nil)
		if err != nil {
			t.Fatal(err)
		}
		b := blocks[pt.Table]
		if b == nil {
			b = &sim.RegBlock{Address: 0}
			blocks[pt.Table] = b
		}
		for len(b.Values) < pt.End() {
			b.Values = append(b.Values, 0)
		}
		for j, r := range regs {
			b.Values[int(pt.Address)+j] = int(r)
		}
	}
	dev := sim.DeviceConfig{Unit: 1, InputRegisters: []sim.RegBlock{*blocks[profiles.TableInput]},
		HoldingRegisters: []sim.RegBlock{*blocks[profiles.TableHolding]}, Holes: holes}
	running, err := sim.Start(context.Background(), sim.Plant{Name: "meter", Buses: []sim.Bus{
		{Name: "gw", Kind: sim.BusTCP, Listen: "127.0.0.1:0", Devices: []sim.DeviceConfig{dev}}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = running.Close() })
	ep, _ := running.Endpoint("gw")
	return ep.URL
}

func TestReadProfile(t *testing.T) {
	url := meterPlant(t)
	holey := meterPlant(t, sim.Hole{Table: sim.TableInput, Address: 70, Count: 2})
	tests := []cliCase{
		{name: "all points", args: []string{"read", url, "--profile", "eastron-sdm630"}, stdout: []string{
			"~NAME +VALUE +RAW", "~voltage_l1 +230.5 V +4366 8000\n", "~frequency +50 Hz +4248 0000\n",
			"~power_total +-1234.5 W +C49A 5000\n"},
			stderr: []string{"eastron-sdm630 (Eastron SDM630-Modbus V2), unit 1 at tcp://", "54 of 54 points in 5 request(s)"}},
		{name: "some points by alias", args: []string{"read", url, "--profile", "SDM630", "--points", "frequency,voltage_l1"},
			stdout: []string{"~^NAME +VALUE +RAW\nvoltage_l1 +230.5 V +4366 8000\nfrequency +50 Hz +4248 0000\n$"}},
		{name: "partial", args: []string{"read", holey, "--profile", "eastron-sdm630", "--points", "voltage_l1,frequency"}, code: 4,
			stdout: []string{"~voltage_l1 +230.5 V", "~frequency +error: read input 70..71: exception 02 illegal data address"},
			stderr: []string{"raised exception 02: read its 2 points in runs of adjacent points", "1 of 2 points failed"}},
		{name: "none", args: []string{"read", url, "--unit", "9", "--profile", "eastron-sdm630", "--points", "frequency"}, code: 1,
			stdout: []string{"~frequency +error: .*exception 0B"}, stderr: []string{"exception 0B"}},
		{name: "points need a profile", args: []string{"read", url, "--points", "a"}, code: 2, stderr: []string{"--points needs --profile"}},
		{name: "table with a profile", args: []string{"read", url, "--profile", "sdm630", "--count", "3"}, code: 2,
			stderr: []string{"--count does not go with --profile"}},
		{name: "unknown profile", args: []string{"read", url, "--profile", "nope"}, code: 1, stderr: []string{`profile "nope" not found`}},
		{name: "unknown point", args: []string{"read", url, "--profile", "sdm630", "--points", "nope"}, code: 2,
			stderr: []string{`has no point "nope"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t) })
	}
}

func TestReadProfileJSON(t *testing.T) {
	holey := meterPlant(t, sim.Hole{Table: sim.TableInput, Address: 70, Count: 2})
	out := cliCase{args: []string{"read", holey, "--profile", "eastron-sdm630", "--json"}, code: 4}.run(t)
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if got["schema_version"] != 1.0 || got["profile"] != "eastron-sdm630" || got["unit"] != 1.0 ||
		!strings.HasPrefix(got["url"].(string), "tcp://") || got["requests"].(float64) < 5 {
		t.Errorf("document: %v", got)
	}
	pts := map[string]map[string]any{}
	for _, p := range got["points"].([]any) {
		m := p.(map[string]any)
		pts[m["name"].(string)] = m
	}
	v := pts["voltage_l1"]
	if len(pts) != 54 || v["value"] != 230.5 || v["unit"] != "V" || v["display"] != "230.5 V" ||
		len(v["raw"].([]any)) != 2 || v["raw"].([]any)[0] != float64(0x4366) || v["error"] != nil {
		t.Errorf("voltage_l1: %v", v)
	}
	if f := pts["frequency"]; f["value"] != nil || !strings.Contains(f["error"].(string), "exception 02") || f["raw"] != nil {
		t.Errorf("frequency: %v", f)
	}
}
