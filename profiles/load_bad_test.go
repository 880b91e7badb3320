package profiles

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadBad checks that broken profiles report every error at once, each
// with its exact line, column, path and message.
func TestLoadBad(t *testing.T) {
	tests := []struct {
		file string
		want []string // "line:col: path: msg"
	}{
		{"syntax.yaml", []string{
			`5:3: YAML syntax: ',' or '}' must be specified`,
		}},
		{"keys.yaml", []string{
			`1:1: missing required key "model"`,
			`1:5: id: "Bad_ID" must be lowercase vendor-model: letters a-z, digits and single hyphens, e.g. eastron-sdm630`,
			`3:1: colour: unknown key (want one of id, vendor, model, aliases, description, source, defaults, device, identify, points)`,
			`7:8: source.url: url "ftp://example.com/map.pdf" must start with https:// or http://`,
			`10:15: defaults.byte_order: unknown byte_order "ABDC" (want ABCD, CDAB, BADC or DCBA)`,
			`11:9: defaults.base: 2 out of range 0..1`,
			`13:18: device.max_registers: want an integer, got a string`,
			`14:10: device.pause: bad duration "5 minutes" (want e.g. 0ms, 50ms, 1s)`,
			`15:11: device.holes[0]: missing required key "count"`,
			"17:18: identify.fc43.vendor: bad regular expression: error parsing regexp: missing closing ): `(acme`",
			`17:27: identify.fc43.model: unknown key (want one of vendor, product)`,
			`19:31: identify.fingerprints[0].range: min 10 is greater than max 1`,
			`24:5: points[0].type: duplicate key`,
			`25:5: points[0].colour: unknown key (want one of name, label, table, address, type, byte_order, length, string_order, scale, offset, scale_factor, unit, access, enum, bits, bit, range, not_implemented, description)`,
			`26:46: points[1].access: unknown access "rwx" (want r, rw or w)`,
			`26:58: points[1].scale: scale must not be 0`,
		}},
		{"notation.yaml", []string{
			`7:27: points[0].address: address 0 is below 1 but the profile's base is 1 (document numbering)`,
			`8:28: points[1].address: "3001" is not Modbus notation: want 5 or 6 digits such as "30001" or "400001", or a plain number`,
			`9:26: points[2].address: "20001" is not Modbus notation: the first digit must name a table: 0 coil, 1 discrete, 3 input, 4 holding`,
			`10:29: points[3].address: "40000" is not Modbus notation: register number 0 out of range 1..9999 (the notation is 1-based)`,
			`11:26: points[4].table: table holding contradicts address "30001", which is in the input table`,
			`12:29: points[5].address: "0x10" is not Modbus notation: want 5 or 6 digits such as "30001" or "400001", or a plain number`,
			`13:26: points[6].address: address 70000 out of range (protocol addresses end at 65535)`,
			`14:28: points[7].address: want an address (number or "40001" notation), got a list`,
		}},
		{"points.yaml", []string{
			`8:30: points[1].address: points voltage (holding 0..1) and current (holding 1) overlap`,
			`9:12: points[2].name: duplicate point name "voltage" (first at line 7)`,
			`10:5: points[3]: type string needs length (registers, two characters each)`,
			`11:52: points[4].length: type bits takes length 1 or 2 (registers), got 3`,
			`12:50: points[5].type: type f32 cannot be in the coil table (coils and discrete inputs hold single bits: use bool)`,
			`13:49: points[6].range: min 100 is greater than max 0`,
			`14:57: points[7].scale_factor: scale_factor names no point "p_sf"`,
			`15:58: points[8].scale_factor: scale_factor "current" is a u16 point, want sunssf`,
			`16:42: points[9].enum: enum does not apply to type f32`,
			`17:53: points[10].byte_order: unknown byte_order "BE" (want ABCD, CDAB, BADC or DCBA)`,
			`18:27: points[11].address: address 65534 with 4 registers runs past 65535`,
			`19:12: points[12].name: point name "Bad-Name" must match [a-z][a-z0-9_]*`,
			`20:5: points[13]: type enum needs an enum map of values to names`,
			`22:28: points[15].address: points bit_a and bit_b both read bit 3 of holding register 100`,
			`23:61: points[16].access: access rw: the input table is read-only`,
			`24:44: points[17].length: length does not apply to type u32`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", "bad", tt.file)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			p, err := Load(path, data)
			if p != nil {
				t.Errorf("Load returned a profile with errors")
			}
			var ves ValidationErrors
			if !errors.As(err, &ves) {
				t.Fatalf("error %T %v, want ValidationErrors", err, err)
			}
			var got []string
			for _, e := range ves {
				if e.File != path {
					t.Errorf("error file %q, want %q", e.File, path)
				}
				got = append(got, strings.TrimPrefix(e.Error(), path+":"))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestLoadErrorsSmall covers single rules with inline documents.
func TestLoadErrorsSmall(t *testing.T) {
	head := "id: t\nvendor: v\nmodel: m\nsource: {title: t, version: \"1\"}\n"
	tests := []struct {
		name, body, want string
	}{
		{"empty", "", "1:1: empty file: no profile"},
		{"not a mapping", "- a\n- b\n", "1:1: want a mapping, got a list"},
		{"no points", head, `1:1: missing required key "points" (a profile needs points, or identify.sunspec_models)`},
		{"empty points", head + "points: []\n", "5:9: points: no points (a profile needs points, or identify.sunspec_models)"},
		{"two documents", head + "points: [{name: a, address: 0, type: u16}]\n---\nid: x\n", "7:1: a file holds one profile; found a second YAML document"},
		{"unknown alias", head + "points: [{name: a, address: *nope, type: u16}]\n", "5:29: points[0].address: alias *nope names no anchor defined before it"},
		{"merge key", head + "x: &x {type: u16}\npoints: [{<<: *x, name: a, address: 0}]\n", "5:1: x: unknown key (want one of id, vendor, model, aliases, description, source, defaults, device, identify, points)\n6:10: points[0]: missing required key \"type\"\n6:11: points[0]: merge keys (<<) are not supported"},
		{"coil keys", head + "points: [{name: a, table: coil, address: 0, type: bool, scale: 2}]\n", "5:57: points[0].scale: scale does not apply to a coil point (a single bit)"},
		{"discrete write", head + "points: [{name: a, table: discrete, address: 0, type: bool, access: rw}]\n", "5:69: points[0].access: access rw: the discrete table is read-only"},
		{"bit on u16", head + "points: [{name: a, address: 0, type: u16, bit: 2}]\n", "5:43: points[0].bit: bit does not apply to type u16"},
		{"bit range", head + "points: [{name: a, address: 0, type: bool, bit: 16}]\n", "5:49: points[0].bit: 16 out of range 0..15"},
		{"bits key range", head + "points: [{name: a, address: 0, type: bits, bits: {16: x}}]\n", "5:51: points[0].bits.16: 16 out of range 0..15"},
		{"enum with scale", head + "points: [{name: a, address: 0, type: u16, enum: {1: x}, scale: 2}]\n", "5:57: points[0].scale: scale does not apply to a point with enum (enum values are raw)"},
		{"sf and scale", head + "points: [{name: s, address: 0, type: sunssf}, {name: a, address: 1, type: u16, scale: 2, scale_factor: s}]\n", "5:80: points[1].scale: scale and scale_factor exclude each other"},
		{"sentinel fits", head + "points: [{name: a, address: 0, type: u16, not_implemented: 0x10000}]\n", "5:60: points[0].not_implemented: not_implemented 0x10000 does not fit 1 registers"},
		{"string order on u16", head + "points: [{name: a, address: 0, type: u16, string_order: swapped}]\n", "5:43: points[0].string_order: string_order does not apply to type u16"},
		{"hole", head + "device: {holes: [{table: holding, address: 5, count: 2}]}\npoints: [{name: a, address: 4, type: u32}]\n", "6:29: points[0].address: point lies in a hole (holding 5..6) that the device refuses to read"},
		{"too long", head + "device: {max_registers: 4}\npoints: [{name: a, address: 0, type: string, length: 8}]\n", "6:54: points[0].length: point needs 8 registers but the device reads at most 4 per request"},
		{"fingerprint point", head + "identify: {fingerprints: [{point: s, range: [1, 2]}]}\npoints: [{name: s, address: 0, type: string, length: 2}]\n", `5:35: identify.fingerprints[0].point: fingerprint point "s" is of type string, want a number`},
		{"duplicate alias", "id: t\nvendor: v\nmodel: m\naliases: [A, a]\nsource: {title: t, version: \"1\"}\npoints: [{name: a, address: 0, type: u16}]\n", `4:14: aliases[1]: duplicate alias "a"`},
		{"quoted number", head + "points: [{name: a, address: 0, type: u16, scale: \"0.1\"}]\n", "5:50: points[0].scale: want a number, got a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load("x.yaml", []byte(tt.body))
			var ves ValidationErrors
			if !errors.As(err, &ves) {
				t.Fatalf("error %v, want ValidationErrors", err)
			}
			var got []string
			for _, e := range ves {
				got = append(got, strings.TrimPrefix(e.Error(), "x.yaml:"))
			}
			if g := strings.Join(got, "\n"); g != tt.want {
				t.Errorf("errors:\n%s\nwant:\n%s", g, tt.want)
			}
		})
	}
}
