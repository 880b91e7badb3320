package tui

import (
	"charm.land/bubbles/v2/textinput"
	"charm.land/lipgloss/v2"
)

// Styles are the looks of the interface. Every mark that carries meaning
// also has a character of its own ("!" error, "~" stale, "[ ]" around the
// active tab, reverse video for the cursor), so a monochrome terminal or
// NO_COLOR loses colour only, never information.
type Styles struct {
	Title     lipgloss.Style
	Tab       lipgloss.Style
	TabActive lipgloss.Style
	Header    lipgloss.Style // table headers
	Selected  lipgloss.Style // the row under the cursor
	Error     lipgloss.Style
	Warn      lipgloss.Style
	OK        lipgloss.Style
	Faint     lipgloss.Style
	Dialog    lipgloss.Style // confirmation dialogs and the help overlay
	Input     textinput.Styles
}

// NewStyles returns the styles; with color false they use bold, faint and
// reverse video only (the renderer also drops colours for NO_COLOR and
// monochrome terminals by itself).
func NewStyles(color bool) Styles {
	s := Styles{
		Title:     lipgloss.NewStyle().Bold(true),
		Tab:       lipgloss.NewStyle(),
		TabActive: lipgloss.NewStyle().Bold(true).Reverse(true),
		Header:    lipgloss.NewStyle().Bold(true),
		Selected:  lipgloss.NewStyle().Reverse(true),
		Error:     lipgloss.NewStyle().Bold(true),
		Warn:      lipgloss.NewStyle(),
		OK:        lipgloss.NewStyle(),
		Faint:     lipgloss.NewStyle().Faint(true),
		Dialog:    lipgloss.NewStyle().Border(lipgloss.NormalBorder()).Padding(0, 1),
		Input:     textinput.DefaultStyles(true),
	}
	if color {
		s.Title = s.Title.Foreground(lipgloss.Color("12"))
		s.Error = s.Error.Foreground(lipgloss.Color("9"))
		s.Warn = s.Warn.Foreground(lipgloss.Color("11"))
		s.OK = s.OK.Foreground(lipgloss.Color("10"))
		s.Dialog = s.Dialog.BorderForeground(lipgloss.Color("12"))
	}
	return s
}

// PlainStyles render text as is (golden files, benchmarks); the dialog
// border stays, as it is part of the layout.
func PlainStyles() Styles {
	p := lipgloss.NewStyle()
	return Styles{
		Title: p, Tab: p, TabActive: p, Header: p, Selected: p, Error: p, Warn: p, OK: p, Faint: p,
		Dialog: lipgloss.NewStyle().Border(lipgloss.NormalBorder()).Padding(0, 1),
	}
}

// newInput returns a text input in the given styles.
func newInput(s Styles, prompt, placeholder string) textinput.Model {
	ti := textinput.New()
	ti.SetStyles(s.Input)
	ti.Prompt = prompt
	ti.Placeholder = placeholder
	return ti
}
