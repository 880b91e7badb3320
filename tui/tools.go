package tui

import (
	"context"
	"fmt"
	"path/filepath"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/busprobe/busprobe/probes"
	"github.com/busprobe/busprobe/protocols/modbus"
)

// The tools screen: what the CLI does beside scanning and polling, i.e.
// `busprobe diff` (two snapshots of Common.SnapshotDir compared point by
// point) and `busprobe sniff` (listen, never sending, to a serial line
// where another master polls).

// ToolsKeys are the tools screen's bindings.
type ToolsKeys struct {
	Up, Down, PgUp, PgDown key.Binding
	Choose                 key.Binding
	Baud, Parity           key.Binding
	Stop                   key.Binding
}

// ShortHelp implements help.KeyMap.
func (k ToolsKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Choose, k.Baud, k.Parity, k.Stop}
}

// FullHelp implements help.KeyMap.
func (k ToolsKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down, k.PgUp, k.PgDown}, {k.Choose, k.Baud, k.Parity, k.Stop}}
}

func newToolsKeys() ToolsKeys {
	return ToolsKeys{
		Up: upKey(), Down: downKey(), PgUp: pgUpKey(), PgDown: pgDownKey(),
		Choose: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "choose/start")),
		Baud:   key.NewBinding(key.WithKeys("b"), key.WithHelp("b", "baud")),
		Parity: key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "parity")),
		Stop:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "stop/back")),
	}
}

// toolsMode is what the tools screen shows.
type toolsMode int

const (
	toolsMenu       toolsMode = iota
	toolsDiffPick             // the snapshot files, to pick two
	toolsDiff                 // the diff table
	toolsSniffSetup           // the serial ports and the line settings
	toolsSniff                // the frames heard and the per-unit summary
)

// sniffBauds and sniffParities are what b and a cycle through.
var (
	sniffBauds    = []int{9600, 19200, 38400, 57600, 115200, 1200, 2400, 4800}
	sniffParities = []string{"N", "E", "O"}
)

// maxSniffLines bounds the frames kept on the sniff view.
const maxSniffLines = 2000

// ToolsModel is the tools screen.
type ToolsModel struct {
	common *Common
	keys   ToolsKeys
	w, h   int

	mode   toolsMode
	cursor int
	offset int
	id     int // the latest listing or diff; older results are dropped
	note   string

	files []string // snapshot file names in SnapshotDir, oldest first
	pickA string   // the first snapshot picked
	diff  *probes.SnapshotDiff

	ports  []probes.SerialPort
	baud   int // index into sniffBauds
	parity int // index into sniffParities

	sniff sniffRun
}

// sniffRun is the capture under way (or the last one).
type sniffRun struct {
	id      int
	port    string
	line    modbus.LineSettings
	feed    <-chan tea.Msg
	cancel  context.CancelFunc
	running bool
	stats   *probes.TrafficStats
	lines   []string
	follow  bool
}

// NewToolsModel returns the tools screen on its menu.
func NewToolsModel(c *Common) ToolsModel {
	return ToolsModel{common: c, keys: newToolsKeys(), w: 80, h: 20}
}

// SetSize sets the body's size.
func (m *ToolsModel) SetSize(w, h int) { m.w, m.h = w, h }

// KeyMap returns the screen's bindings.
func (m ToolsModel) KeyMap() ToolsKeys { return m.keys }

// Nested says whether esc belongs to the screen (a tool is open) rather
// than going back a screen.
func (m ToolsModel) Nested() bool { return m.mode != toolsMenu }

// Sniffing says whether a capture is under way.
func (m ToolsModel) Sniffing() bool { return m.sniff.running }

// Stop ends the capture under way.
func (m ToolsModel) Stop() ToolsModel {
	if m.sniff.cancel != nil {
		m.sniff.cancel()
	}
	m.sniff.cancel, m.sniff.running, m.sniff.feed = nil, false, nil
	return m
}

func (m ToolsModel) line() modbus.LineSettings {
	return modbus.LineSettings{Baud: sniffBauds[m.baud], DataBits: 8, Parity: sniffParities[m.parity], StopBits: 1}
}

func (m ToolsModel) dir() string {
	if m.common.SnapshotDir == "" {
		return "."
	}
	return m.common.SnapshotDir
}

