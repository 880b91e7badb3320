package tui

import (
	"context"
	"os"
	"path/filepath"
	"sort"

	tea "charm.land/bubbletea/v2"

	"github.com/busprobe/busprobe/probes"
	"github.com/busprobe/busprobe/protocols/modbus"
)

// The tools screen's I/O, each piece inside a tea.Cmd.

// Tools screen messages, tagged with the listing's or diff's ID, or the
// capture's run ID.
type (
	toolsFilesMsg struct {
		id    int
		files []string
		err   error
	}
	toolsDiffMsg struct {
		id   int
		diff probes.SnapshotDiff
		err  error
	}
	toolsPortsMsg struct {
		id    int
		ports []probes.SerialPort
		err   error
	}
	sniffEventMsg struct {
		run int
		ev  modbus.TrafficEvent
	}
	sniffDoneMsg struct {
		run int
		sum probes.TrafficSummary
		err error
	}
)

// listSnapshotsCmd lists dir's snapshot-*.json, oldest name first.
func listSnapshotsCmd(id int, dir string) tea.Cmd {
	return func() tea.Msg {
		paths, err := filepath.Glob(filepath.Join(dir, "snapshot-*.json"))
		files := make([]string, 0, len(paths))
		for _, p := range paths {
			if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
				files = append(files, filepath.Base(p))
			}
		}
		sort.Strings(files)
		return toolsFilesMsg{id: id, files: files, err: err}
	}
}

// diffSnapshotsCmd loads two snapshots and compares them, as `busprobe diff A B` does.
func diffSnapshotsCmd(id int, a, b string) tea.Cmd {
	return func() tea.Msg {
		sa, err := probes.LoadSnapshot(a)
		if err != nil {
			return toolsDiffMsg{id: id, err: err}
		}
		sb, err := probes.LoadSnapshot(b)
		if err != nil {
			return toolsDiffMsg{id: id, err: err}
		}
		d := probes.DiffSnapshots(sa, sb, probes.DiffOptions{})
		d.A.File, d.B.File = filepath.Base(a), filepath.Base(b)
		return toolsDiffMsg{id: id, diff: d}
	}
}

// listToolsPortsCmd lists the serial ports.
func listToolsPortsCmd(id int, list func() ([]probes.SerialPort, error)) tea.Cmd {
	return func() tea.Msg {
		ports, err := list()
		return toolsPortsMsg{id: id, ports: ports, err: err}
	}
}

// startSniffCmd opens the port and runs probes.Sniff on its own
// goroutine, which hands every event, then the summary, to feed; the
// command returns the first message, and waitSniffCmd the next ones.
func startSniffCmd(ctx context.Context, run int, path string, line modbus.LineSettings, feed chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		port, err := modbus.OpenSerial(path, line)
		if err != nil {
			close(feed)
			return sniffDoneMsg{run: run, err: err}
		}
		go func() {
			defer close(feed)
			defer port.Close()
			send := func(msg tea.Msg) {
				select {
				case feed <- msg:
				case <-ctx.Done():
				}
			}
			cfg := probes.SniffConfig{Line: port.Settings(), OnEvent: func(ev modbus.TrafficEvent) {
				send(sniffEventMsg{run: run, ev: ev})
			}}
			sum, err := probes.Sniff(ctx, port, cfg)
			if ctx.Err() == nil {
				send(sniffDoneMsg{run: run, sum: sum, err: err})
			}
		}()
		return <-feed
	}
}

// waitSniffCmd waits for the capture's next message (nil once it ended).
func waitSniffCmd(feed <-chan tea.Msg) tea.Cmd {
	if feed == nil {
		return nil
	}
	return func() tea.Msg { return <-feed }
}
