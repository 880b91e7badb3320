package sunspec

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// EnvModels names the environment variable holding folders of SunSpec
// model JSON files, separated by the OS list separator (":" on Unix).
const EnvModels = "BUSPROBE_SUNSPEC_MODELS"

// Models is a set of model definitions by ID. Definitions added later
// replace earlier ones with the same ID, leaving a note.
type Models struct {
	byID  map[int]*ModelDef
	notes []string
}

// NewModels returns an empty set.
func NewModels() *Models { return &Models{byID: map[int]*ModelDef{}} }

// Builtin returns a new set holding the built-in definitions: models 1,
// 101, 102 and 103.
func Builtin() *Models {
	m := NewModels()
	for _, d := range builtinModels() {
		m.byID[d.ID] = &d
	}
	return m
}

// Add puts a definition into the set, replacing (with a note) one with
// the same ID.
func (m *Models) Add(d *ModelDef) {
	if old, ok := m.byID[d.ID]; ok {
		m.notes = append(m.notes, fmt.Sprintf("model %d from %s overrides the one from %s", d.ID, d.Source, old.Source))
	}
	m.byID[d.ID] = d
}

// Get returns the definition of a model ID.
func (m *Models) Get(id int) (*ModelDef, bool) {
	d, ok := m.byID[id]
	return d, ok
}

// IDs returns the model IDs of the set in ascending order.
func (m *Models) IDs() []int {
	ids := make([]int, 0, len(m.byID))
	for id := range m.byID {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Len returns the number of definitions.
func (m *Models) Len() int { return len(m.byID) }

// Notes returns what happened while loading, e.g. overridden models.
func (m *Models) Notes() []string { return slices.Clone(m.notes) }

// LoadDir adds every *.json file of a folder (not its subfolders) in
// name order, except schema.json. Files that fail to load are reported
// together (each error names its file); the others are added.
func (m *Models) LoadDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("sunspec models: %w", err)
	}
	var errs []error
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.EqualFold(filepath.Ext(name), ".json") ||
			strings.EqualFold(name, "schema.json") || strings.HasPrefix(name, ".") {
			continue
		}
		path := filepath.Join(dir, name)
		data, err := os.ReadFile(path)
		if err != nil {
			errs = append(errs, fmt.Errorf("sunspec models: %w", err))
			continue
		}
		d, err := ParseModelJSON(path, data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		m.Add(d)
	}
	return errors.Join(errs...)
}

// LoadModelsDir returns the built-in definitions overlaid with the model
// JSON files of dir (loaded definitions override built-in ones). Like
// LoadDir it returns every model that loaded together with an error for
// the files that did not.
func LoadModelsDir(dir string) (*Models, error) {
	m := Builtin()
	return m, m.LoadDir(dir)
}

// OpenModels returns the built-in definitions overlaid with the folders
// listed in env (list-separated, as BUSPROBE_SUNSPEC_MODELS holds them)
// and then dirs (from --sunspec-models flags); later folders override
// earlier ones. Empty entries are ignored; missing folders are errors.
func OpenModels(env string, dirs ...string) (*Models, error) {
	m := Builtin()
	var all []string
	for _, d := range append(filepath.SplitList(env), dirs...) {
		if strings.TrimSpace(d) != "" {
			all = append(all, d)
		}
	}
	var errs []error
	for _, d := range all {
		errs = append(errs, m.LoadDir(d))
	}
	return m, errors.Join(errs...)
}

// ModelsFromEnv is OpenModels with the value of BUSPROBE_SUNSPEC_MODELS
// from the process environment; dir is the --sunspec-models flag ("" when
// not given).
func ModelsFromEnv(dir string) (*Models, error) {
	return OpenModels(os.Getenv(EnvModels), dir)
}
