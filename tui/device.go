package tui

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/busprobe/busprobe/probes"
	"github.com/busprobe/busprobe/profiles"
	"github.com/busprobe/busprobe/protocols/modbus"
)

// trendLen is how many values a point's trend keeps.
const trendLen = 64

// DeviceKeys are the device screen's bindings.
type DeviceKeys struct {
	Up, Down, PgUp, PgDown key.Binding
	Raw                    key.Binding
	Order                  key.Binding
	Write                  key.Binding
	Confirm, Decline       key.Binding
	Pause                  key.Binding
	Snapshot               key.Binding
}

// ShortHelp implements help.KeyMap.
func (k DeviceKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Raw, k.Order, k.Write, k.Snapshot, k.Pause}
}

// FullHelp implements help.KeyMap.
func (k DeviceKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down, k.PgUp, k.PgDown}, {k.Raw, k.Order, k.Pause, k.Snapshot}, {k.Write, k.Confirm, k.Decline}}
}

func newDeviceKeys() DeviceKeys {
	return DeviceKeys{
		Up: upKey(), Down: downKey(), PgUp: pgUpKey(), PgDown: pgDownKey(),
		Raw:      key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "raw")),
		Order:    key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "word order")),
		Write:    key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "write")),
		Confirm:  key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "confirm write")),
		Decline:  key.NewBinding(key.WithKeys("n", "esc"), key.WithHelp("n/esc", "cancel write")),
		Pause:    key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "pause")),
		Snapshot: key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "snapshot")),
	}
}

// pointState is what the device screen knows of one point.
type pointState struct {
	pi      int // index into the profile's points
	value   profiles.Value
	has     bool // a value was read at least once since the order last changed
	failed  bool
	err     string
	lastOK  time.Time
	lo, hi  float64
	numeric bool
	trend   []float64
}

// DeviceModel is the live view of one device: its decoded points, polled
// in the background.
type DeviceModel struct {
	common *Common
	keys   DeviceKeys
	w, h   int

	id     int // the polling session; results of older sessions are dropped
	dev    probes.Device
	prof   *profiles.Profile // a private copy: word order changes replace it
	rows   []pointState
	byName map[string]int
	cursor int
	offset int
	raw    bool
	paused bool
	ctx    context.Context // the polling session's; Close cancels it
	cancel context.CancelFunc
	now    time.Time

	polls, failed int
	last          probes.Reading
	lastAt        time.Time
	note          string

	editing bool
	input   textinput.Model
	plan    *probes.PlannedWrite
}

// NewDeviceModel returns a device screen showing nothing.
func NewDeviceModel(c *Common) DeviceModel {
	ti := newInput(c.Styles, "new value: ", "")
	return DeviceModel{common: c, keys: newDeviceKeys(), w: 80, h: 20, input: ti}
}

// SetSize sets the body's size.
func (m *DeviceModel) SetSize(w, h int) {
	m.w, m.h = w, h
	m.input.SetWidth(max(10, w/2))
	m.clampOffset()
}

// KeyMap returns the screen's bindings.
func (m DeviceModel) KeyMap() DeviceKeys { return m.keys }

// Typing says whether keys go to the write value input.
func (m DeviceModel) Typing() bool { return m.editing }

// Device returns the device shown.
func (m DeviceModel) Device() probes.Device { return m.dev }

// Active says whether a device is shown.
func (m DeviceModel) Active() bool { return m.dev.URL != "" }

// Open stops polling the previous device and starts on d.
func (m DeviceModel) Open(d probes.Device) (DeviceModel, tea.Cmd) {
	m = m.Close()
	m.id++
	m.dev = d
	m.prof = nil
	m.rows, m.byName = nil, map[string]int{}
	m.cursor, m.offset, m.raw, m.paused = 0, 0, false, false
	m.polls, m.failed, m.last, m.lastAt, m.note = 0, 0, probes.Reading{}, time.Time{}, ""
	m.editing, m.plan = false, nil
	m.now = m.common.now()
	if d.Profile == "" {
		m.note = "no profile matched: pick one on the devices screen (3, then p)"
		return m, nil
	}
	if m.common.Lib == nil {
		m.note = "no profile library"
		return m, nil
	}
	p, err := m.common.Lib.Get(d.Profile)
	if err != nil {
		m.note = err.Error()
		return m, nil
	}
	m.prof = cloneProfile(p)
	for i := range m.prof.Points {
		pt := &m.prof.Points[i]
		if !pt.Access.CanRead() {
			continue
		}
		m.byName[pt.Name] = len(m.rows)
		m.rows = append(m.rows, pointState{pi: i})
	}
	m.ctx, m.cancel = context.WithCancel(m.common.Ctx)
	return m, m.pollCmd(m.ctx)
}

