package tui

import (
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/busprobe/busprobe/probes"
)

// lineChoiceList returns the serial settings the connect screen offers; "auto"
// lets the scan find them.
func lineChoiceList() []string {
	return []string{"auto", "9600 8N1", "9600 8E1", "19200 8N1", "19200 8E1", "38400 8N1", "57600 8N1", "115200 8N1", "4800 8N1", "2400 8N1"}
}

// ConnectKeys are the connect screen's bindings.
type ConnectKeys struct {
	Up, Down    key.Binding
	Scan        key.Binding
	Left, Right key.Binding
	Refresh     key.Binding
}

// ShortHelp implements help.KeyMap.
func (k ConnectKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.Scan, k.Right}
}

// FullHelp implements help.KeyMap.
func (k ConnectKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down, k.Scan}, {k.Left, k.Right, k.Refresh}}
}

func newConnectKeys() ConnectKeys {
	return ConnectKeys{
		Up:      key.NewBinding(key.WithKeys("up"), key.WithHelp("↑", "up")),
		Down:    key.NewBinding(key.WithKeys("down"), key.WithHelp("↓", "down")),
		Scan:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "scan")),
		Left:    key.NewBinding(key.WithKeys("left"), key.WithHelp("←", "line settings")),
		Right:   key.NewBinding(key.WithKeys("right"), key.WithHelp("→", "line settings")),
		Refresh: key.NewBinding(key.WithKeys("ctrl+r"), key.WithHelp("ctrl+r", "list ports again")),
	}
}

// connectEntry is one choice: a serial port, the TCP input, or a recent target.
type connectEntry struct {
	kind   string // serial, tcp-input, recent
	port   probes.SerialPort
	recent RecentTarget
}

// ConnectModel picks what to scan.
type ConnectModel struct {
	common  *Common
	keys    ConnectKeys
	w, h    int
	ports   []probes.SerialPort
	portErr string
	recent  []RecentTarget
	cursor  int
	setting int
	input   textinput.Model
}

// NewConnectModel returns the connect screen; Init lists the ports.
func NewConnectModel(c *Common) ConnectModel {
	ti := newInput(c.Styles, "tcp: ", "10.0.0.5, 10.0.0.0/24, plc.local:5020")
	m := ConnectModel{common: c, keys: newConnectKeys(), w: 80, h: 20, input: ti}
	if c.Recent != nil {
		m.recent = c.Recent.Targets
	}
	return m
}

// Init lists the serial ports (in a command: it reads sysfs).
func (m ConnectModel) Init() tea.Cmd { return m.listPortsCmd() }

func (m ConnectModel) listPortsCmd() tea.Cmd {
	list := m.common.listPorts
	return func() tea.Msg {
		ports, err := list()
		return portsMsg{ports: ports, err: err}
	}
}

// SetSize sets the body's size.
func (m *ConnectModel) SetSize(w, h int) { m.w, m.h = w, h; m.input.SetWidth(max(20, w-12)) }

// KeyMap returns the screen's bindings.
func (m ConnectModel) KeyMap() ConnectKeys { return m.keys }

// Typing says whether keys go to the TCP input (the cursor is on it).
func (m ConnectModel) Typing() bool { return m.entry().kind == "tcp-input" }

func (m ConnectModel) entries() []connectEntry {
	var es []connectEntry
	for _, p := range m.ports {
		es = append(es, connectEntry{kind: "serial", port: p})
	}
	es = append(es, connectEntry{kind: "tcp-input"})
	for _, r := range m.recent {
		es = append(es, connectEntry{kind: "recent", recent: r})
	}
	return es
}

func (m ConnectModel) entry() connectEntry {
	es := m.entries()
	if m.cursor < len(es) {
		return es[m.cursor]
	}
	return connectEntry{}
}

// focusInput focuses the TCP input when the cursor is on it.
func (m ConnectModel) focusInput() (ConnectModel, tea.Cmd) {
	if m.entry().kind == "tcp-input" {
		return m, m.input.Focus()
	}
	m.input.Blur()
	return m, nil
}

// Update handles the port list and keys.
func (m ConnectModel) Update(msg tea.Msg) (ConnectModel, tea.Cmd) {
	switch msg := msg.(type) {
	case portsMsg:
		m.ports, m.portErr = msg.ports, ""
		if msg.err != nil {
			m.portErr = msg.err.Error()
		}
		if len(m.ports) == 0 {
			m.cursor = 0 // the TCP input
		}
		return m.focusInput()
	case tea.KeyPressMsg:
		n := len(m.entries())
		switch {
		case key.Matches(msg, m.keys.Up):
			m.cursor = max(0, m.cursor-1)
			return m.focusInput()
		case key.Matches(msg, m.keys.Down):
			m.cursor = min(n-1, m.cursor+1)
			return m.focusInput()
		case key.Matches(msg, m.keys.Scan):
			req, err := m.request()
			if err != nil {
				return m, errCmd("connect", err)
			}
			return m, func() tea.Msg { return StartScanMsg{Req: req} }
		case key.Matches(msg, m.keys.Refresh):
			return m, m.listPortsCmd()
		case !m.Typing() && key.Matches(msg, m.keys.Left):
			m.setting = (m.setting + len(lineChoiceList()) - 1) % len(lineChoiceList())
			return m, nil
		case !m.Typing() && key.Matches(msg, m.keys.Right):
			m.setting = (m.setting + 1) % len(lineChoiceList())
			return m, nil
		}
	}
	if m.Typing() {
		var cmd tea.Cmd
		m.input, cmd = m.input.Update(msg)
		return m, cmd
	}
	return m, nil
}

