package gateway

import (
	"fmt"
	"strings"

	"github.com/busprobe/busprobe/profiles"
	"github.com/goccy/go-yaml"
)

// impProfile is the YAML of an imported profile.
type impProfile struct {
	ID          string     `yaml:"id"`
	Vendor      string     `yaml:"vendor"`
	Model       string     `yaml:"model"`
	Description string     `yaml:"description"`
	Source      impSource  `yaml:"source"`
	Defaults    impDefault `yaml:"defaults"`
	Device      impLimits  `yaml:"device"`
	Points      []impPoint `yaml:"points"`
}

type impSource struct {
	Title   string `yaml:"title"`
	Version string `yaml:"version"`
	Notes   string `yaml:"notes"`
}

type impDefault struct {
	Base int `yaml:"base"`
}

type impLimits struct {
	MaxRegisters     int    `yaml:"max_registers"`
	MaxBits          int    `yaml:"max_bits"`
	SinglePointReads bool   `yaml:"single_point_reads"`
	Pause            string `yaml:"pause"`
}

// ProfileID returns the ID of the profile imported for a device.
func ProfileID(device string) string {
	return "telegraf-" + strings.ReplaceAll(device, "_", "-")
}

// build turns the collected devices into profiles and the native config.
func (im *importer) build(generator string) (*Imported, error) {
	out := &Imported{}
	im.cfg.SchemaVersion, im.cfg.Generator = SchemaVersion, generator
	names := map[string]bool{}
	for _, d := range im.devices {
		if len(d.points) == 0 {
			continue
		}
		for i := 2; names[d.name]; i++ {
			d.name = Slug(fmt.Sprintf("%s_%d", strings.TrimRight(d.name, "0123456789_"), i))
		}
		names[d.name] = true
		ip := impProfile{ID: ProfileID(d.name), Vendor: "unknown", Model: d.name,
			Description: fmt.Sprintf("Register map of unit %d imported from a Telegraf inputs.modbus config", d.unit),
			Source:      impSource{Title: "Telegraf inputs.modbus config", Version: "imported", Notes: "imported by busprobe import telegraf"},
			Device: impLimits{MaxRegisters: profiles.MaxReadRegisters, MaxBits: profiles.MaxReadBits,
				SinglePointReads: d.single, Pause: d.pause.String()},
			Points: d.points}
		b, err := yaml.MarshalWithOptions(ip, yaml.Indent(2), yaml.IndentSequence(true))
		if err != nil {
			return nil, fmt.Errorf("gateway: encode profile %s: %w", ip.ID, err)
		}
		b = append([]byte("# busprobe profile imported from a Telegraf inputs.modbus config.\n"), b...)
		p, err := profiles.Load(ip.ID+".yaml", b)
		if err != nil {
			return nil, fmt.Errorf("gateway: imported profile %s does not load: %w", ip.ID, err)
		}
		dev, err := NewDevice(DeviceSpec{Name: d.name, Bus: d.bus, Unit: d.unit, Profile: p, Interval: d.interval})
		if err != nil {
			return nil, err
		}
		im.cfg.Devices = append(im.cfg.Devices, dev)
		out.Profiles = append(out.Profiles, ImportedProfile{ID: ip.ID, YAML: b, Profile: p})
	}
	if len(im.cfg.Devices) == 0 {
		return nil, &ImportError{File: im.file, Line: 1, Msg: "no field to import"}
	}
	im.cfg.Normalize()
	out.Config = im.cfg
	return out, nil
}