// Close stops polling.
func (m DeviceModel) Close() DeviceModel {
	if m.cancel != nil {
		m.cancel()
		m.cancel = nil
	}
	return m
}

// cloneProfile copies p deeply enough that its points can be changed.
func cloneProfile(p *profiles.Profile) *profiles.Profile {
	c := *p
	c.Points = append([]profiles.Point(nil), p.Points...)
	return &c
}

// pollCmd reads every readable point once. It copies what it needs, so the
// model may change (or be left) while the read is under way.
func (m DeviceModel) pollCmd(ctx context.Context) tea.Cmd {
	id, url, unit, prof, pool, now := m.id, m.dev.URL, byte(m.dev.Unit), m.prof, m.common.Clients, m.common.now
	return func() tea.Msg {
		if ctx.Err() != nil {
			return nil
		}
		c, err := pool.Get(ctx, url)
		if err != nil {
			return pollResultMsg{id: id, prof: prof, err: err, at: now()}
		}
		r, err := probes.ReadPoints(ctx, c, unit, prof, nil)
		if ctx.Err() != nil {
			return nil
		}
		return pollResultMsg{id: id, prof: prof, reading: r, err: err, at: now()}
	}
}

// tickCmd schedules the next poll; it ends when ctx does.
func (m DeviceModel) tickCmd() tea.Cmd {
	id := m.id
	return tea.Tick(m.common.pollInterval(), func(time.Time) tea.Msg { return pollTickMsg{id: id} })
}

