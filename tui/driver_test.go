package tui

import (
	"context"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/busprobe/busprobe/probes"
	"github.com/busprobe/busprobe/profiles"
)

// driver runs a model the way a tea.Program does, without a terminal:
// commands run in goroutines and their messages come back through a
// channel, one Update at a time on the test's goroutine.
type driver struct {
	t     testing.TB
	m     Model
	msgs  chan tea.Msg
	quit  bool
	steps int
}

func newDriver(t testing.TB, m Model) *driver {
	d := &driver{t: t, m: m, msgs: make(chan tea.Msg, 4096)}
	d.exec(m.Init())
	return d
}

func (d *driver) exec(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() {
		msg := cmd()
		if msg != nil {
			d.msgs <- msg
		}
	}()
}

// send runs one message through Update.
func (d *driver) send(msg tea.Msg) {
	switch msg := msg.(type) {
	case tea.BatchMsg:
		for _, c := range msg {
			d.exec(c)
		}
		return
	case tea.QuitMsg:
		d.quit = true
		return
	}
	d.steps++
	nm, cmd := d.m.Update(msg)
	d.m = nm.(Model)
	d.exec(cmd)
}

// until processes messages until cond holds; it fails the test after timeout.
func (d *driver) until(what string, timeout time.Duration, cond func(Model) bool) {
	d.t.Helper()
	deadline := time.After(timeout)
	for !cond(d.m) {
		select {
		case msg := <-d.msgs:
			d.send(msg)
		case <-deadline:
			d.t.Fatalf("timed out waiting for %s; screen:\n%s", what, d.m.Render())
		}
	}
}

// key builds a key press: "enter", "esc", "up", "down", "space" or a character.
func keyPress(s string) tea.KeyPressMsg {
	switch s {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	r := []rune(s)[0]
	return tea.KeyPressMsg{Code: r, Text: s}
}

// testCommon returns a Common for tests: embedded profiles, plain styles,
// no serial ports, fast polls.
func testCommon(t testing.TB) *Common {
	t.Helper()
	lib, err := profiles.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := NewCommon(ctx, lib)
	c.Styles = PlainStyles()
	c.ListPorts = func() ([]probes.SerialPort, error) { return nil, nil }
	c.PollInterval = 100 * time.Millisecond
	t.Cleanup(func() {
		cancel()
		c.Clients.Close()
	})
	return c
}

func tea_WindowSize(w, h int) tea.WindowSizeMsg { return tea.WindowSizeMsg{Width: w, Height: h} }
