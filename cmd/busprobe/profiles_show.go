package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/busprobe/busprobe/profiles"
	"github.com/spf13/cobra"
)

// limitsJSON is a profile's device limits in `profiles show --json`.
type limitsJSON struct {
	MaxRegisters     int        `json:"max_registers"`
	MaxBits          int        `json:"max_bits"`
	SinglePointReads bool       `json:"single_point_reads"`
	PauseMS          float64    `json:"pause_ms"`
	Holes            []holeJSON `json:"holes"`
}

type holeJSON struct {
	Table   string `json:"table"`
	Address uint16 `json:"address"`
	Count   int    `json:"count"`
}

// identifyJSON is a profile's identification rules.
type identifyJSON struct {
	FC43Vendor   string   `json:"fc43_vendor,omitempty"`
	FC43Product  string   `json:"fc43_product,omitempty"`
	Fingerprints []string `json:"fingerprints,omitempty"` // "voltage_l1 in 90..270"
}

// pointJSON is one point in `profiles show --json`.
type pointJSON struct {
	Name        string  `json:"name"`
	Label       string  `json:"label,omitempty"`
	Table       string  `json:"table"`
	Address     uint16  `json:"address"`  // 0-based protocol address
	Notation    string  `json:"notation"` // the vendor's 1-based 3xxxx/4xxxx form
	Size        int     `json:"size"`     // registers (bits on coil/discrete tables)
	Type        string  `json:"type"`
	Order       string  `json:"order,omitempty"`
	Scale       float64 `json:"scale,omitempty"`
	Offset      float64 `json:"offset,omitempty"`
	ScaleFactor string  `json:"scale_factor,omitempty"`
	Unit        string  `json:"unit,omitempty"`
	Access      string  `json:"access"`
	Description string  `json:"description,omitempty"`

	Enum  map[int64]string `json:"enum,omitempty"`
	Bits  map[int]string   `json:"bits,omitempty"`
	Range *[2]float64      `json:"range,omitempty"`
}

func newProfilesShowCmd(e *env, pf *profileFlags) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "show ID",
		Short:   "Show a profile: identity, source, limits and points",
		Example: "  busprobe profiles show eastron-sdm630\n  busprobe profiles show SDM630 --json",
		Args:    cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			p, err := pf.profile(e, args[0])
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(e.stdout, detail(p))
			}
			return writeProfile(e.stdout, p)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return cmd
}

// detail is the full JSON form of a profile.
func detail(p *profiles.Profile) profileSummary {
	s := summarize(p)
	d := p.Device
	s.Limits = &limitsJSON{MaxRegisters: d.Limit(profiles.TableHolding), MaxBits: d.Limit(profiles.TableCoil),
		SinglePointReads: d.SinglePointReads, PauseMS: float64(d.Pause.Microseconds()) / 1000, Holes: []holeJSON{}}
	for _, h := range d.Holes {
		s.Limits.Holes = append(s.Limits.Holes, holeJSON{Table: h.Table.String(), Address: h.Address, Count: h.Count})
	}
	s.Identify = &identifyJSON{Fingerprints: fingerprints(p)}
	if r := p.Identify.FC43; r != nil {
		if r.Vendor != nil {
			s.Identify.FC43Vendor = r.Vendor.String()
		}
		if r.Product != nil {
			s.Identify.FC43Product = r.Product.String()
		}
	}
	for i := range p.Points {
		pt := &p.Points[i]
		pj := pointJSON{Name: pt.Name, Label: pt.Label, Table: pt.Table.String(), Address: pt.Address,
			Notation: profiles.FormatNotation(pt.Table, pt.Address), Size: pt.Size(), Type: pt.Type.String(),
			Order: order(pt), ScaleFactor: pt.ScaleFactor, Offset: pt.Offset, Unit: pt.Unit,
			Access: pt.Access.String(), Description: pt.Description, Enum: pt.Enum, Bits: pt.Bits}
		if pt.Range != nil {
			pj.Range = &[2]float64{pt.Range.Min, pt.Range.Max}
		}
		if pt.Type.IsNumeric() && pt.ScaleFactor == "" {
			pj.Scale = pt.Scale
		}
		s.PointList = append(s.PointList, pj)
	}
	return s
}

