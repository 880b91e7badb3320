package tui

import (
	"context"
	"errors"
	"fmt"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/busprobe/busprobe/probes"
	"github.com/busprobe/busprobe/profiles"
	"github.com/busprobe/busprobe/protocols/modbus"
)

// ScanJob is one bus to scan: a TCP scan, or a serial scan on a line.
type ScanJob struct {
	Label  string                   // what the screen calls it: "tcp://10.0.0.5:502", "/dev/ttyUSB0"
	TCP    *probes.TCPScanConfig    // a TCP scan…
	Serial *probes.SerialScanConfig // …or a serial scan…
	Open   probes.LineOpener        // …of this line (nil: the serial port Serial.Port)
}

// ScanRequest is what a scan covers: one or more buses, one after the other.
type ScanRequest struct {
	Jobs []ScanJob
	// Recent, when set, is remembered in the recent targets once the scan starts.
	Recent *RecentTarget
}

// ScanKeys are the scan screen's bindings.
type ScanKeys struct {
	Up, Down key.Binding
	Open     key.Binding
	Cancel   key.Binding
	Rescan   key.Binding
}

// ShortHelp implements help.KeyMap.
func (k ScanKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Open, k.Cancel, k.Rescan}
}

// FullHelp implements help.KeyMap.
func (k ScanKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down, k.Open}, {k.Cancel, k.Rescan}}
}

func newScanKeys() ScanKeys {
	return ScanKeys{
		Up:     upKey(),
		Down:   downKey(),
		Open:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
		Cancel: key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "cancel (keeps found)")),
		Rescan: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "rescan")),
	}
}

// ScanModel is the scan screen: progress, ETA, the settings being tried and
// the devices as they are found.
type ScanModel struct {
	common *Common
	keys   ScanKeys
	w, h   int

	id      int // the current scan; messages of older scans are dropped
	req     ScanRequest
	running bool
	cancel  context.CancelFunc
	ch      chan tea.Msg

	job      int // index of the job running
	progress probes.Progress
	started  time.Time
	ended    time.Time
	now      time.Time
	state    string
	devices  []probes.Device
	notes    []string
	cursor   int
}

// NewScanModel returns an idle scan screen.
func NewScanModel(c *Common) ScanModel {
	return ScanModel{common: c, keys: newScanKeys(), w: 80, h: 20, state: "no scan yet: pick a target on the connect screen"}
}

// SetSize sets the body's size.
func (m *ScanModel) SetSize(w, h int) { m.w, m.h = w, h }

// KeyMap returns the screen's bindings for the help.
func (m ScanModel) KeyMap() ScanKeys { return m.keys }

// Running says whether a scan is under way.
func (m ScanModel) Running() bool { return m.running }

// Devices returns the devices found so far.
func (m ScanModel) Devices() []probes.Device { return m.devices }

// Start cancels any scan under way and starts req.
func (m ScanModel) Start(req ScanRequest) (ScanModel, tea.Cmd) {
	m = m.Stop()
	if len(req.Jobs) == 0 {
		return m, errCmd("scan", errors.New("nothing to scan"))
	}
	m.id++
	m.req = req
	m.running = true
	m.job = 0
	m.progress = probes.Progress{}
	m.started = m.common.now()
	m.now = m.started
	m.ended = time.Time{}
	m.state = "scanning"
	m.devices = nil
	m.notes = nil
	m.cursor = 0
	ctx, cancel := context.WithCancel(m.common.Ctx)
	m.cancel = cancel
	m.ch = make(chan tea.Msg, 256)
	return m, tea.Batch(runScan(ctx, m.common.Ctx, m.id, req, m.common.Lib, m.common.Traffic, m.ch), waitScan(m.ch))
}

// Stop cancels the scan under way; what was found stays.
func (m ScanModel) Stop() ScanModel {
	if m.cancel != nil {
		m.cancel()
		m.cancel = nil
	}
	if m.running {
		m.state = "cancelled: kept what was found"
	}
	return m
}

