package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// ExistsError is a file that a command refuses to overwrite without --force.
type ExistsError struct{ Path string }

// Error implements error.
func (e *ExistsError) Error() string {
	return fmt.Sprintf("%s exists: refusing to overwrite it (use --force)", e.Path)
}

// checkNoClobber fails early when path exists and force is not set, so a
// long read or scan is not wasted on a file that cannot be saved.
func checkNoClobber(path string, force bool) error {
	if force {
		return nil
	}
	if _, err := os.Lstat(path); err == nil {
		return &ExistsError{Path: path}
	}
	return nil
}

// saveJSONFile writes v as indented JSON to path atomically; see
// writeFileAtomic.
func saveJSONFile(path string, v any, force bool) error {
	return writeFileAtomic(path, force, func(w io.Writer) error { return writeJSON(w, v) })
}

// writeFileAtomic writes a file atomically: write fills a temporary file
// in the same folder, which is synced, then renamed over path (with force)
// or hard-linked to it (without force, which fails with *ExistsError if
// path appeared meanwhile), and the folder is synced. Readers see the old
// file or the whole new one, never a part; on any error the temporary
// file is removed and path is untouched.
func writeFileAtomic(path string, force bool, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	name := tmp.Name()
	defer os.Remove(name)
	if err := write(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("save %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("save %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	_ = os.Chmod(name, 0o644)
	if force {
		err = os.Rename(name, path)
	} else {
		err = os.Link(name, path)
	}
	if errors.Is(err, os.ErrExist) {
		return &ExistsError{Path: path}
	}
	if err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // make the rename durable; not every filesystem supports it
		d.Close()
	}
	return nil
}
