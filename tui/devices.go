package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/busprobe/busprobe/probes"
	"github.com/busprobe/busprobe/profiles"
)

// DevicesKeys are the devices screen's bindings.
type DevicesKeys struct {
	Up, Down key.Binding
	Open     key.Binding
	Profile  key.Binding
	// Picker bindings.
	Pick, Cancel key.Binding
}

// ShortHelp implements help.KeyMap.
func (k DevicesKeys) ShortHelp() []key.Binding { return []key.Binding{k.Open, k.Profile} }

// FullHelp implements help.KeyMap.
func (k DevicesKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down, k.Open}, {k.Profile, k.Pick, k.Cancel}}
}

func newDevicesKeys() DevicesKeys {
	return DevicesKeys{
		Up:      upKey(),
		Down:    downKey(),
		Open:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
		Profile: key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "pick profile")),
		Pick:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "use profile (picker)")),
		Cancel:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "close picker")),
	}
}

// DevicesModel is the list of devices found, with a profile picker.
type DevicesModel struct {
	common  *Common
	keys    DevicesKeys
	w, h    int
	devices []probes.Device
	cursor  int

	picking bool
	filter  textinput.Model
	matches []*profiles.Profile
	pcursor int
}

// NewDevicesModel returns an empty device list.
func NewDevicesModel(c *Common) DevicesModel {
	ti := newInput(c.Styles, "filter: ", "vendor, model or id")
	return DevicesModel{common: c, keys: newDevicesKeys(), w: 80, h: 20, filter: ti}
}

// SetSize sets the body's size.
func (m *DevicesModel) SetSize(w, h int) { m.w, m.h = w, h; m.filter.SetWidth(max(10, w-12)) }

// KeyMap returns the screen's bindings.
func (m DevicesModel) KeyMap() DevicesKeys { return m.keys }

// Typing says whether keys go to the picker's filter.
func (m DevicesModel) Typing() bool { return m.picking }

// Devices returns the list.
func (m DevicesModel) Devices() []probes.Device { return m.devices }

// Add adds or replaces a device (same URL and unit).
func (m DevicesModel) Add(d probes.Device) DevicesModel {
	m.devices = upsertDevice(append([]probes.Device(nil), m.devices...), d)
	return m
}

// Update handles keys.
func (m DevicesModel) Update(msg tea.Msg) (DevicesModel, tea.Cmd) {
	kp, ok := msg.(tea.KeyPressMsg)
	if !ok {
		if m.picking {
			var cmd tea.Cmd
			m.filter, cmd = m.filter.Update(msg)
			return m, cmd
		}
		return m, nil
	}
	if m.picking {
		return m.updatePicker(kp)
	}
	switch {
	case key.Matches(kp, m.keys.Up):
		m.cursor = max(0, m.cursor-1)
	case key.Matches(kp, m.keys.Down):
		m.cursor = max(0, min(len(m.devices)-1, m.cursor+1))
	case key.Matches(kp, m.keys.Open):
		if m.cursor < len(m.devices) {
			d := m.devices[m.cursor]
			return m, func() tea.Msg { return OpenDeviceMsg{Device: d} }
		}
	case key.Matches(kp, m.keys.Profile):
		if m.cursor < len(m.devices) && m.common.Lib != nil {
			m.picking = true
			m.filter.SetValue("")
			m.pcursor = 0
			m.matches = filterProfiles(m.common.Lib, "")
			return m, m.filter.Focus()
		}
	}
	return m, nil
}

func (m DevicesModel) updatePicker(kp tea.KeyPressMsg) (DevicesModel, tea.Cmd) {
	switch {
	case key.Matches(kp, m.keys.Cancel):
		m.picking = false
		m.filter.Blur()
		return m, nil
	case key.Matches(kp, m.keys.Up):
		if kp.String() == "up" {
			m.pcursor = max(0, m.pcursor-1)
			return m, nil
		}
	case key.Matches(kp, m.keys.Down):
		if kp.String() == "down" {
			m.pcursor = max(0, min(len(m.matches)-1, m.pcursor+1))
			return m, nil
		}
	case key.Matches(kp, m.keys.Pick):
		if m.pcursor < len(m.matches) && m.cursor < len(m.devices) {
			p := m.matches[m.pcursor]
			m.devices = append([]probes.Device(nil), m.devices...)
			d := m.devices[m.cursor]
			d.Profile, d.Confidence = p.ID, 1
			d.Notes = append(append([]string(nil), d.Notes...), "profile "+p.ID+" set by hand")
			m.devices[m.cursor] = d
		}
		m.picking = false
		m.filter.Blur()
		return m, nil
	}
	var cmd tea.Cmd
	m.filter, cmd = m.filter.Update(kp)
	m.matches = filterProfiles(m.common.Lib, m.filter.Value())
	m.pcursor = max(0, min(m.pcursor, len(m.matches)-1))
	return m, cmd
}

// filterProfiles returns the profiles whose ID, vendor, model or aliases
// contain every word of q (case-insensitive), in library order.
func filterProfiles(lib *profiles.Library, q string) []*profiles.Profile {
	if lib == nil {
		return nil
	}
	words := strings.Fields(strings.ToLower(q))
	var out []*profiles.Profile
	for _, p := range lib.List() {
		hay := strings.ToLower(p.ID + " " + p.Vendor + " " + p.Model + " " + strings.Join(p.Aliases, " "))
		ok := true
		for _, w := range words {
			if !strings.Contains(hay, w) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, p)
		}
	}
	return out
}

// View renders the screen's body.
func (m DevicesModel) View() string {
	v := DevicesView{Devices: m.devices, Cursor: m.cursor}
	if m.picking {
		pv := PickerView{Input: m.filter.View(), Cursor: m.pcursor}
		if m.cursor < len(m.devices) {
			d := m.devices[m.cursor]
			pv.Device = fmt.Sprintf("unit %d (%s)", d.Unit, DeviceIdentity(d))
		}
		if m.common.Lib != nil {
			pv.Total = m.common.Lib.Len()
		}
		for _, p := range m.matches {
			pv.Items = append(pv.Items, fmt.Sprintf("%-28s %s %s", p.ID, p.Vendor, p.Model))
		}
		v.Picker = &pv
	}
	return RenderDevices(m.common.Styles, v, m.w, m.h)
}