// runScan runs the jobs one after the other, sending their events to ch;
// it ends with scanFinishedMsg and closes ch. Everything it uses is passed
// in, so it shares nothing with the model.
func runScan(ctx, appCtx context.Context, id int, req ScanRequest, lib *profiles.Library, traffic *Traffic, ch chan tea.Msg) tea.Cmd {
	jobs := append([]ScanJob(nil), req.Jobs...)
	return func() tea.Msg {
		defer close(ch)
		send := func(msg tea.Msg) {
			select {
			case ch <- msg:
			case <-appCtx.Done():
			}
		}
		for i, job := range jobs {
			if ctx.Err() != nil {
				break
			}
			emit := func(ev probes.Event) { send(scanEventMsg{id: id, job: i, ev: ev}) }
			var res probes.ScanResult
			var err error
			switch {
			case job.TCP != nil:
				cfg := *job.TCP
				if cfg.Library == nil {
					cfg.Library = lib
				}
				res, err = probes.ScanTCP(ctx, cfg, emit)
			case job.Serial != nil:
				cfg := *job.Serial
				if cfg.Library == nil {
					cfg.Library = lib
				}
				if cfg.Tap == nil && traffic != nil {
					cfg.Tap = traffic.Tap(cfg.Port, modbus.FramingRTU)
				}
				open := job.Open
				if open == nil {
					open = probes.SerialPortOpener(cfg.Port)
				}
				res, err = probes.ScanSerial(ctx, open, cfg, emit)
			default:
				err = fmt.Errorf("scan job %q has neither a TCP nor a serial configuration", job.Label)
			}
			send(scanJobDoneMsg{id: id, job: i, result: res, err: err})
		}
		send(scanFinishedMsg{id: id})
		return nil
	}
}

// waitScan reads the next message of a scan; nil once the scan is over.
func waitScan(ch chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		msg, ok := <-ch
		if !ok {
			return nil
		}
		return msg
	}
}

// Update handles the scan's messages and keys.
func (m ScanModel) Update(msg tea.Msg) (ScanModel, tea.Cmd) {
	switch msg := msg.(type) {
	case scanEventMsg:
		if msg.id != m.id {
			return m, nil
		}
		m.job = msg.job
		switch msg.ev.Type {
		case "progress":
			if msg.ev.Progress != nil {
				m.progress = *msg.ev.Progress
			}
		case "found":
			if msg.ev.Device != nil {
				m.devices = upsertDevice(m.devices, *msg.ev.Device)
			}
		}
		return m, waitScan(m.ch)
	case scanJobDoneMsg:
		if msg.id != m.id {
			return m, nil
		}
		for _, d := range msg.result.Devices {
			m.devices = upsertDevice(m.devices, d)
		}
		m.notes = append(m.notes, msg.result.Notes...)
		var cmd tea.Cmd
		if msg.err != nil && !errors.Is(msg.err, context.Canceled) {
			cmd = errCmd("scan "+m.req.Jobs[msg.job].Label, msg.err)
		}
		return m, tea.Batch(cmd, waitScan(m.ch))
	case scanFinishedMsg:
		if msg.id != m.id {
			return m, nil
		}
		m.ended = m.common.now()
		m.now = m.ended
		if m.running && m.state == "scanning" {
			m.state = "done"
		}
		m.running = false
		m.cancel = nil
		return m, nil
	case refreshMsg:
		m.now = msg.at
		return m, nil
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, m.keys.Up):
			m.cursor = max(0, m.cursor-1)
		case key.Matches(msg, m.keys.Down):
			m.cursor = max(0, min(len(m.devices)-1, m.cursor+1))
		case key.Matches(msg, m.keys.Cancel):
			if m.running {
				m = m.Stop()
			}
		case key.Matches(msg, m.keys.Rescan):
			if len(m.req.Jobs) > 0 {
				return m.Start(m.req)
			}
		case key.Matches(msg, m.keys.Open):
			if m.cursor < len(m.devices) {
				d := m.devices[m.cursor]
				return m, func() tea.Msg { return OpenDeviceMsg{Device: d} }
			}
		}
	}
	return m, nil
}

// View renders the screen's body.
func (m ScanModel) View() string {
	return RenderScan(m.common.Styles, m.viewData(), m.w, m.h)
}

func (m ScanModel) viewData() ScanView {
	v := ScanView{
		Jobs:    len(m.req.Jobs),
		Job:     m.job + 1,
		State:   m.state,
		Done:    m.progress.Done,
		Total:   m.progress.Total,
		Current: m.progress.Current,
		ETA:     time.Duration(m.progress.ETAMS * float64(time.Millisecond)),
		Devices: m.devices,
		Cursor:  m.cursor,
		Notes:   m.notes,
	}
	if m.job < len(m.req.Jobs) {
		v.Target = m.req.Jobs[m.job].Label
	}
	if !m.started.IsZero() {
		end := m.now
		if !m.ended.IsZero() {
			end = m.ended
		}
		v.Elapsed = end.Sub(m.started)
	}
	if !m.running && m.state == "done" && v.Total == 0 {
		v.Done, v.Total = 1, 1
	}
	return v
}

// upsertDevice adds d to devs, or replaces the device with the same URL
// and unit.
func upsertDevice(devs []probes.Device, d probes.Device) []probes.Device {
	for i := range devs {
		if devs[i].URL == d.URL && devs[i].Unit == d.Unit {
			devs[i] = d
			return devs
		}
	}
	return append(devs, d)
}

// errCmd returns a command that reports an error.
func errCmd(where string, err error) tea.Cmd {
	return func() tea.Msg { return ErrorMsg{Where: where, Err: err} }
}
