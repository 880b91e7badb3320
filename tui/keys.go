package tui

import "charm.land/bubbles/v2/key"

// GlobalKeys work on every screen (except while typing, where only Quit
// (ctrl+c) and Back (esc) do).
type GlobalKeys struct {
	Quit    key.Binding
	ForceQ  key.Binding
	Back    key.Binding
	Help    key.Binding
	Connect key.Binding
	Scan    key.Binding
	Devices key.Binding
	Device  key.Binding
	Monitor key.Binding
	Export  key.Binding
	Tools   key.Binding
}

func newGlobalKeys() GlobalKeys {
	return GlobalKeys{
		Quit:    key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),
		ForceQ:  key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),
		Back:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Help:    key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Connect: key.NewBinding(key.WithKeys("1"), key.WithHelp("1", "connect")),
		Scan:    key.NewBinding(key.WithKeys("2"), key.WithHelp("2", "scan")),
		Devices: key.NewBinding(key.WithKeys("3"), key.WithHelp("3", "devices")),
		Device:  key.NewBinding(key.WithKeys("4"), key.WithHelp("4", "device")),
		Monitor: key.NewBinding(key.WithKeys("5"), key.WithHelp("5", "monitor")),
		Export:  key.NewBinding(key.WithKeys("6"), key.WithHelp("6", "export")),
		Tools:   key.NewBinding(key.WithKeys("7"), key.WithHelp("7", "tools")),
	}
}

// Shared movement bindings.

func upKey() key.Binding {
	return key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up"))
}
func downKey() key.Binding {
	return key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down"))
}
func pgUpKey() key.Binding {
	return key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up"))
}
func pgDownKey() key.Binding {
	return key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "page down"))
}
