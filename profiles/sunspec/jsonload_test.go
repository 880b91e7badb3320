package sunspec

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadAllAlliance loads every model file of the Alliance folder and
// checks that each point type the files use is understood.
func TestLoadAllAlliance(t *testing.T) {
	dir := allianceDir(t)
	m, err := LoadModelsDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "model_*.json"))
	if m.Len() != len(files) {
		t.Errorf("%d models from %d files", m.Len(), len(files))
	}
	for _, id := range []int{1, 101, 102, 103} {
		if d, _ := m.Get(id); d.Source == "builtin" {
			t.Errorf("model %d: JSON did not override the built-in", id)
		}
	}
	if n := len(m.Notes()); n != 4 {
		t.Errorf("%d override notes, want 4: %q", n, m.Notes())
	}
	// Decode every model over registers all 1: count points give one
	// instance each; nothing may fail to decode.
	for _, id := range m.IDs() {
		def, _ := m.Get(id)
		regs := make([]uint16, 402)
		for i := range regs {
			regs[i] = 1
		}
		pts, _ := DecodeModel(def, 40000, regs)
		if len(pts) < 2 {
			t.Errorf("model %d: %d points decoded", id, len(pts))
		}
		for _, p := range pts {
			if strings.Contains(p.Note, "need") || p.Value.Display == "" && p.Type != String {
				t.Errorf("model %d point %s (%s): %q %q", id, p.Path(), p.Type, p.Note, p.Value.Display)
			}
		}
	}
}

// TestRepeatingGroups checks a loaded model with nested repeating groups
// (705: Crv × NCrv, each with Pt × NPt) and one with count 0 (160).
func TestRepeatingGroups(t *testing.T) {
	m, err := LoadModelsDir(allianceDir(t))
	if err != nil {
		t.Fatal(err)
	}
	d705, _ := m.Get(705)
	if _, ok := d705.Group.FixedSize(); ok {
		t.Error("705 reports a fixed size")
	}
	// 705 header: Ena AdptCrvReq AdptCrvRslt NPt=2 NCrv=3 ...; each curve
	// 10 registers + 2 points × 2 registers.
	topN := 0
	for _, p := range d705.Group.Points {
		topN += p.Size
	}
	regs := make([]uint16, topN+3*(10+2*2))
	regs[5], regs[6] = 2, 3 // NPt, NCrv
	pts, notes := DecodeModel(d705, 0, regs)
	if len(notes) != 0 {
		t.Errorf("notes %q", notes)
	}
	var last string
	for _, p := range pts {
		last = p.Path()
	}
	if last != "Crv[3].Pt[2].Var" {
		t.Errorf("last point %s, want Crv[3].Pt[2].Var", last)
	}
	d160, _ := m.Get(160)
	head := 0
	for _, p := range d160.Group.Points {
		head += p.Size
	}
	mod, _ := d160.Group.Groups[0].FixedSize()
	regs = make([]uint16, head+2*mod)
	pts, notes = DecodeModel(d160, 0, regs)
	if p, ok := (&Model{Points: pts}).Point("module[2].DCEvt"); !ok || len(notes) != 0 {
		t.Errorf("model 160 with 2 modules: module[2].DCEvt found %v, notes %q (%+v)", ok, notes, p)
	}
}

// TestParseModelJSONErrors checks that malformed files are reported with
// the file name and, for syntax errors, line and column.
func TestParseModelJSONErrors(t *testing.T) {
	const ok = `{"id": 7, "group": {"name": "m", "type": "group", "points": [
		{"name": "ID", "type": "uint16", "size": 1}, {"name": "L", "type": "uint16", "size": 1}, %s]}}`
	tests := []struct {
		name, json, want string
	}{
		{"syntax", "{\n  \"id\": 7,\n  \"group\": {\n    \"name\": \"m\",,\n", "x.json:4:17: invalid JSON"},
		{"wrong type", `{"id": "seven"}`, "x.json:1:"},
		{"no id", `{"group": {"name": "m", "points": []}}`, `missing "id"`},
		{"no group", `{"id": 3}`, `missing "group"`},
		{"id range", `{"id": 65535, "group": {"name": "m", "points": [{"name": "ID", "type": "uint16"}, {"name": "L", "type": "uint16"}]}}`, "out of range"},
		{"no ID/L", `{"id": 7, "group": {"name": "m", "points": []}}`, "start with the points ID and L"},
		{"unknown type", strings.Replace(ok, "%s", `{"name": "X", "type": "int128", "size": 8}`, 1), `unknown type "int128"`},
		{"bad size", strings.Replace(ok, "%s", `{"name": "X", "type": "acc32", "size": 1}`, 1), "size 1, want 2"},
		{"string size", strings.Replace(ok, "%s", `{"name": "X", "type": "string"}`, 1), "needs a size"},
		{"sf missing", strings.Replace(ok, "%s", `{"name": "X", "type": "int16", "size": 1, "sf": "X_SF"}`, 1), `scale factor "X_SF" is not a point`},
		{"sf not sunssf", strings.Replace(ok, "%s", `{"name": "X", "type": "int16", "size": 1, "sf": "L"}`, 1), "want sunssf"},
		{"duplicate", strings.Replace(ok, "%s", `{"name": "L", "type": "uint16", "size": 1}`, 1), `duplicate point name "L"`},
		{"symbol", strings.Replace(ok, "%s", `{"name": "X", "type": "enum16", "size": 1, "symbols": [{"name": "A"}]}`, 1), "symbol needs a name and a value"},
		{"count ref", strings.Replace(ok, "]}}", `], "groups": [{"name": "g", "count": "N", "points": []}]}}`, 1), `count "N" is not a point`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseModelJSON("x.json", []byte(strings.Replace(tt.json, "%s", `{"name": "X", "type": "uint16", "size": 1}`, 1)))
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "x.json") {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			var fe *ModelFileError
			if !errors.As(err, &fe) || fe.File != "x.json" {
				t.Errorf("error %T is not a *ModelFileError for x.json", err)
			}
		})
	}
}

// TestModelsDirs covers LoadDir errors, overriding and the environment.
func TestModelsDirs(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("model_1.json", `{"id": 1, "group": {"name": "mine", "points": [{"name": "ID", "type": "uint16", "size": 1}, {"name": "L", "type": "uint16", "size": 1}]}}`)
	write("model_9.json", `{"id": 9, "group": `)
	write("README.txt", "not a model")
	m, err := LoadModelsDir(dir)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "model_9.json")) {
		t.Errorf("error %v, want one naming model_9.json", err)
	}
	if d, _ := m.Get(1); d.Name() != "mine" {
		t.Errorf("model 1 is %q, want the loaded one", d.Name())
	}
	if _, ok := m.Get(103); !ok {
		t.Error("built-in 103 lost")
	}
	t.Setenv(EnvModels, "")
	if m, err := ModelsFromEnv(""); err != nil || m.Len() != 4 {
		t.Errorf("ModelsFromEnv(\"\"): %d models, %v", m.Len(), err)
	}
	t.Setenv(EnvModels, filepath.Join(dir, "missing"))
	if _, err := ModelsFromEnv(""); err == nil {
		t.Error("missing folder: no error")
	}
}