// request builds the scan of the entry under the cursor.
func (m ConnectModel) request() (ScanRequest, error) {
	e := m.entry()
	switch e.kind {
	case "serial":
		return m.serialRequest(e.port.Path, lineChoiceList()[m.setting])
	case "tcp-input":
		return m.tcpRequest(m.input.Value())
	case "recent":
		if e.recent.Kind == "serial" {
			return m.serialRequest(e.recent.Target, e.recent.Settings)
		}
		return m.tcpRequest(e.recent.Target)
	}
	return ScanRequest{}, fmt.Errorf("nothing selected")
}

func (m ConnectModel) serialRequest(path, settings string) (ScanRequest, error) {
	cfg := probes.SerialScanConfig{Port: path}
	if settings != "" && settings != "auto" {
		baud, parity, stop, err := parseLineChoice(settings)
		if err != nil {
			return ScanRequest{}, err
		}
		cfg.Bauds, cfg.Parities, cfg.StopBits = []int{baud}, []string{parity}, []int{stop}
	}
	if settings == "" {
		settings = "auto"
	}
	return ScanRequest{
		Jobs:   []ScanJob{{Label: path + " " + settings, Serial: &cfg, Open: m.common.openLine(path)}},
		Recent: &RecentTarget{Kind: "serial", Target: path, Settings: settings},
	}, nil
}

// parseLineChoice parses "9600 8N1".
func parseLineChoice(s string) (baud int, parity string, stop int, err error) {
	f := strings.Fields(s)
	if len(f) != 2 || len(f[1]) != 3 {
		return 0, "", 0, fmt.Errorf("line settings %q: want e.g. 9600 8N1", s)
	}
	baud, err = strconv.Atoi(f[0])
	if err != nil {
		return 0, "", 0, fmt.Errorf("line settings %q: %w", s, err)
	}
	parity = string(f[1][1])
	stop = int(f[1][2] - '0')
	return baud, parity, stop, nil
}

// tcpRequest parses the TCP input: targets separated by commas or spaces,
// each a host, range or CIDR block with an optional :port (502 if none).
// Targets with the same port share one scan.
func (m ConnectModel) tcpRequest(text string) (ScanRequest, error) {
	byPort := map[int][]string{}
	for _, tok := range strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == ' ' }) {
		tok = strings.TrimPrefix(tok, "tcp://")
		host, port := tok, 502
		if h, p, err := net.SplitHostPort(tok); err == nil {
			n, err := strconv.Atoi(p)
			if err != nil || n < 1 || n > 65535 {
				return ScanRequest{}, fmt.Errorf("bad port in %q", tok)
			}
			host, port = h, n
		}
		byPort[port] = append(byPort[port], host)
	}
	if len(byPort) == 0 {
		return ScanRequest{}, fmt.Errorf("type a TCP target first, e.g. 10.0.0.5 or 10.0.0.0/24:502")
	}
	ports := make([]int, 0, len(byPort))
	for p := range byPort {
		ports = append(ports, p)
	}
	sort.Ints(ports)
	req := ScanRequest{Recent: &RecentTarget{Kind: "tcp", Target: strings.TrimSpace(text)}}
	for _, p := range ports {
		hosts := byPort[p]
		if _, err := probes.ParseTargets(hosts); err != nil {
			return ScanRequest{}, err
		}
		req.Jobs = append(req.Jobs, ScanJob{
			Label: fmt.Sprintf("tcp://%s:%d", strings.Join(hosts, ","), p),
			TCP:   &probes.TCPScanConfig{Targets: hosts, Ports: []int{p}},
		})
	}
	return req, nil
}

// Remember puts t first in the recent list shown (the caller saves it).
func (m ConnectModel) Remember(t []RecentTarget) ConnectModel {
	m.recent = t
	return m
}

// View renders the screen's body.
func (m ConnectModel) View() string {
	v := ConnectView{Cursor: m.cursor, Input: m.input.View(), Settings: lineChoiceList()[m.setting], Units: "1-247"}
	for _, e := range m.entries() {
		switch e.kind {
		case "serial":
			v.Items = append(v.Items, ConnectItem{Section: "Serial ports", Label: e.port.Path, Detail: portDetail(e.port)})
		case "tcp-input":
			v.Items = append(v.Items, ConnectItem{Section: "TCP"})
		case "recent":
			d := e.recent.Kind
			if e.recent.Settings != "" {
				d += " " + e.recent.Settings
			}
			if !e.recent.When.IsZero() {
				d += "  " + e.recent.When.Format("2006-01-02 15:04")
			}
			v.Items = append(v.Items, ConnectItem{Section: "Recent", Label: e.recent.Target, Detail: d})
		}
	}
	switch {
	case m.portErr != "":
		v.Note = "serial ports: " + m.portErr
	case len(m.ports) == 0:
		v.Note = "no serial ports found (ctrl+r lists them again)"
	}
	return RenderConnect(m.common.Styles, v, m.w, m.h)
}

// portDetail describes the adapter behind a port.
func portDetail(p probes.SerialPort) string {
	var parts []string
	if p.Manufacturer != "" || p.Product != "" {
		parts = append(parts, strings.TrimSpace(p.Manufacturer+" "+p.Product))
	}
	if p.VendorID != "" {
		parts = append(parts, "("+p.VendorID+":"+p.ProductID+")")
	}
	if len(parts) == 0 && p.Driver != "" {
		parts = append(parts, p.Driver)
	}
	return strings.Join(parts, " ")
}
