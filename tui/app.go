package tui

import (
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// Screen is one of the interface's screens.
type Screen int

// Screens, in tab order.
const (
	ScreenConnect Screen = iota
	ScreenScan
	ScreenDevices
	ScreenDevice
	ScreenMonitor
	ScreenExport
	ScreenTools
)

func (s Screen) String() string {
	switch s {
	case ScreenConnect:
		return "Connect"
	case ScreenScan:
		return "Scan"
	case ScreenDevices:
		return "Devices"
	case ScreenDevice:
		return "Device"
	case ScreenMonitor:
		return "Monitor"
	case ScreenExport:
		return "Export"
	case ScreenTools:
		return "Tools"
	}
	return "?"
}

// refreshEvery is the heartbeat that refreshes the traffic log, elapsed
// times and stale markers.
const refreshEvery = 500 * time.Millisecond

// Options say how the interface starts.
type Options struct {
	// Scan, when set, starts this scan at once on the scan screen (busprobe demo).
	Scan *ScanRequest
	// SaveRecent writes the recent targets (nil: SaveRecent to Common.Recent.Path).
	SaveRecent func([]RecentTarget) error
}

// Model is the root model: the screen shown, the screens' models, the
// help overlay and the error line.
type Model struct {
	common *Common
	opts   Options
	keys   GlobalKeys
	help   help.Model
	w, h   int

	screen   Screen
	showHelp bool
	err      string
	quitting bool

	connect ConnectModel
	scan    ScanModel
	devices DevicesModel
	device  DeviceModel
	monitor MonitorModel
	export  ExportModel
	tools   ToolsModel
}

// New returns the root model.
func New(c *Common, opts Options) Model {
	m := Model{
		common:  c,
		opts:    opts,
		keys:    newGlobalKeys(),
		help:    help.New(),
		connect: NewConnectModel(c),
		scan:    NewScanModel(c),
		devices: NewDevicesModel(c),
		device:  NewDeviceModel(c),
		monitor: NewMonitorModel(c),
		export:  NewExportModel(c),
		tools:   NewToolsModel(c),
	}
	m.setSize(80, 24)
	if opts.Scan != nil {
		m.screen = ScreenScan
	}
	return m
}

// Screen returns the screen shown.
func (m Model) Screen() Screen { return m.screen }

// Quitting says whether the user asked to quit.
func (m Model) Quitting() bool { return m.quitting }

// Init lists the ports, starts the heartbeat and, for the demo, the scan.
func (m Model) Init() tea.Cmd {
	cmds := []tea.Cmd{m.connect.Init(), heartbeat()}
	if m.opts.Scan != nil {
		req := *m.opts.Scan
		cmds = append(cmds, func() tea.Msg { return StartScanMsg{Req: req} })
	}
	return tea.Batch(cmds...)
}

func heartbeat() tea.Cmd {
	return tea.Tick(refreshEvery, func(t time.Time) tea.Msg { return refreshMsg{at: t} })
}

func (m *Model) setSize(w, h int) {
	m.w, m.h = w, h
	bw, bh := w, max(1, h-3)
	m.connect.SetSize(bw, bh)
	m.scan.SetSize(bw, bh)
	m.devices.SetSize(bw, bh)
	m.device.SetSize(bw, bh)
	m.monitor.SetSize(bw, bh)
	m.export.SetSize(bw, bh)
	m.tools.SetSize(bw, bh)
	m.help.SetWidth(w)
}

// typing says whether the screen shown has a text input focused.
func (m Model) typing() bool {
	switch m.screen {
	case ScreenConnect:
		return m.connect.Typing()
	case ScreenDevices:
		return m.devices.Typing()
	case ScreenDevice:
		return m.device.Typing()
	case ScreenMonitor:
		return m.monitor.Typing()
	case ScreenExport:
		return m.export.Typing()
	}
	return false
}

// Update routes messages: globals first, then async results to the model
// that owns them (whatever screen is shown), then keys to the screen.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.setSize(msg.Width, msg.Height)
		return m, nil
	case ErrorMsg:
		m.err = msg.Error()
		return m, nil
	case refreshMsg:
		var c1, c2, c3 tea.Cmd
		m.scan, c1 = m.scan.Update(msg)
		m.device, c2 = m.device.Update(msg)
		m.monitor, c3 = m.monitor.Update(msg)
		return m, tea.Batch(c1, c2, c3, heartbeat())
	case StartScanMsg:
		return m.startScan(msg.Req)
	case OpenDeviceMsg:
		if m.scan.Running() && strings.HasPrefix(msg.Device.URL, "rtu://") {
			// One serial line, one master: polling now would garble the scan.
			m.err = "the scan still uses the serial line: wait for it, or cancel it with x"
			return m, nil
		}
		var cmd tea.Cmd
		m.device, cmd = m.device.Open(msg.Device)
		m.screen = ScreenDevice
		m.err = ""
		return m, cmd
	case ShowScreenMsg:
		return m.show(msg.Screen), nil
	case recentSavedMsg:
		if msg.err != nil {
			m.err = "remembering the target: " + msg.err.Error()
		}
		return m, nil
	case portsMsg:
		var cmd tea.Cmd
		m.connect, cmd = m.connect.Update(msg)
		return m, cmd
	case scanEventMsg:
		if msg.ev.Type == "found" && msg.ev.Device != nil && msg.id == m.scan.id {
			m.devices = m.devices.Add(*msg.ev.Device)
			m = m.refreshExport()
		}
		var cmd tea.Cmd
		m.scan, cmd = m.scan.Update(msg)
		return m, cmd
	case scanJobDoneMsg:
		if msg.id == m.scan.id {
			for _, d := range msg.result.Devices {
				m.devices = m.devices.Add(d)
			}
			m = m.refreshExport()
		}
		var cmd tea.Cmd
		m.scan, cmd = m.scan.Update(msg)
		return m, cmd
	case scanFinishedMsg:
		var cmd tea.Cmd
		m.scan, cmd = m.scan.Update(msg)
		return m, cmd
	case pollSampleMsg, pollEndedMsg, writePlannedMsg, writeDoneMsg, snapshotMsg:
		var cmd tea.Cmd
		m.device, cmd = m.device.Update(msg)
		return m, cmd
	case toolsFilesMsg, toolsDiffMsg, toolsPortsMsg, sniffEventMsg, sniffDoneMsg:
		var cmd tea.Cmd
		m.tools, cmd = m.tools.Update(msg)
		return m, cmd
	case exportVerifiedMsg, exportSavedMsg, reportBuiltMsg:
		var cmd tea.Cmd
		m.export, cmd = m.export.Update(msg)
		return m, cmd
	case tea.KeyPressMsg:
		return m.updateKey(msg)
	}
	return m.updateScreen(msg)
}

