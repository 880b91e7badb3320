package gateway

import (
	"fmt"
	"time"

	"github.com/busprobe/busprobe/profiles"
	"github.com/busprobe/busprobe/protocols/modbus"
)

// Source is one device found on a bus (by a scan, or picked in the TUI),
// to be exported: where it answered and what it is.
type Source struct {
	URL  string // the Modbus URL it answered at, e.g. tcp://10.0.0.5:502
	Unit int    // its unit ID
	// Profile is its register map; nil (with Err nil) means no profile is
	// known: the device is listed in Built.NoProfile.
	Profile *profiles.Profile
	// Err is why its profile could not be had (e.g. an ID the library
	// lacks): the device is skipped with this reason, in its turn.
	Err error
	// Where names the device in Built.Skipped and Built.NoProfile; ""
	// means "URL unit N".
	Where string
}

// where returns how skip messages name the source.
func (s Source) where() string {
	if s.Where != "" {
		return s.Where
	}
	return fmt.Sprintf("%s unit %d", s.URL, s.Unit)
}

// BuiltDevice is one exported device with where it came from, what
// verifying or learning against the live device needs.
type BuiltDevice struct {
	Device  *Device           // points into Built.Config.Devices
	URL     string            // the source's URL
	Profile *profiles.Profile // the source's profile
}

// Built is a config built from sources.
type Built struct {
	Config Config
	// Devices are the exported devices, one per Config.Devices entry, in
	// order. Their Device pointers share Config.Devices' array: a change
	// made through one shows in the config (copying Built keeps that).
	Devices []BuiltDevice
	// Skipped says, as "WHERE: REASON", why sources with a profile were
	// left out (a bad URL, a profile that cannot be planned, Source.Err),
	// in source order.
	Skipped []string
	// NoProfile names (as Source.Where) the sources without a profile, in
	// order; the caller says how to give them one.
	NoProfile []string
}

// Points returns the number of points exported.
func (b Built) Points() int {
	n := 0
	for _, d := range b.Config.Devices {
		n += len(d.Points)
	}
	return n
}

// Build turns the sources into a native config: one bus per distinct line
// or endpoint (from the URL), one device per source with a profile, named
// PROFILE_uUNIT (with the bus name appended when two would share a name),
// with every readable point, the profile's workarounds, the read plan and
// poll interval (DefaultPollInterval if 0). generator is written into the
// config. A source that cannot be exported is skipped, not fatal: the
// result says why.
func Build(sources []Source, interval time.Duration, generator string) Built {
	b := Built{Config: Config{SchemaVersion: SchemaVersion, Generator: generator}}
	var built []BuiltDevice // their Device pointers are set once Config.Devices stops growing
	names := map[string]bool{}
	for _, s := range sources {
		if s.Profile == nil && s.Err == nil {
			b.NoProfile = append(b.NoProfile, s.where())
			continue
		}
		bd, err := b.add(s, interval, names)
		if err != nil {
			b.Skipped = append(b.Skipped, fmt.Sprintf("%s: %v", s.where(), err))
			continue
		}
		built = append(built, bd)
	}
	b.Config.Normalize()
	for i := range built {
		built[i].Device = &b.Config.Devices[i]
	}
	b.Devices = built
	return b
}

// add adds one source's device (and its bus, if new) to the config.
func (b *Built) add(s Source, interval time.Duration, names map[string]bool) (BuiltDevice, error) {
	if s.Err != nil {
		return BuiltDevice{}, s.Err
	}
	t, err := modbus.ParseURL(s.URL)
	if err != nil {
		return BuiltDevice{}, err
	}
	bus, err := BusFromTarget(t)
	if err != nil {
		return BuiltDevice{}, err
	}
	if _, ok := b.Config.Bus(bus.Name); !ok {
		b.Config.Buses = append(b.Config.Buses, bus)
	}
	name := Slug(fmt.Sprintf("%s_u%d", s.Profile.ID, s.Unit))
	if names[name] {
		name = Slug(name + "_" + bus.Name)
	}
	names[name] = true
	dev, err := NewDevice(DeviceSpec{Name: name, Bus: bus.Name, Unit: s.Unit, Profile: s.Profile, Interval: interval})
	if err != nil {
		return BuiltDevice{}, err
	}
	b.Config.Devices = append(b.Config.Devices, dev)
	return BuiltDevice{URL: s.URL, Profile: s.Profile}, nil
}