// Update handles poll results, ticks and keys.
func (m DeviceModel) Update(msg tea.Msg) (DeviceModel, tea.Cmd) {
	switch msg := msg.(type) {
	case pollResultMsg:
		if msg.id != m.id || m.cancel == nil {
			return m, nil
		}
		m = m.apply(msg)
		return m, m.tickCmd()
	case pollTickMsg:
		if msg.id != m.id || m.cancel == nil {
			return m, nil
		}
		if m.paused {
			return m, m.tickCmd()
		}
		return m, m.pollCmd(m.ctx)
	case writePlannedMsg:
		if msg.id != m.id {
			return m, nil
		}
		if msg.err != nil {
			return m, errCmd("write", msg.err)
		}
		p := msg.plan
		m.plan = &p
		return m, nil
	case writeDoneMsg:
		if msg.id != m.id {
			return m, nil
		}
		m.note = fmt.Sprintf("write %s: %s", msg.result.Plan.Spec.Target(), msg.result.Status)
		if msg.result.ReadBack != nil {
			m.note += ", reads back " + msg.result.ReadBack.Display
		}
		if msg.err != nil {
			return m, errCmd("write", msg.err)
		}
		return m, nil
	case snapshotMsg:
		if msg.id != m.id {
			return m, nil
		}
		if msg.err != nil {
			m.note = "snapshot failed"
			return m, errCmd("snapshot", msg.err)
		}
		m.note = msg.text
		return m, nil
	case refreshMsg:
		m.now = msg.at
		return m, nil
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

func (m DeviceModel) updateKey(kp tea.KeyPressMsg) (DeviceModel, tea.Cmd) {
	if m.plan != nil {
		switch {
		case key.Matches(kp, m.keys.Confirm):
			plan := *m.plan
			m.plan = nil
			m.note = "writing " + plan.Spec.Target() + "…"
			return m, m.executeWriteCmd(plan)
		case key.Matches(kp, m.keys.Decline):
			m.plan = nil
			m.note = "write cancelled: nothing sent"
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
			return m, m.planWriteCmd(m.input.Value())
		}
		var cmd tea.Cmd
		m.input, cmd = m.input.Update(kp)
		return m, cmd
	}
	page := DeviceRowsVisible(m.h)
	switch {
	case key.Matches(kp, m.keys.Up):
		m.cursor = max(0, m.cursor-1)
	case key.Matches(kp, m.keys.Down):
		m.cursor = max(0, min(len(m.rows)-1, m.cursor+1))
	case key.Matches(kp, m.keys.PgUp):
		m.cursor = max(0, m.cursor-page)
	case key.Matches(kp, m.keys.PgDown):
		m.cursor = max(0, min(len(m.rows)-1, m.cursor+page))
	case key.Matches(kp, m.keys.Raw):
		m.raw = !m.raw
	case key.Matches(kp, m.keys.Pause):
		m.paused = !m.paused
	case key.Matches(kp, m.keys.Order):
		m = m.cycleOrder()
	case key.Matches(kp, m.keys.Snapshot):
		if m.prof != nil {
			m.note = "taking a snapshot…"
			return m, m.snapshotCmd()
		}
	case key.Matches(kp, m.keys.Write):
		if pt := m.selected(); pt != nil {
			if !pt.Access.CanWrite() || (pt.Table != profiles.TableHolding && pt.Table != profiles.TableCoil) {
				return m, errCmd("write", fmt.Errorf("%s is a read-only %s point", pt.Name, pt.Table))
			}
			m.editing = true
			m.input.Prompt = "new value for " + pt.Name + ": "
			m.input.SetValue("")
			return m, m.input.Focus()
		}
	}
	m.clampOffset()
	return m, nil
}

// selected returns the point under the cursor.
func (m DeviceModel) selected() *profiles.Point {
	if m.prof == nil || m.cursor >= len(m.rows) {
		return nil
	}
	return &m.prof.Points[m.rows[m.cursor].pi]
}

func (m *DeviceModel) clampOffset() {
	page := DeviceRowsVisible(m.h)
	if m.cursor < m.offset {
		m.offset = m.cursor
	}
	if m.cursor >= m.offset+page {
		m.offset = m.cursor - page + 1
	}
	m.offset = max(0, m.offset)
}

// orderable says whether a point's value depends on its byte order.
func orderable(pt *profiles.Point) bool {
	if pt.Table.IsBit() || pt.Bit != nil || pt.Type == profiles.TypeString {
		return false
	}
	return true
}

// cycleOrder switches the selected point to the next byte order and
// decodes its last registers again at once. The next polls read with the
// new order too (the profile copy is replaced, never changed in place,
// since a poll under way may hold the old one).
func (m DeviceModel) cycleOrder() DeviceModel {
	pt := m.selected()
	if pt == nil || !orderable(pt) {
		return m
	}
	orders := profiles.ByteOrders()
	next := orders[0]
	for i, o := range orders {
		if o == pt.ByteOrder {
			next = orders[(i+1)%len(orders)]
		}
	}
	m.prof = cloneProfile(m.prof)
	pi := m.rows[m.cursor].pi
	m.prof.Points[pi].ByteOrder = next
	m.rows = append([]pointState(nil), m.rows...)
	r := m.rows[m.cursor]
	r.has, r.trend, r.lo, r.hi = false, nil, 0, 0
	if len(r.value.Raw) > 0 {
		npt := &m.prof.Points[pi]
		v, err := npt.Decode(r.value.Raw, m.scaleFactor(npt))
		if err != nil {
			r.failed, r.err = true, err.Error()
		} else {
			r.failed, r.err = false, ""
			r = observe(r, v, r.lastOK)
		}
	}
	m.rows[m.cursor] = r
	m.note = fmt.Sprintf("%s now read as %s", pt.Name, next)
	return m
}

// scaleFactor returns the last value of pt's scale factor point.
func (m DeviceModel) scaleFactor(pt *profiles.Point) *int {
	if pt.ScaleFactor == "" {
		return nil
	}
	i, ok := m.byName[pt.ScaleFactor]
	if !ok || !m.rows[i].has {
		return nil
	}
	sf := int(m.rows[i].value.Int)
	return &sf
}

// apply takes in one poll's reading.
func (m DeviceModel) apply(msg pollResultMsg) DeviceModel {
	m.polls++
	m.lastAt = msg.at
	m.now = msg.at
	m.last = msg.reading
	if msg.err != nil || (len(msg.reading.Points) > 0 && msg.reading.OK() == 0) {
		m.failed++
	}
	if msg.err != nil {
		m.note = "poll: " + msg.err.Error()
	} else if strings.HasPrefix(m.note, "poll: ") {
		m.note = ""
	}
	m.rows = append([]pointState(nil), m.rows...)
	for _, pr := range msg.reading.Points {
		i, ok := m.byName[pr.Name]
		if !ok {
			continue
		}
		r := m.rows[i]
		v, err := pr.Value, pr.Err
		if err == nil && msg.prof != m.prof && len(v.Raw) > 0 {
			// The poll was under way when the point's order changed:
			// decode its registers with the point as it is now.
			pt := &m.prof.Points[r.pi]
			v, err = pt.Decode(v.Raw, m.scaleFactor(pt))
		}
		if err != nil {
			r.failed, r.err = true, err.Error()
		} else {
			r.failed, r.err = false, ""
			r = observe(r, v, msg.at)
		}
		m.rows[i] = r
	}
	return m
}

// observe records a value: min, max and trend of numbers.
func observe(r pointState, v profiles.Value, at time.Time) pointState {
	r.value = v
	r.lastOK = at
	n, ok := numberOf(v)
	r.numeric = ok
	if ok {
		if !r.has {
			r.lo, r.hi = n, n
		} else {
			r.lo, r.hi = math.Min(r.lo, n), math.Max(r.hi, n)
		}
		t := append([]float64(nil), r.trend...)
		t = append(t, n)
		if len(t) > trendLen {
			t = t[len(t)-trendLen:]
		}
		r.trend = t
	}
	r.has = true
	return r
}

// numberOf returns the number a value stands for, if any.
func numberOf(v profiles.Value) (float64, bool) {
	if !v.Implemented {
		return 0, false
	}
	switch v.Kind {
	case profiles.KindNumber:
		return v.Number, !math.IsNaN(v.Number)
	case profiles.KindBool:
		if v.Bool {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// planWriteCmd reads the old value and encodes the new one; nothing is written.
func (m DeviceModel) planWriteCmd(value string) tea.Cmd {
	pt := m.selected()
	if pt == nil {
		return nil
	}
	id, url, pool, ctx := m.id, m.dev.URL, m.common.Clients, m.common.Ctx
	spec := probes.WriteSpec{Unit: byte(m.dev.Unit), Profile: m.prof, Point: pt.Name, Value: value}
	return func() tea.Msg {
		c, err := pool.Get(ctx, url)
		if err != nil {
			return writePlannedMsg{id: id, err: err}
		}
		plan, err := probes.PlanWrite(ctx, c, spec)
		return writePlannedMsg{id: id, plan: plan, err: err}
	}
}

// executeWriteCmd sends a confirmed write and reads it back.
func (m DeviceModel) executeWriteCmd(plan probes.PlannedWrite) tea.Cmd {
	id, url, pool, ctx := m.id, m.dev.URL, m.common.Clients, m.common.Ctx
	return func() tea.Msg {
		c, err := pool.Get(ctx, url)
		if err != nil {
			return writeDoneMsg{id: id, result: probes.WriteResult{Plan: plan, Status: probes.WriteFailed}, err: err}
		}
		res, err := probes.ExecuteWrite(ctx, c, plan)
		return writeDoneMsg{id: id, result: res, err: err}
	}
}

// View renders the screen's body.
func (m DeviceModel) View() string {
	return RenderDevice(m.common.Styles, m.viewData(), m.w, m.h)
}

// viewData formats the visible rows only.
func (m DeviceModel) viewData() DeviceView {
	d := m.dev
	v := DeviceView{
		Title:  fmt.Sprintf("Device unit %d · %s · %s · %s", d.Unit, DeviceProfile(d), DeviceIdentity(d), d.URL),
		Cursor: m.cursor, Offset: m.offset, Raw: m.raw, Rows: make([]PointRow, len(m.rows)),
	}
	if !m.Active() {
		v.Title = "Device"
		v.Message = "no device open: pick one on the scan or devices screen"
		return v
	}
	state := "polling"
	if m.paused {
		state = "paused"
	}
	v.Status = fmt.Sprintf("%s every %s · polls %d, failed %d · last %d requests in %s",
		state, m.common.pollInterval(), m.polls, m.failed, m.last.Requests, msText(m.last.Duration))
	if m.note != "" {
		v.Status += " · " + m.note
	}
	if m.prof == nil {
		v.Message = m.note
		return v
	}
	if m.editing {
		v.Dialog = m.input.View() + "\n\nenter: review the write · esc: cancel"
	}
	if m.plan != nil {
		v.Dialog = writeDialog(*m.plan)
	}
	stale := 3 * m.common.pollInterval()
	rows := DeviceRowsVisible(m.h)
	for i := m.offset; i < len(m.rows) && i-m.offset < rows; i++ {
		v.Rows[i] = m.pointRow(m.rows[i], stale)
	}
	return v
}

// pointRow formats one point.
func (m DeviceModel) pointRow(r pointState, stale time.Duration) PointRow {
	pt := &m.prof.Points[r.pi]
	row := PointRow{Name: pt.Name, Unit: pt.Unit, Failed: r.failed}
	ref := profiles.FormatNotation(pt.Table, pt.Address) + " " + pt.Table.String() + " " + pt.Type.String()
	if orderable(pt) && pt.Size() > 0 {
		ref += " " + pt.ByteOrder.String()
	}
	row.Ref = ref
	switch {
	case r.failed:
		row.Value = "error: " + r.err
	case r.has:
		row.Value = valueText(r.value)
	default:
		row.Value = "…"
	}
	if r.has {
		row.Raw = probes.RawString(r.value.Raw, r.value.RawBits)
		if r.numeric {
			row.Min, row.Max = FormatNumber(r.lo), FormatNumber(r.hi)
			row.Trend = r.trend
		}
		row.Stale = !m.now.IsZero() && m.now.Sub(r.lastOK) > stale
	}
	return row
}

// valueText is a value without its unit (the unit has its own column).
func valueText(v profiles.Value) string {
	if !v.Implemented {
		return "n/a"
	}
	if v.Kind == profiles.KindNumber {
		return FormatNumber(v.Number)
	}
	s := strings.TrimSpace(strings.TrimSuffix(v.Display, v.Unit))
	if s == "" {
		s = v.Display
	}
	return s
}

// writeDialog is the confirmation of a planned write.
func writeDialog(p probes.PlannedWrite) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Write %s on unit %d?\n\n", p.Spec.Target(), p.Spec.Unit)
	if p.Old != nil {
		fmt.Fprintf(&b, "now:  %s\n", p.Old.Display)
	}
	if p.New != nil {
		fmt.Fprintf(&b, "new:  %s\n", p.New.Display)
	}
	if len(p.NewRegs) > 0 || len(p.NewBits) > 0 {
		fmt.Fprintf(&b, "sent: %s with %s at %d\n", probes.RawString(p.NewRegs, p.NewBits), p.Function, p.Address)
	}
	b.WriteString("\ny: write and read back · n/esc: cancel")
	return b.String()
}

// snapshotCmd reads every point once (with the word orders shown) and
// saves the snapshot as JSON in Common.SnapshotDir, never over a file.
func (m DeviceModel) snapshotCmd() tea.Cmd {
	id, url, unit, prof, pool, ctx := m.id, m.dev.URL, byte(m.dev.Unit), m.prof, m.common.Clients, m.common.Ctx
	dir, now := m.common.SnapshotDir, m.common.now()
	return func() tea.Msg {
		target, err := modbus.ParseURL(url)
		if err != nil {
			return snapshotMsg{id: id, err: err}
		}
		c, err := pool.Get(ctx, url)
		if err != nil {
			return snapshotMsg{id: id, err: err}
		}
		snap, err := probes.TakeSnapshot(ctx, c, target, unit, prof)
		if err != nil {
			return snapshotMsg{id: id, err: err}
		}
		if snap.Summary.OK == 0 {
			return snapshotMsg{id: id, err: fmt.Errorf("no point could be read; nothing saved")}
		}
		data, err := json.MarshalIndent(snap, "", "  ")
		if err != nil {
			return snapshotMsg{id: id, err: err}
		}
		path := filepath.Join(dir, fmt.Sprintf("snapshot-unit%d-%s.json", unit, now.Format("20060102-150405")))
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return snapshotMsg{id: id, err: err}
		}
		_, werr := f.Write(append(data, '\n'))
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			os.Remove(path)
			return snapshotMsg{id: id, err: werr}
		}
		return snapshotMsg{id: id, text: fmt.Sprintf("snapshot saved to %s (%d points, %d failed)", path, snap.Summary.OK, snap.Summary.Failed)}
	}
}
