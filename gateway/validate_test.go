package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// minimalYAML is a small valid config; the error cases edit it.
const minimalYAML = `schema_version: 1
generator: test
buses:
  - name: gw
    kind: tcp
    tcp: {host: 127.0.0.1, port: 502, framing: mbap}
devices:
  - name: meter
    bus: gw
    unit: 1
    poll_interval: 10s
    workarounds: {max_registers: 10, holes: [{table: input, address: 20, count: 2}]}
    points:
      - {name: v, table: input, address: 0, type: f32, byte_order: CDAB, unit: V, access: r}
      - {name: w, table: input, address: 4, type: i16, scale_factor: w_sf}
      - {name: w_sf, table: input, address: 5, type: sunssf}
    plan:
      - {table: input, address: 0, count: 6, points: [v, w, w_sf]}
`

func TestValidateOK(t *testing.T) {
	c, err := Parse("ok.yaml", []byte(minimalYAML))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Devices) != 1 || len(c.Devices[0].Points) != 3 || c.Devices[0].PollInterval.D().Seconds() != 10 {
		t.Errorf("decoded %+v", c)
	}
	plan, err := c.Devices[0].ReadPlan()
	if err != nil || !reflect.DeepEqual(plan, c.Devices[0].Plan) {
		t.Errorf("replanned %+v (%v), file says %+v", plan, err, c.Devices[0].Plan)
	}
}

func TestValidateErrors(t *testing.T) {
	tests := []struct {
		name string
		old  string // replaced in minimalYAML
		new  string
		want []string // "line:col: substring"
	}{
		{"unknown key", "generator: test", "generatr: test", []string{"2:1: generatr: unknown key"}},
		{"bad enum", "framing: mbap", "framing: rtu", []string{`6:48: buses[0].tcp.framing: "rtu" is not one of mbap, rtuovertcp`}},
		{"port range", "port: 502", "port: 70000", []string{"6:34: buses[0].tcp.port: 70000 out of range 1..65535"}},
		{"missing required", "    unit: 1\n", "", []string{`8:5: devices[0]: missing required key "unit"`}},
		{"unknown bus", "bus: gw", "bus: gx", []string{`devices[0].bus: no bus named "gx"`}},
		{"sf cross ref", "scale_factor: w_sf", "scale_factor: w_sg", []string{`15:70: point w: scale_factor "w_sg" names no point`}},
		{"bad type", "type: f32", "type: float", []string{`14:51: devices[0].points[0].type: "float" is not one of`}},
		{"bad duration", "poll_interval: 10s", "poll_interval: soon", []string{`11:20: devices[0].poll_interval: "soon" is not a duration`}},
		{"hole in plan", "address: 20, count: 2", "address: 5, count: 2",
			[]string{"point lies in the hole", "reads the hole"}},
		{"count over limit", "count: 6", "count: 60", []string{"18:43: devices[0].plan[0].count: 60 out of range 1..10"}},
		{"point not planned", "points: [v, w, w_sf]", "points: [v, w]", []string{"point w_sf is read by no request"}},
		{"two errors at once", "unit: 1", "unit: 0\n    bogus: 1", []string{"devices[0].unit: 0 out of range", "devices[0].bogus: unknown key"}},
		{"yaml syntax", "kind: tcp", "kind: [tcp", []string{"YAML syntax"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := strings.Replace(minimalYAML, tc.old, tc.new, 1)
			if src == minimalYAML {
				t.Fatalf("edit %q not found", tc.old)
			}
			_, err := Parse("bad.yaml", []byte(src))
			var ves ValidationErrors
			if !errors.As(err, &ves) {
				t.Fatalf("err = %v, want ValidationErrors", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("errors lack %q:\n%v", w, err)
				}
			}
			for _, e := range ves {
				if e.Line < 1 || e.Column < 1 || e.File != "bad.yaml" {
					t.Errorf("unlocated error %+v", e)
				}
			}
		})
	}
}

