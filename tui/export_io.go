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
	"github.com/busprobe/busprobe/protocols/modbus"
)

// The export screen's I/O, each piece inside a tea.Cmd: verifying the
// config against the live devices and saving its files.

// Verification outcomes of one point (as `busprobe export --verify`).
const (
	VerifyOK             = "ok"
	VerifyException      = "exception"
	VerifyError          = "error"
	VerifyOutOfRange     = "out of range"
	VerifyNotImplemented = "not implemented"
)

// VerifyRow is the verification of one exported point.
type VerifyRow struct {
	Device string
	Unit   int
	Point  string
	Status string
	Value  string // the decoded value with its unit, when read
	Detail string // the error, or the plausible range
}

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
	fail := func(err error) []VerifyRow {
		rows := make([]VerifyRow, 0, len(d.Points))
		for _, p := range d.Points {
			rows = append(rows, VerifyRow{Device: d.Name, Unit: d.Unit, Point: p.Name, Status: VerifyError, Detail: err.Error()})
		}
		return rows
	}
	c, err := pool.Get(ctx, src.url)
	if err != nil {
		return fail(err), nil
	}
	lim, err := d.Workarounds.Limits()
	if err != nil {
		return fail(err), nil
	}
	p := *src.profile
	p.Device = lim
	names := make([]string, len(d.Points))
	for i, pt := range d.Points {
		names[i] = pt.Name
	}
	rd, err := probes.ReadPoints(ctx, c, byte(d.Unit), &p, names)
	if err != nil && len(rd.Points) == 0 {
		return fail(err), nil
	}
	var notes []string
	for _, n := range rd.Notes {
		notes = append(notes, fmt.Sprintf("%s (unit %d): %s", d.Name, d.Unit, n))
	}
	rows := make([]VerifyRow, 0, len(rd.Points))
	for _, r := range rd.Points {
		rows = append(rows, verifyPoint(d, r))
	}
	return rows, notes
}

// verifyPoint classifies one point's reading.
func verifyPoint(d *gateway.Device, r probes.PointResult) VerifyRow {
	v := VerifyRow{Device: d.Name, Unit: d.Unit, Point: r.Name, Status: VerifyOK}
	var exc *modbus.ExceptionError
	switch {
	case r.Err != nil && errors.As(r.Err, &exc):
		v.Status, v.Detail = VerifyException, r.Err.Error()
	case r.Err != nil:
		v.Status, v.Detail = VerifyError, r.Err.Error()
	case !r.Value.Implemented:
		v.Status, v.Value = VerifyNotImplemented, r.Value.Display
	case r.Point != nil && !r.Point.InRange(r.Value):
		v.Status, v.Value = VerifyOutOfRange, r.Value.Display
		if rg := r.Point.Range; rg != nil {
			v.Detail = fmt.Sprintf("plausible %g..%g", rg.Min, rg.Max)
		}
	default:
		v.Value = r.Value.Display
	}
	return v
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
