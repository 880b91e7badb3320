package tui

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	tea "charm.land/bubbletea/v2"

	"github.com/busprobe/busprobe/probes"
	"github.com/busprobe/busprobe/protocols/modbus"
)

// planWriteCmd reads the old value and encodes the new one; nothing is written.
func (m DeviceModel) planWriteCmd(value string) tea.Cmd {
	pt := m.selected()
	if pt == nil {
		return nil
	}
	id, url, pool, ctx := m.id, m.dev.URL, m.common.Clients, m.common.Ctx
	spec := probes.WriteSpec{Unit: byte(m.dev.Unit), Profile: m.prof, Point: pt.Name, Value: value}
	return func() tea.Msg {
		c, err := pool.Get(ctx, url)
		if err != nil {
			return writePlannedMsg{id: id, err: err}
		}
		plan, err := probes.PlanWrite(ctx, c, spec)
		return writePlannedMsg{id: id, plan: plan, err: err}
	}
}

// executeWriteCmd sends a confirmed write, reads it back and journals it.
// Without a journal nothing is sent: every write must leave a record.
func (m DeviceModel) executeWriteCmd(plan probes.PlannedWrite) tea.Cmd {
	id, url, pool, ctx, journal := m.id, m.dev.URL, m.common.Clients, m.common.Ctx, m.common.JournalPath
	return func() tea.Msg {
		failed := probes.WriteResult{Plan: plan, Status: probes.WriteFailed}
		if journal == "" {
			return writeDoneMsg{id: id, result: failed, err: errors.New("no write journal configured: nothing written")}
		}
		j, err := probes.OpenJournal(journal)
		if err != nil {
			return writeDoneMsg{id: id, result: failed, err: fmt.Errorf("%w: nothing written", err)}
		}
		defer j.Close()
		c, err := pool.Get(ctx, url)
		if err != nil {
			_ = j.Append(probes.NewJournalEntry(url, plan.Spec, &plan, nil, probes.WriteFailed, err))
			return writeDoneMsg{id: id, result: failed, err: err}
		}
		res, err := probes.ExecuteWrite(ctx, c, plan)
		if jerr := j.Append(probes.NewJournalEntry(url, plan.Spec, &plan, &res, res.Status, err)); jerr != nil && err == nil {
			err = fmt.Errorf("written, but the journal failed: %w", jerr)
		}
		return writeDoneMsg{id: id, result: res, err: err}
	}
}

// snapshotCmd reads every point once (with the word orders shown) and
// saves the snapshot as JSON in Common.SnapshotDir, never over a file.
func (m DeviceModel) snapshotCmd() tea.Cmd {
	id, url, unit, prof, pool, ctx := m.id, m.dev.URL, byte(m.dev.Unit), m.prof, m.common.Clients, m.common.Ctx
	dir, now := m.common.SnapshotDir, m.common.now()
	return func() tea.Msg {
		target, err := modbus.ParseURL(url)
		if err != nil {
			return snapshotMsg{id: id, err: err}
		}
		c, err := pool.Get(ctx, url)
		if err != nil {
			return snapshotMsg{id: id, err: err}
		}
		snap, err := probes.TakeSnapshot(ctx, c, target, unit, prof)
		if err != nil {
			return snapshotMsg{id: id, err: err}
		}
		if snap.Summary.OK == 0 {
			return snapshotMsg{id: id, err: fmt.Errorf("no point could be read; nothing saved")}
		}
		data, err := json.MarshalIndent(snap, "", "  ")
		if err != nil {
			return snapshotMsg{id: id, err: err}
		}
		path := filepath.Join(dir, fmt.Sprintf("snapshot-unit%d-%s.json", unit, now.Format("20060102-150405")))
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return snapshotMsg{id: id, err: err}
		}
		_, werr := f.Write(append(data, '\n'))
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			os.Remove(path)
			return snapshotMsg{id: id, err: werr}
		}
		return snapshotMsg{id: id, text: fmt.Sprintf("snapshot saved to %s (%d points, %d failed)", path, snap.Summary.OK, snap.Summary.Failed)}
	}
}