// TestValidateJSONPositions checks that JSON errors get line:col from the
// decoder's offsets.
func TestValidateJSONPositions(t *testing.T) {
	src := "{\n  \"schema_version\": 1,\n  \"buses\": [],\n  \"devices\": [\n    {\"name\": \"m\", \"bus\": \"nope\", \"unit\": 300, \"points\": []}\n  ],\n  \"extra\": true\n}\n"
	_, err := Parse("c.json", []byte(src))
	if err == nil {
		t.Fatal("no error")
	}
	for _, w := range []string{
		`c.json:5:26: devices[0].bus: no bus named "nope"`,
		`c.json:5:42: devices[0].unit: 300 out of range 1..255`,
		`c.json:7:3: extra: unknown key "extra"`,
	} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("errors lack %q:\n%v", w, err)
		}
	}
	_, err = Parse("s.json", []byte("{\n  \"buses\": [1,\n}"))
	if err == nil || !strings.Contains(err.Error(), "s.json:3:") {
		t.Errorf("syntax error %v", err)
	}
}

// TestSchemaAgreesWithValidator keeps the embedded JSON Schema and the Go
// validator on the same key sets, required keys and enumerations, and the
// model's JSON tags on the same keys.
func TestSchemaAgreesWithValidator(t *testing.T) {
	var s struct {
		Required   []string                   `json:"required"`
		Properties map[string]json.RawMessage `json:"properties"`
		Defs       map[string]struct {
			Required   []string                   `json:"required"`
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"$defs"`
		Schema string `json:"$schema"`
	}
	if err := json.Unmarshal(Schema(), &s); err != nil {
		t.Fatal(err)
	}
	if s.Schema != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema %q", s.Schema)
	}
	keysOf := func(m map[string]json.RawMessage) []string {
		var k []string
		for x := range m {
			k = append(k, x)
		}
		slices.Sort(k)
		return k
	}
	sorted := func(x []string) []string { x = slices.Clone(x); slices.Sort(x); return x }
	models := map[string]any{"config": Config{}, "bus": Bus{}, "serial": Serial{}, "tcp": TCP{}, "device": Device{},
		"workarounds": Workarounds{}, "hole": Hole{}, "point": Point{}, "range": Range{}, "request": Request{}}
	for _, o := range objectSpecs() {
		props, req := s.Properties, s.Required
		if o.name != "config" {
			d, ok := s.Defs[o.name]
			if !ok {
				t.Errorf("schema lacks $defs/%s", o.name)
				continue
			}
			props, req = d.Properties, d.Required
		}
		if got, want := keysOf(props), sorted(o.keys); !slices.Equal(got, want) {
			t.Errorf("%s: schema keys %v, validator keys %v", o.name, got, want)
		}
		if got, want := sorted(req), sorted(o.required); !slices.Equal(got, want) {
			t.Errorf("%s: schema requires %v, validator %v", o.name, got, want)
		}
		var tags []string
		rt := reflect.TypeOf(models[o.name])
		for i := range rt.NumField() {
			tags = append(tags, strings.Split(rt.Field(i).Tag.Get("json"), ",")[0])
		}
		if got, want := sorted(tags), sorted(o.keys); !slices.Equal(got, want) {
			t.Errorf("%s: model JSON keys %v, validator keys %v", o.name, got, want)
		}
	}
	enums := map[string][]string{"table": tables()}
	for name, want := range enums {
		var d struct {
			Enum []string `json:"enum"`
		}
		raw, _ := json.Marshal(s.Defs[name])
		_ = raw
		b := bytes.NewReader(mustDef(t, name))
		if err := json.NewDecoder(b).Decode(&d); err != nil || !slices.Equal(d.Enum, want) {
			t.Errorf("$defs/%s enum %v, validator %v", name, d.Enum, want)
		}
	}
	pointEnums := map[string][]string{"type": typeNames(), "byte_order": byteOrders(), "string_order": stringOrders(), "access": accesses()}
	var pd struct {
		Properties map[string]struct {
			Enum []string `json:"enum"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(mustDef(t, "point"), &pd); err != nil {
		t.Fatal(err)
	}
	for k, want := range pointEnums {
		if got := pd.Properties[k].Enum; !slices.Equal(got, want) {
			t.Errorf("point.%s enum %v, validator %v", k, got, want)
		}
	}
}

// mustDef returns the raw JSON of a $defs entry.
func mustDef(t *testing.T, name string) []byte {
	t.Helper()
	var s struct {
		Defs map[string]json.RawMessage `json:"$defs"`
	}
	if err := json.Unmarshal(Schema(), &s); err != nil {
		t.Fatal(err)
	}
	return s.Defs[name]
}
