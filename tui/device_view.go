package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/busprobe/busprobe/probes"
	"github.com/busprobe/busprobe/profiles"
)

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
	v.Status = fmt.Sprintf("%s every %s · polls %d, failed %d", state, m.common.pollInterval(), m.polls, m.failed)
	if m.polls > 0 {
		v.Status += " · " + statsText(m.stats)
	}
	v.Status += fmt.Sprintf(" · last %d requests in %s", m.last.Requests, msText(m.last.Duration))
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
