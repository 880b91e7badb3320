package tui

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/busprobe/busprobe/gateway"
	"github.com/busprobe/busprobe/probes"
	"github.com/busprobe/busprobe/profiles"
)

// The export screen's pure part: the devices found become a gateway
// config (as `busprobe export` builds it from a scan file), and the config
// becomes the files of one format. Nothing here does I/O.

// ExportFormat is one format the export screen writes.
type ExportFormat int

// Export formats, in the order the format key cycles through them.
const (
	ExportYAML ExportFormat = iota
	ExportJSON
	ExportTelegraf
	ExportEdgeX
	ExportHomeAssistant
	exportFormats
)

func (f ExportFormat) String() string {
	switch f {
	case ExportYAML:
		return "native YAML"
	case ExportJSON:
		return "native JSON"
	case ExportTelegraf:
		return "telegraf"
	case ExportEdgeX:
		return "edgex"
	case ExportHomeAssistant:
		return "homeassistant"
	}
	return "?"
}

// DefaultPath is where the format saves unless the user types another
// path; EdgeX writes a folder.
func (f ExportFormat) DefaultPath() string {
	switch f {
	case ExportJSON:
		return "busprobe-gateway.json"
	case ExportTelegraf:
		return "telegraf-modbus.conf"
	case ExportEdgeX:
		return "edgex"
	case ExportHomeAssistant:
		return "homeassistant-modbus.yaml"
	}
	return "busprobe-gateway.yaml"
}

// exportSource is where one exported device lives and what it is.
type exportSource struct {
	url     string
	device  string // the config's device name
	profile *profiles.Profile
}

// exportPlan is the config built from the devices found.
type exportPlan struct {
	cfg     gateway.Config
	sources []exportSource // one per cfg.Devices entry, in order
	skipped []string       // why devices were left out
}

func (p exportPlan) points() int {
	n := 0
	for _, d := range p.cfg.Devices {
		n += len(d.Points)
	}
	return n
}

// buildExportPlan turns the devices with a profile into a native config
// with gateway.Build, as `busprobe export` does for a scan file.
func buildExportPlan(devs []probes.Device, lib *profiles.Library, generator string) exportPlan {
	sources := make([]gateway.Source, 0, len(devs))
	for _, d := range devs {
		s := gateway.Source{URL: d.URL, Unit: d.Unit, Where: fmt.Sprintf("unit %d on %s", d.Unit, DeviceSettings(d))}
		switch {
		case d.Profile == "":
		case lib == nil:
			s.Err = errors.New("no profile library")
		default:
			s.Profile, s.Err = lib.Get(d.Profile)
		}
		sources = append(sources, s)
	}
	b := gateway.Build(sources, 0, generator)
	x := exportPlan{cfg: b.Config, skipped: b.Skipped}
	for _, d := range b.Devices {
		x.sources = append(x.sources, exportSource{url: d.URL, device: d.Device.Name, profile: d.Profile})
	}
	if len(b.NoProfile) > 0 {
		x.skipped = append(x.skipped, "no profile (pick one on the devices screen): "+strings.Join(b.NoProfile, ", "))
	}
	return x
}

// exportFile is one file of an export, its path relative to what the user
// chose (the file itself, or the EdgeX folder).
type exportFile struct {
	rel  string // "" for the chosen path itself
	data []byte
}

// renderExport encodes the config in format f. Points a collector cannot
// read are reported in warnings.
func renderExport(cfg gateway.Config, f ExportFormat) (files []exportFile, warnings []string, err error) {
	var buf bytes.Buffer
	var skipped []gateway.Skipped
	switch f {
	case ExportYAML:
		err = gateway.WriteYAML(&buf, cfg)
	case ExportJSON:
		err = gateway.WriteJSON(&buf, cfg)
	case ExportTelegraf:
		skipped, err = gateway.WriteTelegraf(&buf, cfg)
	case ExportHomeAssistant:
		skipped, err = gateway.WriteHomeAssistant(&buf, cfg)
	case ExportEdgeX:
		files, skipped, err = renderEdgeX(cfg)
	default:
		err = fmt.Errorf("unknown export format %d", int(f))
	}
	for _, s := range skipped {
		warnings = append(warnings, "skipped "+s.String())
	}
	if err != nil {
		return nil, warnings, err
	}
	if f != ExportEdgeX {
		files = []exportFile{{data: buf.Bytes()}}
	}
	return files, warnings, nil
}

// renderEdgeX builds the EdgeX device profiles and device list, as
// `busprobe export --format edgex` lays them out in its folder.
func renderEdgeX(cfg gateway.Config) ([]exportFile, []gateway.Skipped, error) {
	ex, skipped, err := gateway.BuildEdgeX(cfg)
	if err != nil {
		return nil, skipped, err
	}
	var files []exportFile
	for _, p := range ex.Profiles {
		b, err := gateway.WriteEdgeXProfile(p, cfg.Generator)
		if err != nil {
			return nil, skipped, err
		}
		files = append(files, exportFile{rel: path.Join("profiles", p.Name+".yaml"), data: b})
	}
	b, err := gateway.WriteEdgeXDevices(ex.Devices, cfg.Generator)
	if err != nil {
		return nil, skipped, err
	}
	return append(files, exportFile{rel: path.Join("devices", "busprobe-devices.yaml"), data: b}), skipped, nil
}

// previewLines are the files of an export as one text, each EdgeX file
// under a header line.
func previewLines(files []exportFile) []string {
	var lines []string
	for _, f := range files {
		if f.rel != "" {
			lines = append(lines, "# ─── "+f.rel)
		}
		text := strings.TrimRight(string(f.data), "\n")
		lines = append(lines, strings.Split(strings.ReplaceAll(text, "\t", "    "), "\n")...)
	}
	return lines
}
