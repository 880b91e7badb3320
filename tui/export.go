package tui

import (
	"fmt"
	"reflect"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/busprobe/busprobe/probes"
)

// ExportKeys are the export screen's bindings.
type ExportKeys struct {
	Up, Down, PgUp, PgDown key.Binding
	Next, Prev             key.Binding
	Verify                 key.Binding
	Preview                key.Binding
	Save                   key.Binding
	Report                 key.Binding
	Confirm, Decline       key.Binding
}

// ShortHelp implements help.KeyMap.
func (k ExportKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Next, k.Verify, k.Preview, k.Save, k.Report}
}

// FullHelp implements help.KeyMap.
func (k ExportKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down, k.PgUp, k.PgDown}, {k.Next, k.Prev, k.Verify, k.Preview}, {k.Save, k.Report, k.Confirm, k.Decline}}
}

func newExportKeys() ExportKeys {
	return ExportKeys{
		Up: upKey(), Down: downKey(), PgUp: pgUpKey(), PgDown: pgDownKey(),
		Next:    key.NewBinding(key.WithKeys("f", "right"), key.WithHelp("f/→", "format")),
		Prev:    key.NewBinding(key.WithKeys("left"), key.WithHelp("←", "previous format")),
		Verify:  key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "verify")),
		Preview: key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "preview")),
		Save:    key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "save")),
		Report:  key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "save report")),
		Confirm: key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "overwrite")),
		Decline: key.NewBinding(key.WithKeys("n", "esc"), key.WithHelp("n/esc", "keep the file")),
	}
}

// ExportModel is the export screen: the devices found (with a profile) as
// a gateway config in a chosen format, a scrollable preview, verification
// against the live devices point by point, and saving to a file.
type ExportModel struct {
	common *Common
	keys   ExportKeys
	w, h   int

	id     int // the config's; results for an older config are dropped
	devs   []probes.Device
	plan   exportPlan
	format ExportFormat
	files  []exportFile
	warns  []string
	lines  []string // the preview
	offset int
	note   string

	showVerify bool
	verifying  bool
	verified   []VerifyRow
	vnotes     []string

	editing   bool
	reporting bool // the path input is the report's
	input     textinput.Model
	saving    string       // what the pending save is: "the native YAML export", "the commissioning report"
	pending   []saveTarget // what y would overwrite
	exist     []string     // the files that exist, while asking
}

// NewExportModel returns the export screen with no devices.
func NewExportModel(c *Common) ExportModel {
	m := ExportModel{common: c, keys: newExportKeys(), w: 80, h: 20, input: newInput(c.Styles, "save to: ", "")}
	m.plan = buildExportPlan(nil, c.Lib, m.generator())
	m = m.rerender()
	return m
}

// SetSize sets the body's size.
func (m *ExportModel) SetSize(w, h int) {
	m.w, m.h = w, h
	m.input.SetWidth(max(10, w/2))
	m.offset = min(m.offset, m.maxOffset())
}

// KeyMap returns the screen's bindings.
func (m ExportModel) KeyMap() ExportKeys { return m.keys }

// Typing says whether keys go to the path input.
func (m ExportModel) Typing() bool { return m.editing }

// Asking says whether the overwrite dialog is open.
func (m ExportModel) Asking() bool { return len(m.exist) > 0 }

// UsesSerial says whether verifying reads a serial line.
func (m ExportModel) UsesSerial() bool {
	for _, s := range m.plan.sources {
		if strings.HasPrefix(s.url, "rtu://") {
			return true
		}
	}
	return false
}

func (m ExportModel) generator() string {
	if m.common.Version == "" {
		return "busprobe"
	}
	return "busprobe " + m.common.Version
}

// SetDevices rebuilds the config from the devices found, unless they are
// the ones it was built from.
func (m ExportModel) SetDevices(devs []probes.Device) ExportModel {
	if reflect.DeepEqual(devs, m.devs) {
		return m
	}
	m.devs = append([]probes.Device(nil), devs...)
	m.id++
	m.plan = buildExportPlan(m.devs, m.common.Lib, m.generator())
	m.verifying, m.verified, m.vnotes, m.showVerify = false, nil, nil, false
	m.exist, m.pending = nil, nil
	return m.rerender()
}

// rerender encodes the config in the chosen format for the preview.
func (m ExportModel) rerender() ExportModel {
	m.offset = 0
	m.files, m.warns, m.lines = nil, nil, nil
	if len(m.plan.cfg.Devices) == 0 {
		return m
	}
	files, warns, err := renderExport(m.plan.cfg, m.format)
	m.warns = warns
	if err != nil {
		m.warns = append([]string{m.format.String() + ": " + err.Error()}, warns...)
		return m
	}
	m.files = files
	m.lines = previewLines(files)
	return m
}

