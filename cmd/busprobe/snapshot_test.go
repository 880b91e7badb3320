package main

import (
	"encoding/json"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestSnapshotWriteDiff(t *testing.T) {
	rig := newWriteRig(t)
	dir := t.TempDir()
	a, b := filepath.Join(dir, "before.json"), filepath.Join(dir, "after.json")
	snap := func(file string, extra ...string) (int, string) {
		code, _, errOut := rig.run(t, false, "", append([]string{"snapshot", rig.url, "--unit", "1", "--profile", "eastron-sdm630", "-o", file}, extra...)...)
		return code, errOut
	}
	if code, errOut := snap(a); code != 0 || !regexp.MustCompile(`saved .*before\.json: tcp://\S+ unit 1, eastron-sdm630, \d+ points \(0 failed\)`).MatchString(errOut) {
		t.Fatalf("snapshot before: exit %d: %s", code, errOut)
	}
	code, _, errOut := rig.run(t, false, "", "write", rig.url, "--unit", "1", "--profile", "eastron-sdm630", "--point", "demand_period=15", "--yes", "--journal", rig.journal)
	if code != 0 {
		t.Fatalf("write: exit %d: %s", code, errOut)
	}
	if code, errOut := snap(b); code != 0 {
		t.Fatalf("snapshot after: exit %d: %s", code, errOut)
	}

	var doc map[string]any
	data, _ := os.ReadFile(a)
	if err := json.Unmarshal(data, &doc); err != nil || doc["kind"] != "busprobe-snapshot" || doc["profile"] != "eastron-sdm630" || doc["unit"] != 1.0 {
		t.Errorf("snapshot document %v: %v", doc["kind"], err)
	}

	code, out, errOut := rig.run(t, false, "", "diff", a, b)
	if code != diffDifferent {
		t.Fatalf("diff: exit %d, want 1: %s", code, errOut)
	}
	if !regexp.MustCompile(`(?m)^demand_period\s+changed\s+\d+ min\s+15 min\s+[+-]\d+ min$`).MatchString(out) || !strings.Contains(out, "--- "+a) {
		t.Errorf("diff does not show demand_period:\n%s", out)
	}

	code, out, _ = rig.run(t, false, "", "diff", a, b, "--settings", "--json")
	var d diffResultJSON
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("diff --json: %v\n%s", err, out)
	}
	if code != diffDifferent || d.Identical || len(d.Changes) != 1 || d.Changes[0].Name != "demand_period" || d.Changes[0].After != 15.0 || d.B.File != b {
		t.Errorf("diff --settings: exit %d, %+v", code, d)
	}

	code, out, _ = rig.run(t, false, "", "diff", a, a)
	if code != diffSame || !strings.Contains(out, "0 changed, 0 raw-only, 0 added, 0 removed") {
		t.Errorf("diff of a file with itself: exit %d\n%s", code, out)
	}
}

func TestSnapshotRefusesOverwrite(t *testing.T) {
	rig := newWriteRig(t)
	file := filepath.Join(t.TempDir(), "s.json")
	if err := os.WriteFile(file, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"snapshot", rig.url, "--unit", "4", "--profile", "test-valve", "--profiles", rig.profiles, "-o", file}
	traffic := rig.requests(t, 4)
	code, _, errOut := rig.run(t, false, "", args...)
	if code != exitError || !strings.Contains(errOut, "s.json exists: refusing to overwrite it (use --force)") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	if b, _ := os.ReadFile(file); string(b) != "keep me" || rig.requests(t, 4) != traffic {
		t.Errorf("file %q, %d requests: the refused snapshot touched something", b, rig.requests(t, 4)-traffic)
	}
	if code, _, errOut = rig.run(t, false, "", append(args, "--force")...); code != 0 {
		t.Fatalf("--force: exit %d: %s", code, errOut)
	}
	if _, err := os.ReadFile(file); err != nil {
		t.Fatal(err)
	}
	if s, err := loadSnapshotForTest(file); err != nil || s != 8 {
		t.Errorf("forced snapshot: %d points, %v", s, err)
	}
	assertNoTemp(t, filepath.Dir(file))
}

func loadSnapshotForTest(file string) (int, error) {
	var s struct {
		Kind   string `json:"kind"`
		Points []any  `json:"points"`
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return 0, err
	}
	if err := json.Unmarshal(b, &s); err != nil || s.Kind != "busprobe-snapshot" {
		return 0, errors.New("not a snapshot")
	}
	return len(s.Points), nil
}