// Update handles the tools' results and keys.
func (m ToolsModel) Update(msg tea.Msg) (ToolsModel, tea.Cmd) {
	switch msg := msg.(type) {
	case toolsFilesMsg:
		if msg.id != m.id {
			return m, nil
		}
		m.files, m.cursor, m.offset = msg.files, 0, 0
		m.note = fmt.Sprintf("%s in %s", plural(len(msg.files), "snapshot"), m.dir())
		if msg.err != nil {
			return m, errCmd("list snapshots", msg.err)
		}
		return m, nil
	case toolsDiffMsg:
		if msg.id != m.id {
			return m, nil
		}
		if msg.err != nil {
			m.note = "no diff"
			return m, errCmd("diff", msg.err)
		}
		d := msg.diff
		m.diff, m.mode, m.offset = &d, toolsDiff, 0
		m.note = fmt.Sprintf("%s changed, %d the same", plural(len(d.Changes), "point"), d.Same)
		return m, nil
	case toolsPortsMsg:
		if msg.id != m.id {
			return m, nil
		}
		m.ports, m.cursor, m.offset = msg.ports, 0, 0
		m.note = plural(len(msg.ports), "serial port")
		if msg.err != nil {
			return m, errCmd("list ports", msg.err)
		}
		return m, nil
	case sniffEventMsg:
		if msg.run != m.sniff.id || !m.sniff.running {
			return m, nil
		}
		m = m.addEvent(msg.ev)
		return m, waitSniffCmd(m.sniff.feed)
	case sniffDoneMsg:
		if msg.run != m.sniff.id {
			return m, nil
		}
		m = m.Stop()
		m.note = "capture ended"
		if msg.err != nil {
			m.note = "capture failed"
			return m, errCmd("sniff "+m.sniff.port, msg.err)
		}
		return m, nil
	case tea.KeyPressMsg:
		return m.updateKey(msg)
	}
	return m, nil
}

// addEvent takes in one event of the capture.
func (m ToolsModel) addEvent(ev modbus.TrafficEvent) ToolsModel {
	m.sniff.stats.Add(ev)
	m.sniff.lines = append(m.sniff.lines, SniffLine(ev))
	if over := len(m.sniff.lines) - maxSniffLines; over > 0 {
		m.sniff.lines = append([]string(nil), m.sniff.lines[over:]...)
		m.offset = max(0, m.offset-over)
	}
	if m.sniff.follow {
		m.offset = m.maxOffset()
	}
	return m
}

// listLen is how many rows the list shown has.
func (m ToolsModel) listLen() int {
	switch m.mode {
	case toolsMenu:
		return 2
	case toolsDiffPick:
		return len(m.files)
	case toolsSniffSetup:
		return len(m.ports)
	case toolsDiff:
		if m.diff != nil {
			return len(m.diff.Changes)
		}
	case toolsSniff:
		return len(m.sniff.lines)
	}
	return 0
}

func (m ToolsModel) rows() int {
	if m.mode == toolsSniff {
		return SniffFramesVisible(m.h, m.summaryUnits())
	}
	if m.mode == toolsDiff && m.diff != nil {
		return DiffRowsVisible(m.h, len(m.diff.Notes) > 0)
	}
	return ToolsRowsVisible(m.h)
}

func (m ToolsModel) summaryUnits() int {
	if m.sniff.stats == nil {
		return 0
	}
	return len(m.sniff.stats.Summary().Units)
}

func (m ToolsModel) maxOffset() int { return max(0, m.listLen()-m.rows()) }

// scrolls says whether the list is a table to scroll (no cursor).
func (m ToolsModel) scrolls() bool { return m.mode == toolsDiff || m.mode == toolsSniff }

func (m ToolsModel) updateKey(kp tea.KeyPressMsg) (ToolsModel, tea.Cmd) {
	page := m.rows()
	switch {
	case key.Matches(kp, m.keys.Stop):
		return m.escape()
	case key.Matches(kp, m.keys.Up), key.Matches(kp, m.keys.Down), key.Matches(kp, m.keys.PgUp), key.Matches(kp, m.keys.PgDown):
		step := 1
		if key.Matches(kp, m.keys.PgUp) || key.Matches(kp, m.keys.PgDown) {
			step = page
		}
		if key.Matches(kp, m.keys.Up) || key.Matches(kp, m.keys.PgUp) {
			step = -step
		}
		if m.scrolls() {
			m.offset = min(m.maxOffset(), max(0, m.offset+step))
			m.sniff.follow = m.offset == m.maxOffset()
			return m, nil
		}
		m.cursor = min(max(0, m.listLen()-1), max(0, m.cursor+step))
		if m.cursor < m.offset {
			m.offset = m.cursor
		} else if m.cursor >= m.offset+page {
			m.offset = m.cursor - page + 1
		}
		return m, nil
	case key.Matches(kp, m.keys.Baud) && m.mode == toolsSniffSetup:
		m.baud = (m.baud + 1) % len(sniffBauds)
	case key.Matches(kp, m.keys.Parity) && m.mode == toolsSniffSetup:
		m.parity = (m.parity + 1) % len(sniffParities)
	case key.Matches(kp, m.keys.Choose):
		return m.choose()
	}
	return m, nil
}

// escape stops the capture, or goes back one step within the tools.
func (m ToolsModel) escape() (ToolsModel, tea.Cmd) {
	switch m.mode {
	case toolsSniff:
		if m.sniff.running {
			m = m.Stop()
			m.note = "capture stopped"
			return m, nil
		}
		m.mode, m.cursor, m.offset = toolsSniffSetup, 0, 0
	case toolsDiff:
		m.mode, m.cursor, m.offset, m.pickA = toolsDiffPick, 0, 0, ""
	case toolsDiffPick, toolsSniffSetup:
		m.mode, m.cursor, m.offset, m.note = toolsMenu, 0, 0, ""
	}
	return m, nil
}