// Update handles verification and save results, and keys.
func (m ExportModel) Update(msg tea.Msg) (ExportModel, tea.Cmd) {
	switch msg := msg.(type) {
	case exportVerifiedMsg:
		if msg.id != m.id {
			return m, nil
		}
		m.verifying, m.verified, m.vnotes = false, msg.rows, msg.notes
		m.showVerify, m.offset = true, 0
		m.note = VerifySummary(msg.rows)
		return m, nil
	case exportSavedMsg:
		return m.saved(msg)
	case reportBuiltMsg:
		if msg.id != m.id {
			return m, nil
		}
		if msg.err != nil {
			m.note = "not saved"
			return m, errCmd("report", msg.err)
		}
		m.saving = "the commissioning report"
		m.pending = saveTargets(m.common.SnapshotDir, msg.path, []exportFile{{data: msg.data}})
		m.note = "saving…"
		return m, saveExportCmd(m.id, m.pending, false)
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

func (m ExportModel) saved(msg exportSavedMsg) (ExportModel, tea.Cmd) {
	switch {
	case msg.err != nil:
		m.note = "not saved"
		return m, errCmd("save", msg.err)
	case len(msg.exist) > 0 && msg.id == m.id:
		m.exist = msg.exist
		return m, nil
	case len(msg.exist) > 0:
		m.note = "the config changed meanwhile: nothing saved, save again"
	default:
		m.note = fmt.Sprintf("saved %s", strings.Join(msg.paths, ", "))
		if len(msg.paths) > 2 {
			m.note = fmt.Sprintf("saved %d files: %s …", len(msg.paths), msg.paths[0])
		}
	}
	return m, nil
}

func (m ExportModel) updateKey(kp tea.KeyPressMsg) (ExportModel, tea.Cmd) {
	if m.Asking() {
		switch {
		case key.Matches(kp, m.keys.Confirm):
			targets := m.pending
			m.exist, m.pending = nil, nil
			m.note = "saving…"
			return m, saveExportCmd(m.id, targets, true)
		case key.Matches(kp, m.keys.Decline):
			m.note = "not saved: " + strings.Join(m.exist, ", ") + " kept as it is"
			m.exist, m.pending = nil, nil
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
			path := strings.TrimSpace(m.input.Value())
			if m.reporting {
				if path == "" {
					path = DefaultReportPath
				}
				m.note = "building the report…"
				return m, m.buildReportCmd(path)
			}
			if path == "" {
				path = m.format.DefaultPath()
			}
			m.saving = "the " + m.format.String() + " export"
			m.pending = saveTargets(m.common.SnapshotDir, path, m.files)
			m.note = "saving…"
			return m, saveExportCmd(m.id, m.pending, false)
		}
		var cmd tea.Cmd
		m.input, cmd = m.input.Update(kp)
		return m, cmd
	}
	page := ExportRowsVisible(m.h)
	switch {
	case key.Matches(kp, m.keys.Up):
		m.offset = max(0, m.offset-1)
	case key.Matches(kp, m.keys.Down):
		m.offset = min(m.maxOffset(), m.offset+1)
	case key.Matches(kp, m.keys.PgUp):
		m.offset = max(0, m.offset-page)
	case key.Matches(kp, m.keys.PgDown):
		m.offset = min(m.maxOffset(), m.offset+page)
	case key.Matches(kp, m.keys.Next), key.Matches(kp, m.keys.Prev):
		step := 1
		if key.Matches(kp, m.keys.Prev) {
			step = int(exportFormats) - 1
		}
		m.format = (m.format + ExportFormat(step)) % exportFormats
		m.showVerify, m.note = false, ""
		m = m.rerender()
	case key.Matches(kp, m.keys.Preview):
		m.showVerify, m.offset = false, 0
	case key.Matches(kp, m.keys.Verify):
		if len(m.plan.cfg.Devices) == 0 {
			return m, nil
		}
		m.verifying, m.showVerify, m.offset = true, true, 0
		m.note = fmt.Sprintf("verifying %d points…", m.plan.points())
		return m, verifyExportCmd(m.common.Ctx, m.common.Clients, m.id, m.plan)
	case key.Matches(kp, m.keys.Save):
		if len(m.files) == 0 {
			return m, nil
		}
		m.editing, m.reporting = true, false
		m.input.SetValue(m.format.DefaultPath())
		m.input.CursorEnd()
		return m, m.input.Focus()
	case key.Matches(kp, m.keys.Report):
		if len(m.devs) == 0 {
			return m, nil
		}
		m.editing, m.reporting = true, true
		m.input.SetValue(DefaultReportPath)
		m.input.CursorEnd()
		return m, m.input.Focus()
	}
	return m, nil
}

// maxOffset is the last scroll position of what is shown.
func (m ExportModel) maxOffset() int {
	if m.showVerify {
		return max(0, len(m.verified)-(ExportRowsVisible(m.h)-1)) // under the column header
	}
	return max(0, len(m.lines)-ExportRowsVisible(m.h))
}

// View renders the screen's body.
func (m ExportModel) View() string {
	return RenderExport(m.common.Styles, m.viewData(), m.w, m.h)
}

func (m ExportModel) viewData() ExportView {
	v := ExportView{Format: int(m.format), Offset: m.offset, ShowVerify: m.showVerify, Verify: m.verified}
	for f := ExportYAML; f < exportFormats; f++ {
		v.Formats = append(v.Formats, f.String())
	}
	n := len(m.plan.cfg.Devices)
	v.Title = fmt.Sprintf("Export  %s, %s → %s", plural(n, "device"), plural(m.plan.points(), "point"), m.format)
	if n == 0 {
		v.Message = "no device with a profile yet: scan (2), or pick profiles (3, then p)"
		if len(m.plan.skipped) > 0 {
			v.Message += " · " + strings.Join(m.plan.skipped, " · ")
		}
		if len(m.devs) > 0 {
			v.Message += " · r: save the commissioning report"
			if m.note != "" {
				v.Message += " · " + m.note
			}
		}
		v.Dialog = m.dialog()
		return v
	}
	status := m.note
	if m.verifying {
		status = fmt.Sprintf("verifying %d points against the live devices…", m.plan.points())
	}
	var extra []string
	extra = append(extra, m.plan.skipped...)
	extra = append(extra, m.warns...)
	extra = append(extra, m.vnotes...)
	if len(extra) > 0 {
		if status != "" {
			status += " · "
		}
		status += strings.Join(extra, " · ")
	}
	v.Status = status
	if m.showVerify {
		v.Header = "verification against the live devices (p: preview)"
		if len(m.verified) == 0 && !m.verifying {
			v.Header = "no verification yet (v)"
		}
	} else {
		name := m.format.DefaultPath()
		if m.format == ExportEdgeX {
			name += "/ (" + fmt.Sprint(len(m.files)) + " files)"
		}
		last := min(len(m.lines), m.offset+ExportRowsVisible(m.h))
		v.Header = fmt.Sprintf("preview of %s · lines %d-%d of %d", name, min(m.offset+1, last), last, len(m.lines))
		v.Lines = m.lines
	}
	v.Dialog = m.dialog()
	return v
}

// dialog is the path input or the overwrite question, if open.
func (m ExportModel) dialog() string {
	switch {
	case m.Asking():
		what := m.saving
		if what == "" {
			what = "the " + m.format.String() + " export"
		}
		return fmt.Sprintf("%s exists.\n\nOverwrite it with %s?\n\ny: overwrite · n/esc: keep it", strings.Join(m.exist, "\n"), what)
	case m.editing && m.reporting:
		verified := "not verified yet (v verifies first)"
		if len(m.verified) > 0 {
			verified = "with the last verification, " + plural(len(m.verified), "point")
		}
		return "commissioning report of " + plural(len(m.devs), "device") + ",\n" + verified + "\n\n" +
			m.input.View() + "\n\n.md: Markdown, else HTML · relative to " + m.baseDir() + "\nenter: save · esc: cancel"
	case m.editing:
		return m.input.View() + "\n\nenter: save (a relative path is taken from " + m.baseDir() + ") · esc: cancel"
	}
	return ""
}

func (m ExportModel) baseDir() string {
	if m.common.SnapshotDir == "" {
		return "the working directory"
	}
	return m.common.SnapshotDir
}

// VerifySummary counts the rows by status: "verified 12 points: 11 ok, 1 exception".
func VerifySummary(rows []VerifyRow) string {
	counts := map[string]int{}
	for _, r := range rows {
		counts[r.Status]++
	}
	s := fmt.Sprintf("verified %d points: %d ok", len(rows), counts[VerifyOK])
	for _, st := range []string{VerifyException, VerifyError, VerifyOutOfRange, VerifyNotImplemented} {
		if counts[st] > 0 {
			s += fmt.Sprintf(", %d %s", counts[st], st)
		}
	}
	return s
}

// plural is "1 device", "3 devices".
func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