func TestSnapshotUsageAndTrouble(t *testing.T) {
	dir := t.TempDir()
	scan := filepath.Join(dir, "scan.json")
	if err := os.WriteFile(scan, []byte(`{"schema_version": 1, "devices": []}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no profile", []string{"snapshot", "tcp://127.0.0.1:1", "-o", "x.json"}, exitUsage, "--profile is required"},
		{"no output", []string{"snapshot", "tcp://127.0.0.1:1", "--profile", "sdm630"}, exitUsage, "-o FILE is required"},
		{"unit 0", []string{"snapshot", "tcp://127.0.0.1:1", "--profile", "sdm630", "-o", "x.json", "--unit", "0"}, exitUsage, "broadcast"},
		{"diff: one file", []string{"diff", scan}, diffTrouble, "two snapshot files"},
		{"diff: missing file", []string{"diff", filepath.Join(dir, "nope.json"), scan}, diffTrouble, "no such file"},
		{"diff: not a snapshot", []string{"diff", scan, scan}, diffTrouble, "scan.json: not a busprobe snapshot"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, t.Context(), tc.args...)
			if code != tc.code || !strings.Contains(errOut, tc.stderr) {
				t.Errorf("exit %d, stderr %q; want %d, %q", code, errOut, tc.code, tc.stderr)
			}
		})
	}
}

// assertNoTemp fails when dir holds a temporary file of writeFileAtomic.
func assertNoTemp(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

func TestWriteFileAtomic(t *testing.T) {
	tests := []struct {
		name    string
		exists  bool
		force   bool
		write   func(io.Writer) error
		wantErr string
		want    string // the file's content afterwards
	}{
		{"new file", false, false, func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }, "", "new"},
		{"exists, no force", true, false, func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }, "exists: refusing", "old"},
		{"exists, force", true, true, func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }, "", "new"},
		{"writer fails", true, true, func(w io.Writer) error { _, _ = io.WriteString(w, "half"); return errors.New("disk on fire") }, "disk on fire", "old"},
		{"value does not marshal", false, false, func(w io.Writer) error { return writeJSON(w, math.Inf(1)) }, "unsupported value", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "out.json")
			if tc.exists {
				if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			err := writeFileAtomic(path, tc.force, tc.write)
			if (tc.wantErr == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("err %v, want %q", err, tc.wantErr)
			}
			got, _ := os.ReadFile(path)
			if string(got) != tc.want {
				t.Errorf("file holds %q, want %q", got, tc.want)
			}
			assertNoTemp(t, dir)
		})
	}
	if err := writeFileAtomic(filepath.Join(t.TempDir(), "no", "such", "dir.json"), false, func(io.Writer) error { return nil }); err == nil {
		t.Error("a missing folder did not fail")
	}
}

func TestSnapshotToStdout(t *testing.T) {
	rig := newWriteRig(t)
	code, out, errOut := rig.run(t, false, "", "snapshot", rig.url, "--unit", "4", "--profile", "test-valve", "--profiles", rig.profiles, "-o", "-")
	if code != 0 || !strings.Contains(errOut, "snapshot: tcp://") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var s struct {
		Kind   string `json:"kind"`
		Points []struct {
			Name  string `json:"name"`
			Value any    `json:"value"`
			Raw   []int  `json:"raw"`
		} `json:"points"`
	}
	if err := json.Unmarshal([]byte(out), &s); err != nil || s.Kind != "busprobe-snapshot" || len(s.Points) != 8 ||
		s.Points[0].Name != "setpoint" || s.Points[0].Value != 50.0 || s.Points[0].Raw[0] != 500 {
		t.Errorf("stdout snapshot %+v (%v)", s, err)
	}
}

func TestStdinIsTerminal(t *testing.T) {
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	tests := []struct {
		name string
		in   io.Reader
		want bool
	}{
		{"/dev/null is a character device, not a terminal", null, false},
		{"a pipe or buffer", strings.NewReader("y\n"), false},
		{"a fake terminal", fakeTerminal{strings.NewReader("y\n")}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := stdinIsTerminal(tc.in); got != tc.want {
				t.Errorf("stdinIsTerminal = %v, want %v", got, tc.want)
			}
		})
	}
}
