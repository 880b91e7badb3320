package tui

import (
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

// monitorKeep is how many frames the monitor holds.
const monitorKeep = 2000

// MonitorKeys are the traffic monitor's bindings.
type MonitorKeys struct {
	Up, Down key.Binding
	Pause    key.Binding
	Unit     key.Binding
	Search   key.Binding
	Clear    key.Binding
}

// ShortHelp implements help.KeyMap.
func (k MonitorKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Pause, k.Unit, k.Search, k.Clear}
}

// FullHelp implements help.KeyMap.
func (k MonitorKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down}, {k.Pause, k.Unit, k.Search, k.Clear}}
}

func newMonitorKeys() MonitorKeys {
	return MonitorKeys{
		Up:     key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "scroll back")),
		Down:   key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "scroll forward")),
		Pause:  key.NewBinding(key.WithKeys("space", "p"), key.WithHelp("space", "pause")),
		Unit:   key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "unit")),
		Search: key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "search")),
		Clear:  key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "clear")),
	}
}

// MonitorModel is the traffic log of every frame the interface sent and
// received, with the bus health figures computed from it.
type MonitorModel struct {
	common *Common
	keys   MonitorKeys
	w, h   int

	frames    []Frame
	lastSeq   uint64
	paused    bool
	unit      int // -1: all
	searching bool
	search    textinput.Model
	offset    int
}

// NewMonitorModel returns an empty monitor.
func NewMonitorModel(c *Common) MonitorModel {
	ti := newInput(c.Styles, "/", "")
	return MonitorModel{common: c, keys: newMonitorKeys(), w: 80, h: 20, unit: -1, search: ti}
}

// SetSize sets the body's size.
func (m *MonitorModel) SetSize(w, h int) { m.w, m.h = w, h; m.search.SetWidth(max(10, w/3)) }

// KeyMap returns the screen's bindings.
func (m MonitorModel) KeyMap() MonitorKeys { return m.keys }

// Typing says whether keys go to the search input.
func (m MonitorModel) Typing() bool { return m.searching }

// Pull takes in the frames logged since the last pull (unless paused). It
// only reads memory, so it runs in Update.
func (m MonitorModel) Pull() MonitorModel {
	if m.paused || m.common.Traffic == nil {
		return m
	}
	fresh := m.common.Traffic.Since(m.lastSeq)
	if len(fresh) == 0 {
		return m
	}
	m.lastSeq = fresh[len(fresh)-1].Seq
	fs := append(append([]Frame(nil), m.frames...), fresh...)
	if len(fs) > monitorKeep {
		fs = fs[len(fs)-monitorKeep:]
	}
	m.frames = fs
	return m
}

// Update handles the heartbeat and keys.
func (m MonitorModel) Update(msg tea.Msg) (MonitorModel, tea.Cmd) {
	switch msg := msg.(type) {
	case refreshMsg:
		return m.Pull(), nil
	case tea.KeyPressMsg:
		if m.searching {
			switch msg.String() {
			case "enter", "esc":
				m.searching = false
				m.search.Blur()
				if msg.String() == "esc" {
					m.search.SetValue("")
				}
				return m, nil
			}
			var cmd tea.Cmd
			m.search, cmd = m.search.Update(msg)
			return m, cmd
		}
		switch {
		case key.Matches(msg, m.keys.Up):
			m.offset = min(m.offset+1, max(0, len(m.visible())-1))
		case key.Matches(msg, m.keys.Down):
			m.offset = max(0, m.offset-1)
		case key.Matches(msg, m.keys.Pause):
			m.paused = !m.paused
			if !m.paused {
				m = m.Pull()
			}
		case key.Matches(msg, m.keys.Unit):
			m.unit = nextUnit(m.frames, m.unit)
			m.offset = 0
		case key.Matches(msg, m.keys.Search):
			m.searching = true
			return m, m.search.Focus()
		case key.Matches(msg, m.keys.Clear):
			m.unit, m.offset = -1, 0
			m.search.SetValue("")
		}
		return m, nil
	}
	if m.searching {
		var cmd tea.Cmd
		m.search, cmd = m.search.Update(msg)
		return m, cmd
	}
	return m, nil
}

// nextUnit cycles the unit filter through the units seen, then "all".
func nextUnit(frames []Frame, cur int) int {
	seen := map[int]bool{}
	for _, f := range frames {
		if f.Unit >= 0 {
			seen[f.Unit] = true
		}
	}
	units := make([]int, 0, len(seen))
	for u := range seen {
		units = append(units, u)
	}
	sort.Ints(units)
	for _, u := range units {
		if u > cur {
			return u
		}
	}
	return -1
}

// visible returns the frames that pass the filters.
func (m MonitorModel) visible() []Frame {
	q := strings.ToLower(strings.TrimSpace(m.search.Value()))
	if m.unit < 0 && q == "" {
		return m.frames
	}
	var out []Frame
	for _, f := range m.frames {
		if m.unit >= 0 && f.Unit != m.unit {
			continue
		}
		if q != "" && !strings.Contains(strings.ToLower(f.Text+" "+f.Note+" "+f.Source), q) {
			continue
		}
		out = append(out, f)
	}
	return out
}

// View renders the screen's body.
func (m MonitorModel) View() string {
	vis := m.visible()
	search := m.search.Value()
	if m.searching {
		search = m.search.View()
	}
	return RenderMonitor(m.common.Styles, MonitorView{
		Frames: vis, Paused: m.paused, Unit: m.unit, Search: search,
		Health: ComputeHealth(vis), Offset: m.offset,
	}, m.w, m.h)
}
