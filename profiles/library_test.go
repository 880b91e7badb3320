package profiles

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/busprobe/busprobe/profiles/library"
)

// TestEmbeddedProfilesValidate loads every embedded profile on its own, so
// that a failure names the file.
func TestEmbeddedProfilesValidate(t *testing.T) {
	names, err := fs.Glob(library.FS, "*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			data, err := fs.ReadFile(library.FS, name)
			if err != nil {
				t.Fatal(err)
			}
			p, err := Load(name, data)
			if err != nil {
				t.Fatalf("embedded profile does not validate:\n%v", err)
			}
			if want := strings.TrimSuffix(name, ".yaml"); p.ID != want {
				t.Errorf("id %q, want the file name %q", p.ID, want)
			}
		})
	}
}

// writeProfile writes a small profile file into dir.
func writeProfile(t *testing.T, dir, file, id, model string, aliases ...string) {
	t.Helper()
	body := "id: " + id + "\nvendor: Test\nmodel: " + model + "\n"
	if len(aliases) > 0 {
		body += "aliases: [" + strings.Join(aliases, ", ") + "]\n"
	}
	body += "source: {title: t, version: \"1\"}\npoints: [{name: a, address: 0, type: u16}]\n"
	if err := os.WriteFile(filepath.Join(dir, file), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestLibraryOverride checks that later folders override earlier ones and
// the embedded library, with a note, and that Get finds aliases.
func TestLibraryOverride(t *testing.T) {
	envDir, flagDir := t.TempDir(), t.TempDir()
	writeProfile(t, envDir, "mine.yaml", "acme-one", "One from env", "ONE")
	writeProfile(t, envDir, "sdm.yml", "eastron-sdm630", "My SDM630")
	writeProfile(t, flagDir, "mine.yaml", "acme-one", "One from flag")
	if err := os.WriteFile(filepath.Join(flagDir, "notes.txt"), []byte("not a profile"), 0o644); err != nil {
		t.Fatal(err)
	}
	lib, err := Open(envDir+string(filepath.ListSeparator), flagDir)
	if err != nil {
		t.Fatal(err)
	}
	p, err := lib.Get("ACME-one")
	if err != nil || p.Model != "One from flag" {
		t.Fatalf("Get(ACME-one) = %+v, %v; want the flag folder's profile", p, err)
	}
	if _, err := lib.Get("one"); err == nil {
		t.Errorf("the replaced profile's alias still resolves")
	}
	if p.Embedded() || p.File != filepath.Join(flagDir, "mine.yaml") {
		t.Errorf("File %q", p.File)
	}
	sdm, err := lib.Get("Eastron-SDM630")
	if err != nil || sdm.Model != "My SDM630" {
		t.Errorf("user profile does not override the embedded one: %+v %v", sdm, err)
	}
	notes := strings.Join(lib.Notes(), "\n")
	for _, want := range []string{"eastron-sdm630 from " + filepath.Join(envDir, "sdm.yml") + " overrides the one from embedded:eastron-sdm630.yaml",
		"acme-one from " + filepath.Join(flagDir, "mine.yaml") + " overrides"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes %q lack %q", notes, want)
		}
	}
	list := lib.List()
	if !slices.IsSortedFunc(list, func(a, b *Profile) int { return strings.Compare(a.ID, b.ID) }) {
		t.Errorf("List is not sorted")
	}
	var nf *NotFoundError
	if _, err := lib.Get("nope"); !errors.As(err, &nf) {
		t.Errorf("Get(nope) error %v, want *NotFoundError", err)
	}
}

// TestLibraryGetAlias checks case-insensitive aliases and that an ID wins
// over another profile's alias.
func TestLibraryGetAlias(t *testing.T) {
	dir := t.TempDir()
	writeProfile(t, dir, "a.yaml", "vendor-a", "A", "SHARED", "Alpha")
	writeProfile(t, dir, "b.yaml", "shared", "B")
	lib := NewLibrary()
	if err := lib.LoadDir(dir); err != nil {
		t.Fatal(err)
	}
	tests := map[string]string{"alpha": "vendor-a", "ALPHA": "vendor-a", "shared": "shared", "Vendor-A": "vendor-a"}
	for name, want := range tests {
		if p, err := lib.Get(name); err != nil || p.ID != want {
			t.Errorf("Get(%q) = %v, %v; want %s", name, p, err, want)
		}
	}
}

// TestLibraryErrors checks that broken files are reported together, with
// positions, while good ones still load.
func TestLibraryErrors(t *testing.T) {
	dir := t.TempDir()
	writeProfile(t, dir, "good.yaml", "good-one", "Good")
	bad := "id: bad\nvendor: Test\nmodel: M\nsource: {title: t, version: \"1\"}\npoints: [{name: a, address: 0, type: u17}]\n"
	if err := os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "worse.yaml"), []byte("id: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	lib := NewLibrary()
	err := lib.LoadDir(dir)
	var ves ValidationErrors
	if !errors.As(err, &ves) || len(ves) != 2 {
		t.Fatalf("error %v, want two ValidationErrors", err)
	}
	if e := ves[0]; e.File != filepath.Join(dir, "bad.yaml") || e.Line != 5 || e.Column != 38 {
		t.Errorf("first error %v", e)
	}
	if _, err := lib.Get("good-one"); err != nil {
		t.Errorf("good profile not loaded: %v", err)
	}
	if _, err := Open("", filepath.Join(dir, "missing")); err == nil {
		t.Errorf("Open with a missing folder: no error")
	}
	t.Setenv(EnvProfiles, dir)
	if lib, err := FromEnv(); err == nil || lib.Len() < 2 {
		t.Errorf("FromEnv: %v, %d profiles", err, lib.Len())
	}
}