func (m Model) updateKey(kp tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	m.err = ""
	if key.Matches(kp, m.keys.ForceQ) {
		return m.quit()
	}
	if m.showHelp {
		if key.Matches(kp, m.keys.Help, m.keys.Back) || kp.String() == "q" {
			m.showHelp = false
			return m, nil
		}
		return m, nil
	}
	if m.typing() {
		return m.updateScreen(kp)
	}
	// A dialog on the device or export screen takes its keys first.
	if (m.screen == ScreenDevice && m.device.plan != nil) || (m.screen == ScreenExport && m.export.Asking()) {
		return m.updateScreen(kp)
	}
	// Within a tool, esc stops the capture or goes back to the tools' menu.
	if m.screen == ScreenTools && m.tools.Nested() && key.Matches(kp, m.keys.Back) {
		return m.updateScreen(kp)
	}
	if m.screen == ScreenExport && key.Matches(kp, m.export.keys.Verify) && m.scan.Running() && m.export.UsesSerial() {
		// One serial line, one master: verifying now would garble the scan.
		m.err = "the scan still uses the serial line: wait for it, or cancel it with x on the scan screen"
		return m, nil
	}
	switch {
	case key.Matches(kp, m.keys.Quit):
		return m.quit()
	case key.Matches(kp, m.keys.Help):
		m.showHelp = true
		return m, nil
	case key.Matches(kp, m.keys.Back):
		return m.back()
	case key.Matches(kp, m.keys.Connect):
		m.screen = ScreenConnect
		return m, nil
	case key.Matches(kp, m.keys.Scan):
		m.screen = ScreenScan
		return m, nil
	case key.Matches(kp, m.keys.Devices):
		m.screen = ScreenDevices
		return m, nil
	case key.Matches(kp, m.keys.Device):
		m.screen = ScreenDevice
		return m, nil
	case key.Matches(kp, m.keys.Monitor):
		m.screen = ScreenMonitor
		m.monitor = m.monitor.Pull()
		return m, nil
	case key.Matches(kp, m.keys.Export):
		return m.show(ScreenExport), nil
	case key.Matches(kp, m.keys.Tools):
		m.screen = ScreenTools
		return m, nil
	}
	return m.updateScreen(kp)
}

