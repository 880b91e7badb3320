package gateway

import (
	"fmt"
	"time"

	"github.com/busprobe/busprobe/profiles"
)

// DefaultPollInterval is the poll interval of a device when none is given.
const DefaultPollInterval = 10 * time.Second

// FromLimits returns the workarounds that carry a profile's (or a
// poller's learned) device limits; zero limits become the protocol's.
func FromLimits(l profiles.DeviceLimits) Workarounds {
	w := Workarounds{
		MaxRegisters:     l.Limit(profiles.TableHolding),
		MaxBits:          l.Limit(profiles.TableCoil),
		Holes:            []Hole{},
		SinglePointReads: l.SinglePointReads,
		Pause:            Duration(l.Pause),
	}
	for _, h := range l.Holes {
		w.Holes = append(w.Holes, Hole{Table: h.Table.String(), Address: int(h.Address), Count: h.Count})
	}
	return w
}

// Limits returns the workarounds as the read planner's device limits.
func (w Workarounds) Limits() (profiles.DeviceLimits, error) {
	l := profiles.DeviceLimits{MaxRegisters: w.MaxRegisters, MaxBits: w.MaxBits,
		SinglePointReads: w.SinglePointReads, Pause: w.Pause.D()}
	for i, h := range w.Holes {
		t, ok := profiles.ParseTable(h.Table)
		if !ok {
			return l, fmt.Errorf("holes[%d]: unknown table %q", i, h.Table)
		}
		if h.Address < 0 || h.Address > 65535 || h.Count < 1 {
			return l, fmt.Errorf("holes[%d]: address %d count %d out of range", i, h.Address, h.Count)
		}
		l.Holes = append(l.Holes, profiles.Hole{Table: t, Address: uint16(h.Address), Count: h.Count})
	}
	return l, nil
}

// PointFrom converts a profile point into a native point.
func PointFrom(p *profiles.Point) Point {
	out := Point{Name: p.Name, Label: p.Label, Table: p.Table.String(), Address: int(p.Address),
		Type: p.Type.String(), Unit: p.Unit, Access: p.Access.String()}
	if p.Table.IsBit() {
		return out
	}
	switch p.Type {
	case profiles.TypeString:
		out.Length, out.StringOrder = p.Length, p.StringOrder.String()
	case profiles.TypeBits:
		out.Length, out.ByteOrder = p.Size(), p.ByteOrder.String()
	case profiles.TypeBool:
		if p.Bit != nil {
			b := *p.Bit
			out.Bit = &b
		}
		out.ByteOrder = p.ByteOrder.String()
	default:
		out.ByteOrder = p.ByteOrder.String()
	}
	if p.Type.IsNumeric() {
		out.Scale, out.Offset, out.ScaleFactor = p.Scale, p.Offset, p.ScaleFactor
		if out.Scale == 0 {
			out.Scale = 1
		}
	}
	if p.Range != nil {
		out.Range = &Range{Min: p.Range.Min, Max: p.Range.Max}
	}
	return out
}

// Profile converts the native point back into a profile point (for the
// read planner and the decoder). The point should have passed Validate.
func (p Point) Profile() (profiles.Point, error) {
	out := profiles.Point{Name: p.Name, Label: p.Label, Unit: p.Unit, Scale: 1, Offset: p.Offset,
		ScaleFactor: p.ScaleFactor, Length: p.Length}
	var ok bool
	if out.Table, ok = profiles.ParseTable(p.Table); !ok {
		return out, fmt.Errorf("point %s: unknown table %q", p.Name, p.Table)
	}
	if out.Type, ok = profiles.ParseType(p.Type); !ok {
		return out, fmt.Errorf("point %s: unknown type %q", p.Name, p.Type)
	}
	if p.Address < 0 || p.Address > 65535 {
		return out, fmt.Errorf("point %s: address %d out of range 0..65535", p.Name, p.Address)
	}
	out.Address = uint16(p.Address)
	if p.ByteOrder != "" {
		if out.ByteOrder, ok = profiles.ParseByteOrder(p.ByteOrder); !ok {
			return out, fmt.Errorf("point %s: unknown byte order %q", p.Name, p.ByteOrder)
		}
	}
	if p.StringOrder != "" {
		if out.StringOrder, ok = profiles.ParseStringOrder(p.StringOrder); !ok {
			return out, fmt.Errorf("point %s: unknown string order %q", p.Name, p.StringOrder)
		}
	}
	if p.Access != "" { // r when not given
		if out.Access, ok = profiles.ParseAccess(p.Access); !ok {
			return out, fmt.Errorf("point %s: unknown access %q", p.Name, p.Access)
		}
	}
	if p.Scale != 0 {
		out.Scale = p.Scale
	}
	if p.Bit != nil {
		b := *p.Bit
		out.Bit = &b
	}
	if p.Range != nil {
		out.Range = &profiles.Range{Min: p.Range.Min, Max: p.Range.Max}
	}
	return out, nil
}