// fingerprints formats the fingerprint rules, e.g. "voltage_l1 in 90..270".
func fingerprints(p *profiles.Profile) []string {
	var out []string
	for _, f := range p.Identify.Fingerprints {
		out = append(out, fmt.Sprintf("%s in %s..%s", f.Point, num(f.Range.Min), num(f.Range.Max)))
	}
	return out
}

// order names how a point's registers are ordered: the byte order of
// multi-byte values, the string order of strings, "-" for single bits.
func order(pt *profiles.Point) string {
	switch {
	case pt.Table.IsBit():
		return ""
	case pt.Type == profiles.TypeString:
		return pt.StringOrder.String()
	}
	return pt.ByteOrder.String()
}

// scaleText says how a point's raw value becomes engineering units.
func scaleText(pt *profiles.Point) string {
	var s string
	switch {
	case pt.ScaleFactor != "":
		s = "10^" + pt.ScaleFactor
	case pt.Type.IsNumeric() && pt.Scale != 1:
		s = num(pt.Scale)
	}
	if pt.Offset != 0 {
		s += fmt.Sprintf("%+g", pt.Offset)
	}
	if s == "" {
		return "-"
	}
	return s
}

func num(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// writeProfile prints a profile for a technician.
func writeProfile(w io.Writer, p *profiles.Profile) error {
	d := detail(p)
	fmt.Fprintf(w, "%s: %s %s\n", p.ID, p.Vendor, p.Model)
	if p.Description != "" {
		fmt.Fprintf(w, "  %s\n", p.Description)
	}
	fmt.Fprintf(w, "aliases:  %s\n", joinOr(p.Aliases, ", "))
	src := p.Source.Title
	if p.Source.Version != "" {
		src += ", " + p.Source.Version
	}
	fmt.Fprintf(w, "source:   %s\n", src)
	if p.Source.URL != "" {
		fmt.Fprintf(w, "          %s\n", p.Source.URL)
	}
	fmt.Fprintf(w, "file:     %s\n", p.File)
	l := d.Limits
	fmt.Fprintf(w, "limits:   %d registers, %d bits per request", l.MaxRegisters, l.MaxBits)
	if l.SinglePointReads {
		fmt.Fprint(w, ", one request per point")
	}
	if l.PauseMS > 0 {
		fmt.Fprintf(w, ", pause %s ms", num(l.PauseMS))
	}
	var holes []string
	for _, h := range l.Holes {
		holes = append(holes, fmt.Sprintf("%s %d..%d", h.Table, h.Address, int(h.Address)+h.Count-1))
	}
	fmt.Fprintf(w, "; holes: %s\n", joinOr(holes, ", "))
	var ident []string
	if id := d.Identify; id.FC43Vendor != "" || id.FC43Product != "" {
		ident = append(ident, fmt.Sprintf("FC43 vendor /%s/ product /%s/", id.FC43Vendor, id.FC43Product))
	}
	ident = append(ident, d.Identify.Fingerprints...)
	for _, m := range p.Identify.SunSpecModels {
		ident = append(ident, "SunSpec model "+strconv.Itoa(m))
	}
	fmt.Fprintf(w, "identify: %s\n\n", joinOr(ident, "; "))
	return writePoints(w, p)
}

// writePoints prints the points table.
func writePoints(w io.Writer, p *profiles.Profile) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tTABLE\tADDRESS\tREGISTER\tTYPE\tORDER\tSCALE\tUNIT\tACCESS")
	for i := range p.Points {
		pt := &p.Points[i]
		addr := strconv.Itoa(int(pt.Address))
		if n := pt.Size(); n > 1 {
			addr += ".." + strconv.Itoa(pt.End()-1)
		}
		typ := pt.Type.String()
		if pt.Type == profiles.TypeString {
			typ += "[" + strconv.Itoa(pt.Length) + "]"
		}
		if pt.Bit != nil {
			typ += " bit " + strconv.Itoa(*pt.Bit)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", pt.Name, pt.Table, addr,
			profiles.FormatNotation(pt.Table, pt.Address), typ, cmpStr(order(pt), "-"), scaleText(pt),
			cmpStr(pt.Unit, "-"), pt.Access)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if n := slices.IndexFunc(p.Points, func(pt profiles.Point) bool { return len(pt.Enum) > 0 || len(pt.Bits) > 0 }); n >= 0 {
		fmt.Fprintln(w, "\n(enum values and bit names: busprobe profiles show "+p.ID+" --json, or the YAML file)")
	}
	return nil
}

// cmpStr returns s, or def when s is empty.
func cmpStr(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}
