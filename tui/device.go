package tui

import (
	"context"
	"fmt"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/busprobe/busprobe/probes"
	"github.com/busprobe/busprobe/profiles"
	"github.com/busprobe/busprobe/protocols/modbus"
)

// trendLen is how many values a point's trend keeps.
const trendLen = 64

// DeviceKeys are the device screen's bindings.
type DeviceKeys struct {
	Up, Down, PgUp, PgDown key.Binding
	Raw                    key.Binding
	Order                  key.Binding
	Write                  key.Binding
	Confirm, Decline       key.Binding
	Pause                  key.Binding
	Snapshot               key.Binding
}

// ShortHelp implements help.KeyMap.
func (k DeviceKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Raw, k.Order, k.Write, k.Snapshot, k.Pause}
}

// FullHelp implements help.KeyMap.
func (k DeviceKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down, k.PgUp, k.PgDown}, {k.Raw, k.Order, k.Pause, k.Snapshot}, {k.Write, k.Confirm, k.Decline}}
}

func newDeviceKeys() DeviceKeys {
	return DeviceKeys{
		Up: upKey(), Down: downKey(), PgUp: pgUpKey(), PgDown: pgDownKey(),
		Raw:      key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "raw")),
		Order:    key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "word order")),
		Write:    key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "write")),
		Confirm:  key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "confirm write")),
		Decline:  key.NewBinding(key.WithKeys("n", "esc"), key.WithHelp("n/esc", "cancel write")),
		Pause:    key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "pause")),
		Snapshot: key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "snapshot")),
	}
}

// pointState is what the device screen knows of one point.
type pointState struct {
	pi      int // index into the profile's points
	value   profiles.Value
	has     bool // a value was read at least once since the order last changed
	failed  bool
	err     string
	lastOK  time.Time
	lo, hi  float64
	numeric bool
	trend   []float64
}

// DeviceModel is the live view of one device: its decoded points, polled
// in the background by probes.Poller (see device_poll.go).
type DeviceModel struct {
	common *Common
	keys   DeviceKeys
	w, h   int

	id     int // the device session; write and snapshot results of older sessions are dropped
	dev    probes.Device
	prof   *profiles.Profile // a private copy: word order changes replace it
	rows   []pointState
	byName map[string]int
	cursor int
	offset int
	raw    bool
	paused bool
	ctx    context.Context // the device session's; Close cancels it
	cancel context.CancelFunc
	now    time.Time

	bus     *probes.Bus    // the session's line to the device, shared by its poller runs
	run     pollRun        // the poller run whose samples are taken in
	runs    int            // runs started, for their IDs
	learned probes.Learned // what the runs learned; the next run starts from it

	polls, failed int
	last          probes.Sample
	// stats are the session's figures: its bus's, which only this device's
	// runs use, so they carry on across pauses and word order changes.
	stats probes.Stats
	note  string

	editing bool
	input   textinput.Model
	plan    *probes.PlannedWrite
}

// NewDeviceModel returns a device screen showing nothing.
func NewDeviceModel(c *Common) DeviceModel {
	ti := newInput(c.Styles, "new value: ", "")
	return DeviceModel{common: c, keys: newDeviceKeys(), w: 80, h: 20, input: ti}
}

// SetSize sets the body's size.
func (m *DeviceModel) SetSize(w, h int) {
	m.w, m.h = w, h
	m.input.SetWidth(max(10, w/2))
	m.clampOffset()
}

// KeyMap returns the screen's bindings.
func (m DeviceModel) KeyMap() DeviceKeys { return m.keys }

// Typing says whether keys go to the write value input.
func (m DeviceModel) Typing() bool { return m.editing }

// Device returns the device shown.
func (m DeviceModel) Device() probes.Device { return m.dev }

// Active says whether a device is shown.
func (m DeviceModel) Active() bool { return m.dev.URL != "" }

// Open stops polling the previous device and starts on d.
func (m DeviceModel) Open(d probes.Device) (DeviceModel, tea.Cmd) {
	m = m.Close()
	m.id++
	m.dev = d
	m.prof = nil
	m.rows, m.byName = nil, map[string]int{}
	m.cursor, m.offset, m.raw, m.paused = 0, 0, false, false
	m.polls, m.failed, m.last, m.stats, m.learned, m.note = 0, 0, probes.Sample{}, probes.Stats{}, probes.Learned{}, ""
	m.editing, m.plan = false, nil
	m.now = m.common.now()
	if d.Profile == "" {
		m.note = "no profile matched: pick one on the devices screen (3, then p)"
		return m, nil
	}
	if m.common.Lib == nil {
		m.note = "no profile library"
		return m, nil
	}
	p, err := m.common.Lib.Get(d.Profile)
	if err != nil {
		m.note = err.Error()
		return m, nil
	}
	target, err := modbus.ParseURL(d.URL)
	if err != nil {
		m.note = err.Error()
		return m, nil
	}
	m.prof = cloneProfile(p)
	for i := range m.prof.Points {
		pt := &m.prof.Points[i]
		if !pt.Access.CanRead() {
			continue
		}
		m.byName[pt.Name] = len(m.rows)
		m.rows = append(m.rows, pointState{pi: i})
	}
	m.ctx, m.cancel = context.WithCancel(m.common.Ctx)
	m.bus = probes.StartBus(m.ctx, probes.BusConfig{Name: d.URL, Open: sharedOpen(m.common.Clients, d.URL), Line: target.Line})
	return m.startRun()
}