func (m ToolsModel) choose() (ToolsModel, tea.Cmd) {
	switch m.mode {
	case toolsMenu:
		m.id++
		m.offset = 0
		if m.cursor == 0 {
			m.mode, m.files, m.pickA, m.note = toolsDiffPick, nil, "", "listing the snapshots…"
			return m, listSnapshotsCmd(m.id, m.dir())
		}
		m.mode, m.ports, m.note = toolsSniffSetup, nil, "listing the serial ports…"
		return m, listToolsPortsCmd(m.id, m.common.listPorts)
	case toolsDiffPick:
		if m.cursor >= len(m.files) {
			return m, nil
		}
		f := m.files[m.cursor]
		switch m.pickA {
		case "":
			m.pickA = f
			m.note = "A: " + f + " · now pick B"
		case f:
			m.pickA, m.note = "", "A unpicked"
		default:
			m.id++
			m.note = "comparing…"
			return m, diffSnapshotsCmd(m.id, filepath.Join(m.dir(), m.pickA), filepath.Join(m.dir(), f))
		}
	case toolsSniffSetup:
		if m.cursor >= len(m.ports) {
			return m, nil
		}
		return m.startSniff(m.ports[m.cursor].Path)
	}
	return m, nil
}

// startSniff starts a capture of port at the chosen line settings.
func (m ToolsModel) startSniff(port string) (ToolsModel, tea.Cmd) {
	m = m.Stop()
	ctx, cancel := context.WithCancel(m.common.Ctx)
	feed := make(chan tea.Msg, 256)
	m.sniff = sniffRun{id: m.sniff.id + 1, port: port, line: m.line(), feed: feed, cancel: cancel, running: true,
		stats: probes.NewTrafficStats(), follow: true}
	m.mode, m.offset = toolsSniff, 0
	m.note = "listening on " + port + " at " + m.sniff.line.String() + ", never sending · esc stops"
	return m, startSniffCmd(ctx, m.sniff.id, port, m.sniff.line, feed)
}

// View renders the screen's body.
func (m ToolsModel) View() string {
	return RenderTools(m.common.Styles, m.viewData(), m.w, m.h)
}

func (m ToolsModel) viewData() ToolsView {
	v := ToolsView{Status: m.note, Cursor: -1, Offset: m.offset}
	switch m.mode {
	case toolsMenu:
		v.Title = "Tools"
		v.Header = "choose a tool (enter)"
		v.Items = []string{"diff two snapshots   (busprobe diff)   the snapshots of " + m.dir(),
			"sniff a serial port  (busprobe sniff)  listen only, never sending"}
		v.Cursor = m.cursor
	case toolsDiffPick:
		v.Title = "Tools  diff two snapshots"
		v.Header = "pick snapshot A, then B (enter)"
		for _, f := range m.files {
			mark := "   "
			if f == m.pickA {
				mark = "A  "
			}
			v.Items = append(v.Items, mark+f)
		}
		v.Cursor = m.cursor
		if len(m.files) == 0 && m.note != "listing the snapshots…" {
			v.Header = "no snapshot-*.json in " + m.dir() + ": take one on the device screen (s)"
		}
	case toolsDiff:
		v.Title = "Tools  diff two snapshots"
		v.Diff = m.diff
	case toolsSniffSetup:
		v.Title = "Tools  sniff a serial port"
		v.Header = fmt.Sprintf("line %s (b: baud, a: parity) · pick the port (enter)", m.line())
		for _, p := range m.ports {
			v.Items = append(v.Items, p.Path+"  "+portInfo(p))
		}
		v.Cursor = m.cursor
		if len(m.ports) == 0 && m.note != "listing the serial ports…" {
			v.Header = "no serial port found"
		}
	case toolsSniff:
		state := "stopped"
		if m.sniff.running {
			state = "listening"
		}
		v.Title = fmt.Sprintf("Tools  sniff %s %s · %s", m.sniff.port, m.sniff.line, state)
		v.Sniff = true
		v.Frames = m.sniff.lines
		if m.sniff.stats != nil {
			sum := m.sniff.stats.Summary()
			v.Summary = &sum
		}
	}
	return v
}

// portInfo describes a serial port: "FTDI FT232R USB UART (0403:6001)".
func portInfo(p probes.SerialPort) string {
	s := p.Manufacturer
	if p.Product != "" {
		if s != "" {
			s += " "
		}
		s += p.Product
	}
	if p.VendorID != "" {
		s += fmt.Sprintf(" (%s:%s)", p.VendorID, p.ProductID)
	}
	if s == "" {
		s = p.Driver
	}
	return s
}
