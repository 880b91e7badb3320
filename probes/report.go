package probes

import (
	"sort"

	"github.com/busprobe/busprobe/gateway"
)

// ReportDevice is a found device as the commissioning report lists it:
// line describes how it is reached (the caller's wording), the identity is
// its FC43 objects by name, then its FC17 text.
func ReportDevice(d Device, line string) gateway.ReportDevice {
	rd := gateway.ReportDevice{URL: d.URL, Unit: d.Unit, Line: line, Profile: d.Profile,
		Confidence: d.Confidence, LatencyMS: d.LatencyMS, Notes: d.Notes}
	if d.Identity == nil {
		return rd
	}
	keys := make([]string, 0, len(d.Identity.Objects))
	for k := range d.Identity.Objects {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		rd.Identity = append(rd.Identity, gateway.KV{Key: k, Value: d.Identity.Objects[k]})
	}
	if d.Identity.Text != "" {
		rd.Identity = append(rd.Identity, gateway.KV{Key: "FC17", Value: d.Identity.Text})
	}
	return rd
}

// ReportPoints are verified points as the commissioning report lists them.
func ReportPoints(checks []PointCheck) []gateway.ReportPoint {
	var out []gateway.ReportPoint
	for _, c := range checks {
		out = append(out, gateway.ReportPoint{Device: c.Device, Unit: c.Unit, Point: c.Point,
			Status: c.Status, Value: c.Value, Detail: c.Detail})
	}
	return out
}
