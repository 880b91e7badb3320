package gateway

import (
	"errors"
	"strings"
	"testing"
)

func TestParseTOML(t *testing.T) {
	src := `# comment
title = "a\"b\u00e9" # trailing
[[inputs.modbus]]
  name = 'lit\eral'
  n = 1_000
  h = 0x1F
  f = -1.5e3
  b = true
  arr = [
    { name = "x", address = [0, 1] }, # c
    { name = "y", address = [2] },
  ]
  [[inputs.modbus.request]]
    a.b = 3
    [inputs.modbus.request.tags]
      device = "d"
  [[inputs.modbus.request]]
    m = """
one\
  two"""
`
	root, err := ParseTOML("t.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := root.Get("title"); v.V != "a\"bé" {
		t.Errorf("title = %q", v.V)
	}
	in, _ := root.Get("inputs")
	mods := in.V.(*TOMLTable).Values["modbus"].V.([]*TOMLTable)
	m := mods[0]
	for key, want := range map[string]any{"name": `lit\eral`, "n": int64(1000), "h": int64(31), "f": -1500.0, "b": true} {
		if v, _ := m.Get(key); v.V != want {
			t.Errorf("%s = %#v, want %#v", key, v.V, want)
		}
	}
	if arr, _ := m.Get("arr"); len(arr.V.([]TOMLValue)) != 2 || arr.Line != 9 {
		t.Errorf("arr = %#v", arr)
	}
	reqs := m.Values["request"].V.([]*TOMLTable)
	if len(reqs) != 2 || tomlStr(reqs[0].Values["tags"].V.(*TOMLTable), "device", "") != "d" {
		t.Errorf("requests = %#v", reqs)
	}
	if reqs[0].Values["a"].V.(*TOMLTable).Values["b"].V != int64(3) {
		t.Error("dotted key")
	}
	if reqs[1].Values["m"].V != "onetwo" {
		t.Errorf("multi-line = %q", reqs[1].Values["m"].V)
	}
}

func TestParseTOMLErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"unterminated string", "a = 1\nb = \"x\n", "t.toml:2:"},
		{"duplicate key", "a = 1\na = 2\n", "t.toml:2:1: key a is already defined on line 1"},
		{"table twice", "[a]\n[a]\n", "t.toml:2:1: table a already defined on line 1"},
		{"array of tables as table", "[[a]]\n[a]\n", "t.toml:2:1: [a] is an array of tables"},
		{"missing equals", "\n\nkey value\n", "t.toml:3:5: expected '='"},
		{"two values", "a = 1 2\n", "t.toml:1:7: unexpected"},
		{"bad number", "a = 01\n", "t.toml:1:"},
		{"date", "a = 1979-05-27\n", "dates and times are not supported"},
		{"unclosed array", "a = [1,\n2\nb = 3\n", "t.toml:3:1: expected ',' or ']' in the array opened on line 1"},
		{"unclosed header", "[a\n", "t.toml:1:3: expected \"]\""},
		{"bad escape", `a = "\q"` + "\n", `unknown escape \q`},
		{"inline extended", "a = {b = 1}\n[a]\n", "t.toml:2:1: table a already defined"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseTOML("t.toml", []byte(tc.src))
			var te *TOMLError
			if !errors.As(err, &te) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func FuzzTOML(f *testing.F) {
	for _, s := range []string{"a = 1\n", "[[x.y]]\nb = [1, {c = 'd'}]\n", "s = \"\"\"\nx\\\n y\"\"\"\n", "[a]\nb.c = 1.5e3\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		root, err := ParseTOML("f", data)
		if err == nil && root == nil {
			t.Fatal("nil table without an error")
		}
		var te *TOMLError
		if err != nil && !errors.As(err, &te) {
			t.Fatalf("untyped error %v", err)
		}
		if err != nil && (te.Line < 1 || te.Column < 1) {
			t.Fatalf("unlocated error %v", err)
		}
	})
}
