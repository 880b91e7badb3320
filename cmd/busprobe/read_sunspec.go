package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/busprobe/busprobe/profiles/sunspec"
)

// sunspecProfile is the --profile name that walks a SunSpec model chain.
const sunspecProfile = "sunspec"

// sunspecReadResult is the JSON document of `read --profile sunspec --json`.
// Points holds every decoded point of every known model, named
// "<model id>.<path>" (e.g. "103.W"), so it reads like any profile's.
type sunspecReadResult struct {
	SchemaVersion int                `json:"schema_version"`
	URL           string             `json:"url"`
	Unit          int                `json:"unit"`
	Profile       string             `json:"profile"`
	Base          uint16             `json:"base"`
	Models        []sunspecModelJSON `json:"models"`
	Points        []pointReadJSON    `json:"points"`
	Notes         []string           `json:"notes,omitempty"`
}

// sunspecModelJSON is one model of the chain.
type sunspecModelJSON struct {
	ID      int      `json:"id"`
	Name    string   `json:"name,omitempty"`
	Address uint16   `json:"address"`
	Length  uint16   `json:"length"`
	Known   bool     `json:"known"`
	Notes   []string `json:"notes,omitempty"`
}

// runSunSpecRead is `busprobe read URL --profile sunspec`.
func runSunSpecRead(ctx context.Context, e *env, rawURL string, f readFlags) error {
	unit, err := f.conn.unitID()
	if err != nil {
		return err
	}
	if len(f.points) > 0 {
		return usagef("--points does not go with --profile sunspec: every model of the chain is read")
	}
	models, err := sunspec.ModelsFromEnv(f.sunspec)
	if err != nil {
		return err
	}
	s, err := f.conn.open(ctx, e, rawURL)
	if err != nil {
		return err
	}
	defer s.close()
	dev, err := models.Discover(ctx, s.client, unit)
	if err != nil && dev == nil {
		return s.explain(unit, err)
	}
	if f.asJSON {
		if werr := writeJSON(e.stdout, toSunSpecJSON(s.target.String(), dev)); werr != nil {
			return werr
		}
	} else if werr := writeSunSpec(e.stdout, dev); werr != nil {
		return werr
	}
	if err != nil { // the chain broke part way: what was read is printed
		return &codedError{code: exitPartial, err: s.explain(unit, err)}
	}
	return nil
}

func toSunSpecJSON(url string, dev *sunspec.Device) sunspecReadResult {
	out := sunspecReadResult{SchemaVersion: schemaVersion, URL: url, Unit: int(dev.Unit), Profile: sunspecProfile,
		Base: dev.Base, Models: []sunspecModelJSON{}, Points: []pointReadJSON{}, Notes: dev.Notes}
	for _, m := range dev.Models {
		out.Models = append(out.Models, sunspecModelJSON{ID: m.ID, Name: m.Name, Address: m.Address, Length: m.Length, Known: m.Known, Notes: m.Notes})
		for _, p := range m.Points {
			out.Points = append(out.Points, pointReadJSON{
				Name: fmt.Sprintf("%d.%s", m.ID, p.Path()), Label: p.Label, Value: p.Value.Any(),
				Unit: p.Unit, Display: p.Value.Display, Raw: rawInts(p.Value),
			})
		}
	}
	return out
}

// writeSunSpec prints each model: a header line, then its points.
func writeSunSpec(w io.Writer, dev *sunspec.Device) error {
	fmt.Fprintf(w, "SunSpec map at %d, unit %d\n", dev.Base, dev.Unit)
	for _, n := range dev.Notes {
		fmt.Fprintln(w, "note:", n)
	}
	for _, m := range dev.Models {
		if !m.Known {
			fmt.Fprintf(w, "\nmodel %d at %d (L=%d): unknown, skipped\n", m.ID, m.Address, m.Length)
			continue
		}
		fmt.Fprintf(w, "\nmodel %d %s at %d (L=%d)\n", m.ID, m.Label, m.Address, m.Length)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  POINT\tVALUE\tADDRESS\tRAW")
		for _, p := range m.Points {
			fmt.Fprintf(tw, "  %s\t%s\t%d\t%s\n", p.Path(), p.Value.Display, p.Address, rawHex(p.Value))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		for _, n := range m.Notes {
			fmt.Fprintln(w, "  note:", n)
		}
	}
	_, err := fmt.Fprintf(w, "\n%d models, %s\n", len(dev.Models), unknownText(dev.Unknown()))
	return err
}

func unknownText(ids []int) string {
	if len(ids) == 0 {
		return "all known"
	}
	return fmt.Sprintf("unknown (skipped): %v", ids)
}
