package main

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/busprobe/busprobe/gateway"
	"github.com/busprobe/busprobe/probes"
	"github.com/goccy/go-yaml"
)

// TestExportEdgeXHomeAssistant exports the demo plant's SDM630 and ADAM
// for EdgeX and Home Assistant and parses the files back.
func TestExportEdgeXHomeAssistant(t *testing.T) {
	url := exportPlant(t)
	dir := t.TempDir()
	scan := writeScanFile(t, dir, probes.Device{URL: url, Unit: 1, Profile: "eastron-sdm630"},
		probes.Device{URL: url, Unit: 2, Profile: "advantech-adam-6024"})
	ctx := context.Background()

	ha := filepath.Join(dir, "ha.yaml")
	if code, _, stderr := runCLI(t, ctx, "export", "--scan", scan, "--format", "homeassistant", "-o", ha, "--verify"); code != 0 {
		t.Fatalf("homeassistant: exit %d: %s", code, stderr)
	}
	var hc gateway.HAConfig
	mustYAML(t, ha, &hc)
	if len(hc.Modbus) != 1 || hc.Modbus[0].Type != "tcp" || hc.Modbus[0].Host != "127.0.0.1" {
		t.Fatalf("hubs = %+v", hc.Modbus)
	}
	sensors := map[string]gateway.HASensor{}
	for _, s := range hc.Modbus[0].Sensors {
		sensors[s.UniqueID] = s
	}
	tests := []struct {
		id, input, typ string
		addr           int
	}{
		{"eastron_sdm630_u1_voltage_l1", "input", "float32", 0},
		{"eastron_sdm630_u1_frequency", "input", "float32", 70},
		{"eastron_sdm630_u1_current_l3", "input", "float32", 10},
	}
	for _, tc := range tests {
		s, ok := sensors[tc.id]
		if !ok || s.Slave != 1 || s.Address != tc.addr || s.InputType != tc.input || s.DataType != tc.typ || s.Swap != "" || s.ScanInterval != 10 {
			t.Errorf("%s = %+v (found %v)", tc.id, s, ok)
		}
	}
	if len(hc.Modbus[0].BinarySensors) == 0 || hc.Modbus[0].BinarySensors[0].InputType != "coil" {
		t.Errorf("binary sensors = %+v", hc.Modbus[0].BinarySensors)
	}

	edx := filepath.Join(dir, "edgex")
	if code, _, stderr := runCLI(t, ctx, "export", "--scan", scan, "--format", "edgex", "-o", edx); code != 0 {
		t.Fatalf("edgex: exit %d: %s", code, stderr)
	}
	var prof map[string]any
	mustYAML(t, filepath.Join(edx, "profiles", "busprobe-eastron-sdm630.yaml"), &prof)
	res := map[string]map[string]any{}
	for _, r := range prof["deviceResources"].([]any) {
		m := r.(map[string]any)
		res[m["name"].(string)] = m
	}
	v := res["frequency"]
	attrs, props := v["attributes"].(map[string]any), v["properties"].(map[string]any)
	if attrs["primaryTable"] != "INPUT_REGISTERS" || toInt(attrs["startingAddress"]) != 70 || props["valueType"] != "Float32" || props["readWrite"] != "R" || props["units"] != "Hz" {
		t.Errorf("frequency = %v", v)
	}
	var devs gateway.EdgeXDevices
	mustYAML(t, filepath.Join(edx, "devices", "busprobe-devices.yaml"), &devs)
	if len(devs.DeviceList) != 2 || devs.DeviceList[0].ProfileName != "busprobe-eastron-sdm630" ||
		toInt(devs.DeviceList[0].Protocols["modbus-tcp"]["UnitID"]) != 1 || devs.DeviceList[0].AutoEvents[0].SourceName != "Readings" {
		t.Errorf("devices = %+v", devs)
	}
	// a second export refuses to overwrite any of the files
	if code, _, stderr := runCLI(t, ctx, "export", "--scan", scan, "--format", "edgex", "-o", edx); code != exitError || !strings.Contains(stderr, "refusing") {
		t.Errorf("edgex overwrite: exit %d: %s", code, stderr)
	}
}

func toInt(v any) int {
	switch x := v.(type) {
	case uint64:
		return int(x)
	case int64:
		return int(x)
	case int:
		return x
	case float64:
		return int(x)
	}
	return -1
}

