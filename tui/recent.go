package tui

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// RecentTarget is one target scanned before.
type RecentTarget struct {
	Kind     string    `json:"kind"`     // tcp or serial
	Target   string    `json:"target"`   // "10.0.0.5:502" or "/dev/ttyUSB0"
	Settings string    `json:"settings"` // serial: "auto" or "9600 8N1"
	When     time.Time `json:"when"`
}

// MaxRecent is how many targets Recent keeps.
const MaxRecent = 10

// Recent is the list of recent targets kept in a small JSON file
// (os.UserConfigDir()/busprobe/recent.json by default).
type Recent struct {
	Path    string
	Targets []RecentTarget // most recent first
}

// DefaultRecentPath returns os.UserConfigDir()/busprobe/recent.json.
func DefaultRecentPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "busprobe", "recent.json"), nil
}

// LoadRecent reads the file at path; a missing file is an empty list.
func LoadRecent(path string) (*Recent, error) {
	r := &Recent{Path: path}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return r, nil
	}
	if err != nil {
		return r, err
	}
	var doc struct {
		Targets []RecentTarget `json:"targets"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return r, err
	}
	r.Targets = doc.Targets
	if len(r.Targets) > MaxRecent {
		r.Targets = r.Targets[:MaxRecent]
	}
	return r, nil
}

// With returns the list with t first and no older entry for the same
// target; the receiver is not changed.
func (r *Recent) With(t RecentTarget) []RecentTarget {
	out := []RecentTarget{t}
	for _, o := range r.Targets {
		if o.Kind == t.Kind && o.Target == t.Target {
			continue
		}
		if len(out) == MaxRecent {
			break
		}
		out = append(out, o)
	}
	return out
}

// SaveRecent writes targets to path atomically: a temporary file in the
// same folder, renamed over the old one.
func SaveRecent(path string, targets []RecentTarget) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	data, err := json.MarshalIndent(struct {
		Targets []RecentTarget `json:"targets"`
	}{targets}, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".recent-*.json")
	if err != nil {
		return err
	}
	tmp := f.Name()
	if _, err := f.Write(append(data, '\n')); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
