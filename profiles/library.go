package profiles

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/busprobe/busprobe/profiles/library"
)

// EnvProfiles names the environment variable holding users' profile
// folders, separated by the OS list separator (":" on Unix).
const EnvProfiles = "BUSPROBE_PROFILES"

// embeddedPrefix marks the File of embedded profiles.
const embeddedPrefix = "embedded:"

// Library is a set of profiles by ID. Profiles added later replace earlier
// ones with the same ID, leaving a note.
type Library struct {
	byID  map[string]*Profile
	notes []string
}

// NewLibrary returns an empty library.
func NewLibrary() *Library { return &Library{byID: map[string]*Profile{}} }

// Embedded returns the library of the profiles built into busprobe. A
// broken embedded profile does not hide the others: the library holds
// every profile that loaded, and the error reports the rest.
func Embedded() (*Library, error) {
	l := NewLibrary()
	err := l.LoadFS(library.FS, ".", embeddedPrefix)
	return l, err
}

// Open returns the embedded library overlaid with users' folders: first
// those listed in env (the value of BUSPROBE_PROFILES, list-separated),
// then dirs (from --profiles flags), so that later folders override
// earlier ones. Folders that do not exist are errors. Like Embedded, it
// returns every profile that loaded together with an error for the rest.
func Open(env string, dirs ...string) (*Library, error) {
	l, err := Embedded()
	errs := []error{err}
	var all []string
	for _, d := range filepath.SplitList(env) {
		if strings.TrimSpace(d) != "" {
			all = append(all, d)
		}
	}
	for _, d := range append(all, dirs...) {
		errs = append(errs, l.LoadDir(d))
	}
	return l, joinErrors(errs)
}

// FromEnv is Open with the value of BUSPROBE_PROFILES from the process
// environment; dirs come from --profiles flags.
func FromEnv(dirs ...string) (*Library, error) {
	return Open(os.Getenv(EnvProfiles), dirs...)
}

// LoadDir adds every *.yaml and *.yml file of a folder (not its
// subfolders). Files that fail to load are reported together; the
// others are added.
func (l *Library) LoadDir(dir string) error {
	return l.LoadFS(os.DirFS(dir), ".", dir+string(filepath.Separator))
}

// LoadFS adds every *.yaml and *.yml file of folder dir in fsys, in name
// order. prefix is prepended to file names in errors and Profile.File.
func (l *Library) LoadFS(fsys fs.FS, dir, prefix string) error {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return fmt.Errorf("profiles: %w", err)
	}
	var errs []error
	for _, e := range entries {
		ext := strings.ToLower(path.Ext(e.Name()))
		if e.IsDir() || (ext != ".yaml" && ext != ".yml") || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		name := path.Join(dir, e.Name())
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			errs = append(errs, fmt.Errorf("profiles: %w", err))
			continue
		}
		p, err := Load(prefix+e.Name(), data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		l.Add(p)
	}
	return joinErrors(errs)
}

// joinErrors merges errors, flattening joined ones: ValidationErrors are
// gathered into one sorted ValidationErrors, returned alone when there is
// nothing else, and first in an errors.Join otherwise.
func joinErrors(errs []error) error {
	var ves ValidationErrors
	var other []error
	var walk func([]error)
	walk = func(errs []error) {
		for _, err := range errs {
			switch e := err.(type) {
			case nil:
			case ValidationErrors:
				ves = append(ves, e...)
			case interface{ Unwrap() []error }:
				walk(e.Unwrap())
			default:
				other = append(other, err)
			}
		}
	}
	walk(errs)
	if len(ves) > 0 {
		ves.Sort()
		if len(other) == 0 {
			return ves
		}
		other = append([]error{ves}, other...)
	}
	return errors.Join(other...)
}

// Add puts a profile into the library, replacing one with the same ID
// (case-insensitive) and recording a note that says so.
func (l *Library) Add(p *Profile) {
	key := strings.ToLower(p.ID)
	if old, ok := l.byID[key]; ok {
		l.notes = append(l.notes, fmt.Sprintf("profile %s from %s overrides the one from %s",
			p.ID, p.File, old.File))
	}
	l.byID[key] = p
}

// Notes returns what happened while loading, e.g. overridden profiles.
func (l *Library) Notes() []string { return slices.Clone(l.notes) }

// List returns the profiles sorted by ID.
func (l *Library) List() []*Profile {
	out := make([]*Profile, 0, len(l.byID))
	for _, p := range l.byID {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b *Profile) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// Len returns the number of profiles.
func (l *Library) Len() int { return len(l.byID) }

// Get finds a profile by ID or alias, case-insensitively. An ID wins over
// another profile's alias; among aliases, the profile first by ID wins.
func (l *Library) Get(name string) (*Profile, error) {
	key := strings.ToLower(strings.TrimSpace(name))
	if p, ok := l.byID[key]; ok {
		return p, nil
	}
	for _, p := range l.List() {
		for _, a := range p.Aliases {
			if strings.ToLower(a) == key {
				return p, nil
			}
		}
	}
	return nil, &NotFoundError{Name: name}
}

// Embedded reports whether the profile came from the embedded library.
func (p *Profile) Embedded() bool { return strings.HasPrefix(p.File, embeddedPrefix) }
