package probes

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// EnvJournal names the environment variable that overrides the journal's
// default path.
const EnvJournal = "BUSPROBE_JOURNAL"

// JournalEntry is one line of the write journal: one write, or one
// attempt that was refused, declined or failed.
type JournalEntry struct {
	Time      time.Time `json:"time"`
	User      string    `json:"user"`
	Target    string    `json:"target"` // the target URL
	Unit      int       `json:"unit"`
	Broadcast bool      `json:"broadcast,omitempty"`
	Profile   string    `json:"profile,omitempty"`
	Point     string    `json:"point,omitempty"`
	Table     string    `json:"table,omitempty"`
	Address   *int      `json:"address,omitempty"`
	Function  int       `json:"function,omitempty"` // the write function code sent (5, 6, 15, 16)
	Input     string    `json:"input,omitempty"`    // the value as typed

	OldRaw      []int  `json:"old_raw,omitempty"`
	OldValue    any    `json:"old_value,omitempty"`
	NewRaw      []int  `json:"new_raw,omitempty"`
	NewValue    any    `json:"new_value,omitempty"`
	ReadBackRaw []int  `json:"read_back_raw,omitempty"`
	ReadBack    any    `json:"read_back,omitempty"`
	Result      string `json:"result"` // a WriteStatus
	Error       string `json:"error,omitempty"`
}

// Journal appends entries to a local NDJSON file. Each entry is one
// write(2) on a file opened with O_APPEND, followed by fsync, so lines
// from concurrent busprobe processes never interleave and an entry is on
// disk before the command reports. It is safe for concurrent use.
type Journal struct {
	mu   sync.Mutex
	f    *os.File
	path string
}

// OpenJournal opens (creating it and its folder if needed, mode 0600 in a
// 0700 folder) the journal at path for appending.
func OpenJournal(path string) (*Journal, error) {
	if path == "" {
		return nil, errors.New("journal: no path")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	return &Journal{f: f, path: path}, nil
}

// Path returns the journal's file path.
func (j *Journal) Path() string { return j.path }

// Append writes e as one line and syncs it to disk. A zero Time is set to
// now and an empty User to the current user.
func (j *Journal) Append(e JournalEntry) error {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	if e.User == "" {
		e.User = CurrentUser()
	}
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("journal %s: %w", j.path, err)
	}
	b = append(b, '\n')
	j.mu.Lock()
	defer j.mu.Unlock()
	if _, err := j.f.Write(b); err != nil {
		return fmt.Errorf("journal %s: %w", j.path, err)
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("journal %s: %w", j.path, err)
	}
	return nil
}

// Close closes the file.
func (j *Journal) Close() error { return j.f.Close() }

// DefaultJournalPath returns where the journal lives when no path is
// given: $BUSPROBE_JOURNAL, else $XDG_STATE_HOME/busprobe/journal.ndjson,
// else ~/.local/state/busprobe/journal.ndjson. getenv and home are
// os.Getenv and os.UserHomeDir outside tests.
func DefaultJournalPath(getenv func(string) string, home func() (string, error)) (string, error) {
	if p := getenv(EnvJournal); p != "" {
		return p, nil
	}
	if d := getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "busprobe", "journal.ndjson"), nil
	}
	h, err := home()
	if err != nil {
		return "", fmt.Errorf("journal: no home folder (set %s or use --journal): %w", EnvJournal, err)
	}
	return filepath.Join(h, ".local", "state", "busprobe", "journal.ndjson"), nil
}

// CurrentUser returns the login name of the user running busprobe, or
// $USER, or "unknown".
func CurrentUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if u := strings.TrimSpace(os.Getenv("USER")); u != "" {
		return u
	}
	return "unknown"
}