// back goes one screen up: device → devices → scan → connect. Leaving a
// device stops its polling; the monitor goes back to the device screen
// when one is open.
func (m Model) back() (tea.Model, tea.Cmd) {
	switch m.screen {
	case ScreenDevice:
		m.device = m.device.Close()
		m.screen = ScreenDevices
		if len(m.devices.Devices()) == 0 {
			m.screen = ScreenScan
		}
	case ScreenDevices:
		m.screen = ScreenScan
	case ScreenScan:
		m.screen = ScreenConnect
	case ScreenMonitor:
		if m.device.Active() {
			m.screen = ScreenDevice
		} else {
			m.screen = ScreenScan
		}
	case ScreenExport, ScreenTools:
		m.screen = ScreenDevices
		if len(m.devices.Devices()) == 0 {
			m.screen = ScreenScan
		}
	}
	return m, nil
}

// quit stops the scan and the polling and ends the program.
func (m Model) quit() (tea.Model, tea.Cmd) {
	m.scan = m.scan.Stop()
	m.device = m.device.Close()
	m.tools = m.tools.Stop()
	m.quitting = true
	return m, tea.Quit
}

func (m Model) startScan(req ScanRequest) (tea.Model, tea.Cmd) {
	var cmd, save tea.Cmd
	m.scan, cmd = m.scan.Start(req)
	m.screen = ScreenScan
	m.err = ""
	if req.Recent != nil && m.common.Recent != nil {
		t := *req.Recent
		t.When = m.common.now()
		list := m.common.Recent.With(t)
		m.connect = m.connect.Remember(list)
		write := m.opts.SaveRecent
		path := m.common.Recent.Path
		if write == nil && path != "" {
			write = func(ts []RecentTarget) error { return SaveRecent(path, ts) }
		}
		if write != nil {
			save = func() tea.Msg { return recentSavedMsg{err: write(list)} }
		}
	}
	return m, tea.Batch(cmd, save)
}

func (m Model) updateScreen(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	switch m.screen {
	case ScreenConnect:
		m.connect, cmd = m.connect.Update(msg)
	case ScreenScan:
		m.scan, cmd = m.scan.Update(msg)
	case ScreenDevices:
		m.devices, cmd = m.devices.Update(msg)
	case ScreenDevice:
		m.device, cmd = m.device.Update(msg)
	case ScreenMonitor:
		m.monitor, cmd = m.monitor.Update(msg)
	case ScreenExport:
		m.export, cmd = m.export.Update(msg)
	case ScreenTools:
		m.tools, cmd = m.tools.Update(msg)
	}
	return m, cmd
}

// show switches to screen s; the export screen first takes in the devices
// as they are now (profiles picked by hand included).
func (m Model) show(s Screen) Model {
	m.screen = s
	if s == ScreenExport {
		m = m.refreshExport()
	}
	return m
}

// refreshExport rebuilds the export's config from the device list.
func (m Model) refreshExport() Model {
	m.export = m.export.SetDevices(m.devices.Devices())
	return m
}