// Close stops polling and ends the device session.
func (m DeviceModel) Close() DeviceModel {
	m = m.stopRun()
	if m.cancel != nil {
		m.cancel()
		m.cancel = nil
	}
	m.bus = nil
	return m
}

// cloneProfile copies p deeply enough that its points can be changed.
func cloneProfile(p *profiles.Profile) *profiles.Profile {
	c := *p
	c.Points = append([]profiles.Point(nil), p.Points...)
	return &c
}

// Update handles samples, write and snapshot results, and keys.
func (m DeviceModel) Update(msg tea.Msg) (DeviceModel, tea.Cmd) {
	switch msg := msg.(type) {
	case pollSampleMsg:
		if msg.run != m.run.id || m.cancel == nil {
			return m, nil // a run since stopped: the device was left, or the profile changed
		}
		m = m.applySample(msg)
		return m, waitPollCmd(m.run.feed)
	case pollEndedMsg:
		if msg.run != m.run.id || m.cancel == nil {
			return m, nil
		}
		m = m.stopRun()
		m.note = "polling stopped: " + msg.err.Error()
		return m, nil
	case writePlannedMsg:
		if msg.id != m.id {
			return m, nil
		}
		if msg.err != nil {
			return m, errCmd("write", msg.err)
		}
		p := msg.plan
		m.plan = &p
		return m, nil
	case writeDoneMsg:
		if msg.id != m.id {
			return m, nil
		}
		m.note = fmt.Sprintf("write %s: %s", msg.result.Plan.Spec.Target(), msg.result.Status)
		if msg.result.ReadBack != nil {
			m.note += ", reads back " + msg.result.ReadBack.Display
		}
		if msg.err != nil {
			return m, errCmd("write", msg.err)
		}
		return m, nil
	case snapshotMsg:
		if msg.id != m.id {
			return m, nil
		}
		if msg.err != nil {
			m.note = "snapshot failed"
			return m, errCmd("snapshot", msg.err)
		}
		m.note = msg.text
		return m, nil
	case refreshMsg:
		m.now = msg.at
		return m, nil
	case tea.KeyPressMsg:
		return m.updateKey(msg)
	}
	if m.editing {
		var cmd tea.Cmd
		m.input, cmd = m.input.Update(msg)
		return m, cmd
	}
	return m, nil
}

func (m DeviceModel) updateKey(kp tea.KeyPressMsg) (DeviceModel, tea.Cmd) {
	if m.plan != nil {
		switch {
		case key.Matches(kp, m.keys.Confirm):
			plan := *m.plan
			m.plan = nil
			m.note = "writing " + plan.Spec.Target() + "…"
			return m, m.executeWriteCmd(plan)
		case key.Matches(kp, m.keys.Decline):
			m.plan = nil
			m.note = "write cancelled: nothing sent"
		}
		return m, nil
	}
	if m.editing {
		switch kp.String() {
		case "esc":
			m.editing = false
			m.input.Blur()
			return m, nil
		case "enter":
			m.editing = false
			m.input.Blur()
			return m, m.planWriteCmd(m.input.Value())
		}
		var cmd tea.Cmd
		m.input, cmd = m.input.Update(kp)
		return m, cmd
	}
	page := DeviceRowsVisible(m.h)
	switch {
	case key.Matches(kp, m.keys.Up):
		m.cursor = max(0, m.cursor-1)
	case key.Matches(kp, m.keys.Down):
		m.cursor = max(0, min(len(m.rows)-1, m.cursor+1))
	case key.Matches(kp, m.keys.PgUp):
		m.cursor = max(0, m.cursor-page)
	case key.Matches(kp, m.keys.PgDown):
		m.cursor = max(0, min(len(m.rows)-1, m.cursor+page))
	case key.Matches(kp, m.keys.Raw):
		m.raw = !m.raw
	case key.Matches(kp, m.keys.Pause):
		m.paused = !m.paused
		if m.paused {
			m = m.pauseRun()
		} else {
			return m.startRun()
		}
	case key.Matches(kp, m.keys.Order):
		return m.cycleOrder()
	case key.Matches(kp, m.keys.Snapshot):
		if m.prof != nil {
			m.note = "taking a snapshot…"
			return m, m.snapshotCmd()
		}
	case key.Matches(kp, m.keys.Write):
		if pt := m.selected(); pt != nil {
			if !pt.Access.CanWrite() || (pt.Table != profiles.TableHolding && pt.Table != profiles.TableCoil) {
				return m, errCmd("write", fmt.Errorf("%s is a read-only %s point", pt.Name, pt.Table))
			}
			m.editing = true
			m.input.Prompt = "new value for " + pt.Name + ": "
			m.input.SetValue("")
			return m, m.input.Focus()
		}
	}
	m.clampOffset()
	return m, nil
}

// selected returns the point under the cursor.
func (m DeviceModel) selected() *profiles.Point {
	if m.prof == nil || m.cursor >= len(m.rows) {
		return nil
	}
	return &m.prof.Points[m.rows[m.cursor].pi]
}

func (m *DeviceModel) clampOffset() {
	page := DeviceRowsVisible(m.h)
	if m.cursor < m.offset {
		m.offset = m.cursor
	}
	if m.cursor >= m.offset+page {
		m.offset = m.cursor - page + 1
	}
	m.offset = max(0, m.offset)
}
