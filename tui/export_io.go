package tui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	tea "charm.land/bubbletea/v2"

	"github.com/busprobe/busprobe/gateway"
	"github.com/busprobe/busprobe/probes"
)

// The export screen's I/O, each piece inside a tea.Cmd: verifying the
// config against the live devices and saving its files.

// Verification outcomes of one point (as `busprobe export --verify`).
const (
	VerifyOK             = probes.VerifyOK
	VerifyException      = probes.VerifyException
	VerifyError          = probes.VerifyError
	VerifyOutOfRange     = probes.VerifyOutOfRange
	VerifyNotImplemented = probes.VerifyNotImplemented
)

// VerifyRow is the verification of one exported point.
type VerifyRow = probes.PointCheck

// verifyExportCmd reads every exported point from its device with the
// device's exported workarounds (so a hole the config does not list shows
// as an exception, as it would in the gateway). The clients come from the
// pool, so the traffic shows on the monitor.
func verifyExportCmd(ctx context.Context, pool *ClientPool, id int, x exportPlan) tea.Cmd {
	devices := append([]gateway.Device(nil), x.cfg.Devices...)
	sources := append([]exportSource(nil), x.sources...)
	return func() tea.Msg {
		var rows []VerifyRow
		var notes []string
		for i := range devices {
			if ctx.Err() != nil {
				return nil
			}
			r, n := verifyDevice(ctx, pool, &devices[i], sources[i])
			rows, notes = append(rows, r...), append(notes, n...)
		}
		return exportVerifiedMsg{id: id, rows: rows, notes: notes}
	}
}

func verifyDevice(ctx context.Context, pool *ClientPool, d *gateway.Device, src exportSource) ([]VerifyRow, []string) {
	c, err := pool.Get(ctx, src.url)
	if err != nil {
		rows := make([]VerifyRow, 0, len(d.Points))
		for _, p := range d.Points {
			rows = append(rows, VerifyRow{Device: d.Name, Unit: d.Unit, Point: p.Name, Status: VerifyError, Detail: err.Error()})
		}
		return rows, nil
	}
	return probes.VerifyDevice(ctx, c, d, src.profile)
}

// saveTarget is one file to write, with its full path.
type saveTarget struct {
	path string
	data []byte
}

// saveTargets places the export's files at the chosen path (a file, or the
// EdgeX folder); a relative path is taken from dir.
func saveTargets(dir, chosen string, files []exportFile) []saveTarget {
	if !filepath.IsAbs(chosen) && dir != "" {
		chosen = filepath.Join(dir, chosen)
	}
	out := make([]saveTarget, len(files))
	for i, f := range files {
		p := chosen
		if f.rel != "" {
			p = filepath.Join(chosen, filepath.FromSlash(f.rel))
		}
		out[i] = saveTarget{path: p, data: f.data}
	}
	return out
}

// saveExportCmd writes the files atomically. Without overwrite nothing is
// written when any of them exists: the message lists them, and the screen
// asks before saving again with overwrite.
func saveExportCmd(id int, targets []saveTarget, overwrite bool) tea.Cmd {
	return func() tea.Msg {
		if !overwrite {
			var exist []string
			for _, t := range targets {
				if _, err := os.Lstat(t.path); err == nil {
					exist = append(exist, t.path)
				}
			}
			if len(exist) > 0 {
				return exportSavedMsg{id: id, exist: exist}
			}
		}
		var paths []string
		for _, t := range targets {
			if err := os.MkdirAll(filepath.Dir(t.path), 0o755); err != nil {
				return exportSavedMsg{id: id, paths: paths, err: err}
			}
			if err := writeFileAtomic(t.path, t.data, overwrite); err != nil {
				if errors.Is(err, os.ErrExist) {
					return exportSavedMsg{id: id, paths: paths, exist: []string{t.path}}
				}
				return exportSavedMsg{id: id, paths: paths, err: err}
			}
			paths = append(paths, t.path)
		}
		return exportSavedMsg{id: id, paths: paths}
	}
}

// writeFileAtomic writes data to a temporary file next to path, syncs it
// and renames it over path (overwrite) or hard-links it to path (which
// fails with os.ErrExist if path appeared meanwhile). Readers see the old
// file or the whole new one; on an error path is untouched.
func writeFileAtomic(path string, data []byte, overwrite bool) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	defer os.Remove(name)
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	_ = os.Chmod(name, 0o644)
	if overwrite {
		err = os.Rename(name, path)
	} else {
		err = os.Link(name, path)
	}
	if err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