// DeviceSpec says which device to build: where it is and what it is.
type DeviceSpec struct {
	Name     string            // device name; "" derives PROFILE_uUNIT
	Bus      string            // the bus's name
	Unit     int               // unit ID
	Profile  *profiles.Profile // its register map
	Interval time.Duration     // poll interval; 0 means DefaultPollInterval
	// Workarounds override the profile's device limits when not nil (e.g.
	// what the poller learned on the live bus).
	Workarounds *Workarounds
	// Points names the points to export; empty means every readable point
	// (plus the scale-factor points they need).
	Points []string
}

// NewDevice builds a device: its readable points from the profile, the
// workarounds (the profile's device limits unless given) and the request
// plan those workarounds allow.
func NewDevice(s DeviceSpec) (Device, error) {
	p := s.Profile
	if p == nil {
		return Device{}, fmt.Errorf("device %s: no profile", s.Name)
	}
	w := FromLimits(p.Device)
	if s.Workarounds != nil {
		w = *s.Workarounds
	}
	if s.Interval <= 0 {
		s.Interval = DefaultPollInterval
	}
	if s.Name == "" {
		s.Name = Slug(fmt.Sprintf("%s_u%d", p.ID, s.Unit))
	}
	pts, err := p.Select(s.Points)
	if err != nil {
		return Device{}, fmt.Errorf("device %s: %w", s.Name, err)
	}
	d := Device{Name: s.Name, Bus: s.Bus, Unit: s.Unit, Profile: p.ID, PollInterval: Duration(s.Interval),
		Workarounds: w, Points: []Point{}}
	for _, pt := range pts {
		d.Points = append(d.Points, PointFrom(pt))
	}
	if d.Plan, err = d.ReadPlan(); err != nil {
		return Device{}, fmt.Errorf("device %s: %w", s.Name, err)
	}
	return d, nil
}

// ProfilePoints returns the device's points as profile points, in order.
func (d *Device) ProfilePoints() ([]profiles.Point, error) {
	out := make([]profiles.Point, 0, len(d.Points))
	for _, p := range d.Points {
		pp, err := p.Profile()
		if err != nil {
			return nil, err
		}
		out = append(out, pp)
	}
	return out, nil
}

// ReadPlan plans the device's points under its workarounds.
func (d *Device) ReadPlan() ([]Request, error) {
	pts, err := d.ProfilePoints()
	if err != nil {
		return nil, err
	}
	lim, err := d.Workarounds.Limits()
	if err != nil {
		return nil, err
	}
	ptrs := make([]*profiles.Point, 0, len(pts))
	for i := range pts {
		if pts[i].Access.CanRead() {
			ptrs = append(ptrs, &pts[i])
		}
	}
	plan, err := profiles.Plan(ptrs, lim)
	if err != nil {
		return nil, err
	}
	out := []Request{}
	for _, r := range plan.Requests {
		req := Request{Table: r.Table.String(), Address: int(r.Address), Count: r.Count, Points: []string{}}
		for _, p := range r.Points {
			req.Points = append(req.Points, p.Name)
		}
		out = append(out, req)
	}
	return out, nil
}

// Slug turns s into a name matching [a-z][a-z0-9_]*: lowercase, every run
// of other characters one underscore, a leading "x" when s starts with a
// digit or is empty.
func Slug(s string) string {
	var b []byte
	under := false
	for _, c := range []byte(s) {
		switch {
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
			fallthrough
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
			b = append(b, c)
			under = false
		default:
			if !under && len(b) > 0 {
				b = append(b, '_')
				under = true
			}
		}
	}
	for len(b) > 0 && b[len(b)-1] == '_' {
		b = b[:len(b)-1]
	}
	if len(b) == 0 || b[0] < 'a' || b[0] > 'z' {
		b = append([]byte("x"), b...)
	}
	return string(b)
}