func mustYAML(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// TestImportTelegrafRoundTrip: import a classic register-style config,
// export it as Telegraf (request style), import that: identical configs.
func TestImportTelegrafRoundTrip(t *testing.T) {
	dir := t.TempDir()
	classic := `# an existing Telegraf config
[[inputs.modbus]]
  name = "Meter"
  slave_id = 3
  controller = "file:///dev/ttyUSB0"
  baud_rate = 19200
  parity = "E"
  interval = "5s"
  coils = [ { name = "relay", address = [1] } ]
  input_registers = [
    { name = "Voltage L1", byte_order = "ABCD", data_type = "FLOAT32-IEEE", scale = 1.0, address = [0, 1] },
    { name = "energy", byte_order = "CDAB", data_type = "UINT32", scale = 0.01, address = [10, 11] },
    { name = "temp", byte_order = "BA", data_type = "FIXED", scale = 0.1, address = [20] },
  ]
[[inputs.modbus]]
  name = "gw"
  controller = "tcp://10.0.0.5:502"
  configuration_type = "request"
  [[inputs.modbus.request]]
    slave_id = 7
    register = "holding"
    byte_order = "DCBA"
    fields = [
      { address = 0, name = "power", type = "INT32", scale = 0.5 },
      { address = 4, name = "serial", type = "UINT64" },
    ]
  [[inputs.modbus.request]]
    slave_id = 7
    register = "holding"
    fields = [ { address = 9, name = "alarm", type = "BIT", bit = 3 }, { address = 10, name = "model", type = "STRING", length = 4 } ]
  [inputs.modbus.workarounds]
    pause_between_requests = "20ms"
`
	src := filepath.Join(dir, "telegraf.conf")
	if err := os.WriteFile(src, []byte(classic), 0o644); err != nil {
		t.Fatal(err)
	}
	first, err := gateway.ImportTelegraf("g", src, []byte(classic))
	if err != nil {
		t.Fatal(err)
	}
	d0 := first.Config.Devices[0]
	if d0.Name != "meter_u3" || d0.Unit != 3 || len(d0.Points) != 4 || d0.PollInterval.D().String() != "5s" {
		t.Errorf("device 0 = %+v", d0)
	}
	if p, _ := d0.Point("voltage_l1"); p == nil || p.Type != "f32" || p.Table != "input" {
		t.Errorf("voltage_l1 = %+v", p)
	}
	if p, _ := d0.Point("temp"); p == nil || p.Type != "i16" || p.ByteOrder != "BADC" || p.Scale != 0.1 {
		t.Errorf("temp = %+v", p)
	}
	if d1 := first.Config.Devices[1]; d1.Workarounds.Pause.D().String() != "20ms" || len(d1.Points) != 4 {
		t.Errorf("device 1 = %+v", d1)
	}
	var buf strings.Builder
	if _, err := gateway.WriteTelegraf(&buf, first.Config); err != nil {
		t.Fatal(err)
	}
	second, err := gateway.ImportTelegraf("g", "export.toml", []byte(buf.String()))
	if err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	if !reflect.DeepEqual(first.Config, second.Config) {
		t.Errorf("round trip differs:\nfirst  %+v\nsecond %+v\n%s", first.Config, second.Config, buf.String())
	}
	for i := range first.Profiles {
		if !reflect.DeepEqual(first.Profiles[i].Profile.Points, second.Profiles[i].Profile.Points) {
			t.Errorf("profile %s differs", first.Profiles[i].ID)
		}
	}

	// the command writes the profiles and a valid native config
	out := filepath.Join(dir, "out")
	ctx := context.Background()
	if code, _, stderr := runCLI(t, ctx, "import", "telegraf", src, "-o", out); code != 0 {
		t.Fatalf("import: exit %d: %s", code, stderr)
	}
	if code, stdout, _ := runCLI(t, ctx, "validate", filepath.Join(out, "gateway.yaml")); code != 0 || !strings.Contains(stdout, "ok (2 buses, 2 devices, 8 points)") {
		t.Errorf("validate: exit %d: %s", code, stdout)
	}
	if code, _, stderr := runCLI(t, ctx, "profiles", "show", "--profiles", filepath.Join(out, "profiles"), "telegraf-meter-u3"); code != 0 {
		t.Errorf("profiles show: exit %d: %s", code, stderr)
	}
	if code, _, stderr := runCLI(t, ctx, "import", "telegraf", src, "-o", out); code != exitError || !strings.Contains(stderr, "refusing") {
		t.Errorf("re-import without --force: exit %d: %s", code, stderr)
	}
}

func TestImportTelegrafErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"no modbus", "[[inputs.cpu]]\n", "c.toml:1: no [[inputs.modbus]]"},
		{"syntax", "[[inputs.modbus]]\nname = \n", "c.toml:2:8: expected a value"},
		{"bad type", "[[inputs.modbus]]\ncontroller = \"tcp://h:502\"\nconfiguration_type = \"request\"\n[[inputs.modbus.request]]\nslave_id = 1\nfields = [{address = 0, name = \"x\", type = \"FLOAT16\"}]\n", "c.toml:6: field x: type \"FLOAT16\""},
		{"bad controller", "[[inputs.modbus]]\ncontroller = \"udp://h:1\"\n", "c.toml:2: controller"},
		{"metric style", "[[inputs.modbus]]\ncontroller = \"tcp://h:502\"\nconfiguration_type = \"metric\"\n", "c.toml:3: configuration_type \"metric\""},
		{"gap in address", "[[inputs.modbus]]\ncontroller = \"tcp://h:502\"\nslave_id = 1\nholding_registers = [\n {name = \"a\", data_type = \"INT32\", address = [0, 2]},\n]\n", "c.toml:5: field a: address must list consecutive"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := gateway.ImportTelegraf("g", "c.toml", []byte(tc.src))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}
