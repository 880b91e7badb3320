package tui

import (
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// screenKeys returns the help key map of the screen shown.
func (m Model) screenKeys() help.KeyMap {
	switch m.screen {
	case ScreenConnect:
		return m.connect.KeyMap()
	case ScreenScan:
		return m.scan.KeyMap()
	case ScreenDevices:
		return m.devices.KeyMap()
	case ScreenDevice:
		return m.device.KeyMap()
	case ScreenExport:
		return m.export.KeyMap()
	case ScreenTools:
		return m.tools.KeyMap()
	default:
		return m.monitor.KeyMap()
	}
}

// globalHelp implements help.KeyMap for the bindings of every screen.
type globalHelp struct{ k GlobalKeys }

func (g globalHelp) ShortHelp() []key.Binding { return []key.Binding{g.k.Help, g.k.Quit, g.k.Back} }
func (g globalHelp) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{g.k.Connect, g.k.Scan, g.k.Devices, g.k.Device, g.k.Monitor, g.k.Export, g.k.Tools},
		{g.k.Help, g.k.Back, g.k.Quit, g.k.ForceQ},
	}
}

// body renders the screen shown.
func (m Model) body() string {
	switch m.screen {
	case ScreenConnect:
		return m.connect.View()
	case ScreenScan:
		return m.scan.View()
	case ScreenDevices:
		return m.devices.View()
	case ScreenDevice:
		return m.device.View()
	case ScreenExport:
		return m.export.View()
	case ScreenTools:
		return m.tools.View()
	default:
		return m.monitor.View()
	}
}

// Render returns the whole screen as text, w×h cells.
func (m Model) Render() string {
	s := m.common.Styles
	body := m.body()
	h := m.help
	h.Styles = help.Styles{} // plain: the key names read the same in monochrome
	if m.showHelp {
		full := m.screen.String() + " keys\n\n" + h.FullHelpView(m.screenKeys().FullHelp()) +
			"\n\nEvery screen\n\n" + h.FullHelpView(globalHelp{m.keys}.FullHelp())
		body = RenderHelpOverlay(s, body, full, m.w, max(1, m.h-3))
	}
	// "? help" and quitting first, so that a narrow terminal still shows them.
	var short []key.Binding
	if m.typing() {
		short = append(short, key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "stop typing")),
			key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")))
	} else {
		short = append(short, globalHelp{m.keys}.ShortHelp()...)
	}
	short = append(short, m.screenKeys().ShortHelp()...)
	helpLine := " " + h.ShortHelpView(short)
	return RenderLayout(RenderTabs(s, m.screen, m.w), body, RenderError(s, m.err), helpLine, m.w, m.h)
}

// View implements tea.Model: the whole screen on the alternate screen.
func (m Model) View() tea.View {
	if m.quitting {
		return tea.NewView("")
	}
	v := tea.NewView(m.Render())
	v.AltScreen = true
	v.WindowTitle = "busprobe " + strings.ToLower(m.screen.String())
	return v
}
